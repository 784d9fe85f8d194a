import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'
import { erp } from '../support/erp'
import { expectStockConsistent } from '../support/invariants'

// The money facts a merchant found wrong: the post fee on orders, refunds of part of a line,
// returns at the cost they shipped at, and what kind of stock movement each ledger line is.
let app: TestApp
let t: ReturnType<typeof erp>
let data: Awaited<ReturnType<ReturnType<typeof erp>['masterData']>>
let nextTid = 4_000_000_000_000_000_000n

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
  data = await t.masterData([{ outer_id: 'COAT-1' }, { outer_id: 'HAT-1' }, { outer_id: 'SOCK-1' }])
  await t.create('settings', { default_warehouse: data.main.id, auto_audit: false })
})
afterEach(async () => {
  await expectStockConsistent(app.ctx.db.knex)
})
afterAll(async () => {
  await app?.close()
})

async function orderFor(lines: { code: string; num: number; payment: string }[], extra: Record<string, unknown> = {}) {
  const tid = String(nextTid++)
  const trade = await t.create('platform_trades', {
    shop: data.shop.id,
    tid,
    status: 'WAIT_SELLER_SEND_GOODS',
    buyer_nick: '买家阿青',
    receiver_state: '浙江省',
    oaid: 'OAID-AQ',
    payment: lines.reduce((n, l) => n + Number(l.payment), 0).toFixed(2),
    created: '2026-11-26 10:00:00',
    pay_time: '2026-11-26 10:05:00',
    source: 'manual',
    lines: lines.map((l, i) => ({ oid: `${tid}${i}`, outer_sku_id: l.code, title: l.code, num: l.num, payment: l.payment, price: l.payment })),
    ...extra,
  })
  const created = await t.ok(t.act('platform_trades', trade.id, 'create_order'))
  return t.get('orders', created.result.order)
}

async function ship(orderId: number) {
  await t.ok(t.act('orders', orderId, 'audit'))
  return (await t.ok(t.act('orders', orderId, 'ship', { courier: data.courier.id, waybill_no: `YT${orderId}0001` }))).data
}

describe('money facts', () => {
  it('an order carries the post fee the buyer paid, and a merge adds them up', async () => {
    const order = await orderFor([{ code: 'SOCK-1', num: 1, payment: '89.90' }], { payment: '95.90', post_fee: '6.00' })
    expect(order).toMatchObject({ payment_total: '89.90', post_fee: '6.00', order_total: '95.90', net_amount: '95.90' })
    const other = await orderFor([{ code: 'SOCK-1', num: 1, payment: '10.00' }], { payment: '14.00', post_fee: '4.00' })
    const merged = await t.ok(t.bulk('orders', [order.id, other.id], 'merge'))
    const target = await t.get('orders', merged.results?.[0]?.result?.merged_into ?? order.id)
    expect(target).toMatchObject({ payment_total: '99.90', post_fee: '10.00', order_total: '109.90' })
    await t.ok(t.act('orders', target.id, 'cancel'))
  })

  it("refunds the returned share of a line by default and takes the merchant's own amount", async () => {
    await t.receive(data.main.id, [{ sku: data.skus[0].id, qty: 10, cost: '31.00' }])
    const order = await orderFor([{ code: 'COAT-1', num: 2, payment: '158.00' }])
    const line = order.lines[0]
    const afterSale = await t.create('after_sales', { type: 'refund_only', order: order.id, reason: '少件', lines: [{ order_line: line.id, qty: 1 }] })
    expect(afterSale.lines[0].refund_amount).toBe('79.00')
    const both = (await t.ok(app.api.patch(`/api/forms/after_sales/records/${afterSale.id}`, { lines: [{ id: afterSale.lines[0].id, qty: 2 }] }))).data
    expect(both.lines[0].refund_amount).toBe('158.00')
    const own = await t.create('after_sales', { type: 'refund_only', order: order.id, lines: [{ order_line: line.id, qty: 1, refund_amount: '50.00' }] })
    expect(own.lines[0].refund_amount).toBe('50.00')
    await t.ok(t.act('orders', order.id, 'cancel'))
  })

  it('puts returned goods back at the cost they shipped at, the last unit taking the remainder', async () => {
    const [, hat] = data.skus
    // 1 at 33.00 and 2 at 33.50: three units worth 100.00, a third of which is not a whole 分
    await t.receive(data.main.id, [{ sku: hat.id, qty: 1, cost: '33.00' }])
    await t.receive(data.main.id, [{ sku: hat.id, qty: 2, cost: '33.50' }])
    await t.ok(app.api.patch(`/api/forms/skus/records/${hat.id}`, { cost_price: '30.00' }))
    const order = await orderFor([{ code: 'HAT-1', num: 3, payment: '240.00' }])
    const shipped = await ship(order.id)
    const issued = await t.list('stock_ledger', { filter: { and: [{ field: 'doc_form', op: 'eq', value: 'stock_out' }, { field: 'doc_id', op: 'eq', value: shipped.stock_out.id }] } })
    expect(issued.map((l: any) => [l.doc_type, l.qty, l.value])).toEqual([['sale', '-3', '-100.00']])

    const line = shipped.lines[0]
    const first = await t.create('after_sales', { type: 'return_refund', order: order.id, lines: [{ order_line: line.id, qty: 1 }] })
    expect(first.lines[0]).toMatchObject({ refund_amount: '80.00', unit_cost: null })
    await t.ok(t.act('after_sales', first.id, 'receive_return', { warehouse: data.returns.id }))
    expect(await t.balance(hat.id, data.returns.id)).toMatchObject({ on_hand: '1', value: '33.33' })
    const rest = await t.create('after_sales', { type: 'return_refund', order: order.id, lines: [{ order_line: line.id, qty: 2 }] })
    await t.ok(t.act('after_sales', rest.id, 'receive_return', { warehouse: data.returns.id }))
    // everything that left came back: exactly its shipped value, not 3 × 33.33 and not the cost price
    expect(await t.balance(hat.id, data.returns.id)).toMatchObject({ on_hand: '3', value: '100.00' })
    const back = await t.list('stock_ledger', { filter: { and: [{ field: 'sku', op: 'eq', value: hat.id }, { field: 'warehouse', op: 'eq', value: data.returns.id }] }, sort: 'id' })
    expect(back.map((l: any) => [l.doc_type, l.qty, l.value])).toEqual([
      ['sales_return', '1', '33.33'],
      ['sales_return', '2', '66.67'],
    ])
  })

  it("a line's own return cost wins over the shipped cost", async () => {
    const [coat] = data.skus
    const order = await orderFor([{ code: 'COAT-1', num: 1, payment: '79.00' }])
    const shipped = await ship(order.id)
    const afterSale = await t.create('after_sales', { type: 'return_refund', order: order.id, lines: [{ order_line: shipped.lines[0].id, qty: 1, unit_cost: '12.00' }] })
    const before = await t.balance(coat.id, data.returns.id)
    await t.ok(t.act('after_sales', afterSale.id, 'receive_return', { warehouse: data.returns.id }))
    const after = await t.balance(coat.id, data.returns.id)
    expect(Number(after!.value) - Number(before?.value ?? 0)).toBeCloseTo(12, 2)
  })

  it('classifies write-offs and stocktake losses apart from sales', async () => {
    const sock = data.skus[2]
    await t.receive(data.main.id, [{ sku: sock.id, qty: 10, cost: '5.00' }])
    const damage = await t.create('stock_out', { type: 'damage', warehouse: data.main.id, reason: '水渍', lines: [{ sku: sock.id, qty: 1 }] })
    await t.submit('stock_out', damage.id)
    const take = await t.create('stocktakes', { warehouse: data.main.id, lines: [{ sku: sock.id }] })
    await t.ok(t.act('stocktakes', take.id, 'start_count'))
    const counting = await t.get('stocktakes', take.id)
    const bookQty = Number(counting.lines[0].book_qty)
    await t.ok(app.api.patch(`/api/forms/stocktakes/records/${take.id}`, { lines: [{ id: counting.lines[0].id, counted_qty: bookQty - 2, reason: 'lost' }] }))
    await t.submit('stocktakes', take.id)
    const rows = await t.list('stock_ledger', { filter: { and: [{ field: 'sku', op: 'eq', value: sock.id }, { field: 'doc_form', op: 'in', value: ['stock_out', 'stocktakes'] }] }, sort: 'id' })
    expect(rows.map((l: any) => [l.doc_type, l.qty])).toEqual([
      ['damage', '-1'],
      ['stocktake_loss', '-2'],
    ])
  })
})
