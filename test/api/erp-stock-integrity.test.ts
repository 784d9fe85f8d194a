import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { applyTradeEffects } from '../../server/sync/erp-effects'
import { startTestApp, type TestApp } from '../support/app'
import { erp } from '../support/erp'
import { expectStockConsistent } from '../support/invariants'

/**
 * Paths that once leaked or double-counted reservations and stock: merging held orders, the sync
 * flagging an audited order, closed trades during picking, read-only workflow fields written by
 * hand, stocktake lines added after counting started.
 */
let app: TestApp
let t: ReturnType<typeof erp>
let data: Awaited<ReturnType<ReturnType<typeof erp>['masterData']>>
let nextTid = 4_000_000_000_000_000_000n

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
  data = await t.masterData([{ outer_id: 'A1' }, { outer_id: 'B1' }])
  await t.receive(data.main.id, data.skus.map((s) => ({ sku: s.id, qty: 10, cost: '10.00' })))
  await t.create('settings', { default_warehouse: data.main.id, auto_audit: false })
})
afterEach(async () => {
  await expectStockConsistent(app.ctx.db.knex)
})
afterAll(async () => {
  await app?.close()
})

async function tradeWithOrder(lines: { code: string; num: number }[], extra: Record<string, unknown> = {}) {
  const tid = String(nextTid++)
  const trade = await t.create('platform_trades', {
    shop: data.shop.id,
    tid,
    status: 'WAIT_SELLER_SEND_GOODS',
    buyer_nick: '买家甲',
    oaid: 'OAID-1',
    payment: '100.00',
    created: '2026-11-26 10:00:00',
    pay_time: '2026-11-26 10:05:00',
    source: 'manual',
    lines: lines.map((l, i) => ({ oid: `${tid}${i}`, outer_sku_id: l.code, title: l.code, num: l.num, payment: '50.00', price: '50.00' })),
    ...extra,
  })
  const created = await t.ok(t.act('platform_trades', trade.id, 'create_order'))
  return { trade, order: await t.get('orders', created.result.order) }
}

const stockOf = async (sku: number, warehouse = data.main.id) => {
  const b = await t.balance(data.skus[sku].id, warehouse)
  return { on_hand: Number(b?.on_hand ?? 0), reserved: Number(b?.reserved ?? 0) }
}

describe('reservations', () => {
  it('merging held audited orders gives their stock back once, and the merged order reserves once', async () => {
    const before = await stockOf(0)
    const a = await tradeWithOrder([{ code: 'A1', num: 3 }])
    const b = await tradeWithOrder([{ code: 'A1', num: 2 }])
    for (const o of [a, b]) await t.ok(t.act('orders', o.order.id, 'audit'))
    for (const o of [a, b]) await t.ok(t.act('orders', o.order.id, 'hold'))
    expect((await stockOf(0)).reserved).toBe(before.reserved + 5)
    await t.ok(t.bulk('orders', [a.order.id, b.order.id], 'merge'))
    expect((await stockOf(0)).reserved).toBe(before.reserved)
    expect(await t.get('orders', a.order.id)).toMatchObject({ status: 'pending', status_before_hold: null })
    await t.ok(t.act('orders', a.order.id, 'audit'))
    expect((await stockOf(0)).reserved).toBe(before.reserved + 5)
    await t.ok(t.act('orders', a.order.id, 'cancel'))
    expect(await stockOf(0)).toEqual(before)
  })

  it('refuses to post a reservation twice, whatever put the order back to 待审核', async () => {
    const { order } = await tradeWithOrder([{ code: 'B1', num: 1 }])
    await t.ok(t.act('orders', order.id, 'audit'))
    // Something outside the actions (a bug, a script as the system) moves the status back.
    await app.ctx.records.updateFields(null, 'orders', order.id, { status: 'pending' })
    const again = await t.act('orders', order.id, 'audit')
    expect(again.status).toBe(422)
    expect(again.body.error.message).toMatch(/"reserve" is already posted/)
    await t.ok(t.act('orders', order.id, 'cancel'))
  })

  it('a partial refund flags the audited order 异常 and gives its stock back; auditing again reserves once', async () => {
    const before = await stockOf(0)
    const { trade, order } = await tradeWithOrder([{ code: 'A1', num: 2 }, { code: 'B1', num: 1 }])
    await t.ok(t.act('orders', order.id, 'audit'))
    expect((await stockOf(0)).reserved).toBe(before.reserved + 2)
    const lines = trade.lines.map((l: any, i: number) => ({ id: l.id, ...(i === 1 ? { refund_id: `R${trade.tid}`, refund_status: 'WAIT_SELLER_AGREE' } : {}) }))
    await app.ctx.records.updateFields(null, 'platform_trades', trade.id, { lines })
    await applyTradeEffects(app.ctx.records, [trade.id])
    const flagged = await t.get('orders', order.id)
    expect(flagged.status).toBe('exception')
    expect(flagged.exception_reason).toMatch(/部分退款/)
    expect((await stockOf(0)).reserved).toBe(before.reserved)
    await t.ok(t.act('orders', order.id, 'audit'))
    expect((await stockOf(0)).reserved).toBe(before.reserved + 2)
    await t.ok(t.act('orders', order.id, 'cancel'))
    expect(await stockOf(0)).toEqual(before)
  })

  it('one sync pass with several refunds, or a refund on a trade it closes, changes the order once and does not fail', async () => {
    const before = await stockOf(0)
    const twoRefunds = await tradeWithOrder([{ code: 'A1', num: 1 }, { code: 'B1', num: 1 }, { code: 'A1', num: 1 }])
    const closed = await tradeWithOrder([{ code: 'A1', num: 1 }, { code: 'B1', num: 1 }])
    for (const o of [twoRefunds, closed]) await t.ok(t.act('orders', o.order.id, 'audit'))
    const refunded = (trade: any, which: number[]) => trade.lines.map((l: any, i: number) => ({ id: l.id, ...(which.includes(i) ? { refund_id: `R${trade.tid}-${i}`, refund_status: 'WAIT_SELLER_AGREE' } : {}) }))
    await app.ctx.records.updateFields(null, 'platform_trades', twoRefunds.trade.id, { lines: refunded(twoRefunds.trade, [0, 1]) })
    await app.ctx.records.updateFields(null, 'platform_trades', closed.trade.id, { status: 'TRADE_CLOSED', lines: refunded(closed.trade, [0]) })
    const effects = await applyTradeEffects(app.ctx.records, [twoRefunds.trade.id, closed.trade.id])
    expect(effects).toMatchObject({ orders_cancelled: 1, after_sales: 3 })
    expect(await t.get('orders', twoRefunds.order.id)).toMatchObject({ status: 'exception', exception_reason: expect.stringMatching(/部分退款/) })
    expect((await t.get('orders', closed.order.id)).status).toBe('cancelled')
    expect(await stockOf(0)).toEqual(before)
    await t.ok(t.act('orders', twoRefunds.order.id, 'cancel'))
  })

  it('a trade closed while its order is being picked flags the order so it cannot ship', async () => {
    const before = await stockOf(1)
    const { trade, order } = await tradeWithOrder([{ code: 'B1', num: 2 }])
    await t.ok(t.act('orders', order.id, 'audit'))
    await t.ok(t.bulk('orders', [order.id], 'create_pick_list'))
    expect((await t.get('orders', order.id)).status).toBe('picking')
    await app.ctx.records.updateFields(null, 'platform_trades', trade.id, { status: 'TRADE_CLOSED' })
    const effects = await applyTradeEffects(app.ctx.records, [trade.id])
    expect(effects.orders_flagged).toBe(1)
    expect(await t.get('orders', order.id)).toMatchObject({ status: 'exception', exception_reason: expect.stringMatching(/交易已关闭/) })
    expect(await stockOf(1)).toEqual(before)
    expect((await t.act('orders', order.id, 'ship', { courier: data.courier.id, waybill_no: 'YT1' })).status).toBe(409)
    // Seen again, the closed trade cancels the flagged order.
    await applyTradeEffects(app.ctx.records, [trade.id])
    expect((await t.get('orders', order.id)).status).toBe('cancelled')
    expect(await stockOf(1)).toEqual(before)
  })

  it('标记异常 by hand needs a reason and gives the stock back, also for an order waiting to ship', async () => {
    const before = await stockOf(0)
    const { order } = await tradeWithOrder([{ code: 'A1', num: 1 }])
    await t.ok(t.act('orders', order.id, 'audit'))
    expect((await t.act('orders', order.id, 'mark_exception', {})).status).toBe(400)
    const marked = await t.ok(t.act('orders', order.id, 'mark_exception', { reason: '买家要求改地址' }))
    expect(marked.data).toMatchObject({ status: 'exception', exception_reason: '买家要求改地址' })
    expect(await stockOf(0)).toEqual(before)
    await t.ok(t.act('orders', order.id, 'cancel'))
  })

  it('a new warehouse for a held audited order gives back the old warehouse stock; released, it is audited afresh', async () => {
    const before = await stockOf(0)
    const { order } = await tradeWithOrder([{ code: 'A1', num: 2 }])
    await t.ok(t.act('orders', order.id, 'audit'))
    await t.ok(t.act('orders', order.id, 'hold'))
    await t.ok(t.act('orders', order.id, 'assign_warehouse', { warehouse: data.returns.id }))
    expect(await stockOf(0)).toEqual(before)
    const released = await t.ok(t.act('orders', order.id, 'release'))
    expect(released.result).toEqual({ status: 'pending' })
    await t.ok(t.act('orders', order.id, 'cancel'))
  })
})

describe('read-only workflow fields', () => {
  it('cannot be written by hand: status before hold, after-sales status, stocktake book quantities', async () => {
    const { order } = await tradeWithOrder([{ code: 'A1', num: 1 }])
    await t.ok(t.act('orders', order.id, 'audit'))
    await t.ok(t.act('orders', order.id, 'hold'))
    const sneaky = await app.api.patch(`/api/forms/orders/records/${order.id}`, { status_before_hold: 'cancelled' })
    expect(sneaky.status).toBe(422)
    expect(sneaky.body.error.details).toContainEqual(expect.objectContaining({ field: 'status_before_hold', code: 'readonly' }))
    expect((await t.ok(t.act('orders', order.id, 'release'))).result).toEqual({ status: 'audited' })
    await t.ok(t.act('orders', order.id, 'cancel'))

    const afterSale = await t.create('after_sales', { type: 'return_refund', order: order.id, reason: '不想要了', lines: [{ order_line: order.lines[0].id, qty: 1, refund_amount: '0' }] })
    await t.ok(t.act('after_sales', afterSale.id, 'approve'))
    await t.ok(t.act('after_sales', afterSale.id, 'receive_return', { warehouse: data.returns.id }))
    const reopened = await app.api.patch(`/api/forms/after_sales/records/${afterSale.id}`, { status: 'approved' })
    expect(reopened.status).toBe(422)
    expect((await t.act('after_sales', afterSale.id, 'receive_return', { warehouse: data.returns.id })).status).toBe(409)
    expect(await stockOf(0, data.returns.id)).toEqual({ on_hand: 1, reserved: 0 })

    const take = await app.api.post('/api/forms/stocktakes/records', { warehouse: data.main.id, lines: [{ sku: data.skus[0].id, book_qty: 0, counted_qty: 10 }] })
    expect(take.status).toBe(422)
    expect(take.body.error.details).toContainEqual(expect.objectContaining({ field: 'lines[0].book_qty', code: 'readonly' }))
    const started = await app.api.post('/api/forms/stocktakes/records', { warehouse: data.main.id, counting_started_at: '2026-11-27 10:00:00' })
    expect(started.status).toBe(422)
  })
})

describe('stocktakes', () => {
  it('a line added after counting started gets its book quantity then, so an exact count posts nothing', async () => {
    const before = [await stockOf(0), await stockOf(1)]
    const take = await t.create('stocktakes', { warehouse: data.main.id, lines: [{ sku: data.skus[0].id }] })
    await t.ok(t.act('stocktakes', take.id, 'start_count'))
    const counting = await t.get('stocktakes', take.id)
    const updated = await t.ok(
      app.api.patch(`/api/forms/stocktakes/records/${take.id}`, {
        lines: [
          { id: counting.lines[0].id, counted_qty: before[0].on_hand },
          { sku: data.skus[1].id, counted_qty: before[1].on_hand },
        ],
      }),
    )
    expect(updated.data.lines.map((l: any) => [l.sku.display, l.book_qty, l.variance])).toEqual([
      ['A1', String(before[0].on_hand), '0'],
      ['B1', String(before[1].on_hand), '0'],
    ])
    await t.submit('stocktakes', take.id)
    expect([await stockOf(0), await stockOf(1)]).toEqual(before)
  })
})
