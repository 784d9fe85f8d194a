import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'
import { erp } from '../support/erp'
import { expectStockConsistent } from '../support/invariants'

let app: TestApp
let t: ReturnType<typeof erp>
let data: Awaited<ReturnType<ReturnType<typeof erp>['masterData']>>
let nextTid = 3_000_000_000_000_000_000n

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
  data = await t.masterData([
    { outer_id: 'TX-W-M', location: 'A-02', weight: '0.300' },
    { outer_id: 'TX-B-L', location: 'A-01', weight: '0.300' },
    { outer_id: 'MUG-1', location: 'B-01', weight: '0.600' },
  ])
  await t.receive(data.main.id, data.skus.map((s) => ({ sku: s.id, qty: 20, cost: '10.00' })))
  settingsId = (await t.create('settings', { default_warehouse: data.main.id, auto_audit: false })).id
})
let settingsId: number
afterEach(async () => {
  await expectStockConsistent(app.ctx.db.knex)
})
afterAll(async () => {
  await app?.close()
})

/** A paid platform trade (as the sync or an import writes it) and its ERP order. */
async function tradeWithOrder(lines: { code: string; num: number; payment: string }[], extra: Record<string, unknown> = {}) {
  const tid = String(nextTid++)
  const trade = await t.create('platform_trades', {
    shop: data.shop.id,
    tid,
    status: 'WAIT_SELLER_SEND_GOODS',
    buyer_nick: '买家小明',
    receiver_name: '小*',
    receiver_state: '浙江省',
    receiver_city: '杭州市',
    oaid: 'OAID-XM-1',
    payment: lines.reduce((n, l) => n + Number(l.payment), 0).toFixed(2),
    created: '2026-11-26 10:00:00',
    pay_time: '2026-11-26 10:05:00',
    source: 'manual',
    lines: lines.map((l, i) => ({ oid: `${tid}${i}`, outer_sku_id: l.code, title: `商品 ${l.code}`, num: l.num, payment: l.payment, price: l.payment })),
    ...extra,
  })
  const created = await t.ok(t.act('platform_trades', trade.id, 'create_order'))
  return { trade, order: await t.get('orders', created.result.order) }
}

async function reservedOf(skuIndex: number) {
  return (await t.balance(data.skus[skuIndex].id, data.main.id))!.reserved
}

describe('orders from platform trades', () => {
  it('maps lines by merchant code, keeps the customer and is created once', async () => {
    const { trade, order } = await tradeWithOrder([{ code: 'TX-W-M', num: 2, payment: '100.00' }])
    expect(order).toMatchObject({ status: 'pending', tids: trade.tid, buyer_nick: '买家小明', total_qty: '2', payment_total: '100.00' })
    expect(order.lines[0]).toMatchObject({ sku: { display: 'TX-W-M' }, qty: '2', trade_oid: `${trade.tid}0` })
    expect((await t.act('platform_trades', trade.id, 'create_order')).body.result.order).toBe(order.id)
    const customer = await t.get('customers', trade.customer.id)
    expect(customer).toMatchObject({ buyer_nick: '买家小明', order_count: '1', total_paid: '100.00', first_order_at: trade.created })
    const byTid = await t.list('orders', { filter: { field: 'tids', op: 'contains', value: trade.tid } })
    expect(byTid.map((o: any) => o.id)).toEqual([order.id])
  })

  it('puts orders with unknown codes in 异常 and re-maps them once the mapping exists', async () => {
    const { trade, order } = await tradeWithOrder([{ code: 'NOPE-1', num: 1, payment: '10.00' }])
    expect(order).toMatchObject({ status: 'exception', exception_reason: '未匹配 SKU：NOPE-1' })
    const failed = await t.ok(t.act('orders', order.id, 'audit'))
    expect(failed.result).toEqual({ audited: false, exception: '未匹配 SKU：NOPE-1' })
    await t.create('combos', { code: 'NOPE-1', name: '两件套', parts: [{ sku: data.skus[0].id, qty: 1 }, { sku: data.skus[2].id, qty: 2 }] })
    const audited = await t.ok(t.act('orders', order.id, 'audit'))
    expect(audited.result).toEqual({ audited: true })
    expect(audited.data.lines.map((l: any) => [l.sku.display, l.qty, l.payment, l.combo.display])).toEqual([
      ['TX-W-M', '1', '3.33', 'NOPE-1'],
      ['MUG-1', '2', '6.67', 'NOPE-1'],
    ])
    expect(trade.tid).toBeTruthy()
    await t.ok(t.act('orders', order.id, 'cancel'))
  })
})

describe('the order pipeline', () => {
  it('audit reserves, cancel releases exactly, and audited orders are edited through actions', async () => {
    const before = await reservedOf(0)
    const { order } = await tradeWithOrder([{ code: 'TX-W-M', num: 3, payment: '150.00' }])
    const audited = await t.ok(t.act('orders', order.id, 'audit'))
    expect(audited.data).toMatchObject({ status: 'audited', warehouse: { id: data.main.id } })
    expect(Number(await reservedOf(0))).toBe(Number(before) + 3)
    expect((await t.balance(data.skus[0].id, data.main.id))!.available).toBe(String(20 - Number(before) - 3))
    const edit = await app.api.patch(`/api/forms/orders/records/${order.id}`, { seller_memo: '改一下' })
    expect(edit.status).toBe(409)
    expect((await t.act('orders', order.id, 'audit')).status).toBe(409)
    await t.ok(t.act('orders', order.id, 'hold'))
    expect((await t.get('orders', order.id)).status).toBe('hold')
    expect(Number(await reservedOf(0))).toBe(Number(before) + 3)
    await t.ok(t.act('orders', order.id, 'release'))
    expect((await t.get('orders', order.id)).status).toBe('audited')
    await t.ok(t.act('orders', order.id, 'cancel'))
    expect((await t.get('orders', order.id)).status).toBe('cancelled')
    expect(await reservedOf(0)).toBe(before)
  })

  it('merges orders of one buyer and receiver, and a split gives the original lines back', async () => {
    const a = await tradeWithOrder([{ code: 'TX-W-M', num: 1, payment: '50.00' }], { buyer_message: '发顺丰' })
    const b = await tradeWithOrder([{ code: 'MUG-1', num: 2, payment: '70.00' }, { code: 'TX-B-L', num: 1, payment: '45.50' }])
    const other = await tradeWithOrder([{ code: 'MUG-1', num: 1, payment: '35.00' }], { oaid: 'OAID-OTHER' })
    const refused = await t.bulk('orders', [a.order.id, other.order.id], 'merge')
    expect(refused.status).toBe(409)
    expect(refused.body.error.message).toMatch(/收件人不同/)

    const merged = await t.ok(t.bulk('orders', [a.order.id, b.order.id], 'merge'))
    expect(merged.data.result).toMatchObject({ merged_into: a.order.id, merged_into_no: a.order.no, merged: [b.order.id] })
    const target = await t.get('orders', a.order.id)
    expect(target.lines.map((l: any) => [l.sku.display, l.qty, l.payment])).toEqual([
      ['TX-W-M', '1', '50.00'],
      ['MUG-1', '2', '70.00'],
      ['TX-B-L', '1', '45.50'],
    ])
    expect(target.tids.split(',').sort()).toEqual([a.trade.tid, b.trade.tid].sort())
    expect(target.trades.map((tr: any) => tr.id).sort()).toEqual([a.trade.id, b.trade.id].sort())
    expect((await t.get('orders', b.order.id))).toMatchObject({ status: 'cancelled', merged_into: { id: a.order.id } })

    // Audit the merged order, then split the second trade's lines back out.
    const reservedBefore = [await reservedOf(0), await reservedOf(1), await reservedOf(2)].map(Number)
    await t.ok(t.act('orders', target.id, 'audit'))
    const moved = target.lines.slice(1).map((l: any) => ({ line: l.id }))
    const split = await t.ok(t.act('orders', target.id, 'split', { lines: moved }))
    const remaining = await t.get('orders', target.id)
    const fresh = await t.get('orders', split.result.new_order)
    const shape = (o: any) => o.lines.map((l: any) => [l.sku.display, l.qty, l.payment, l.trade.id, l.trade_oid])
    expect(shape(remaining)).toEqual(shape(a.order))
    expect(shape(fresh)).toEqual(shape(b.order))
    expect(remaining).toMatchObject({ status: 'pending', tids: a.trade.tid })
    expect(fresh).toMatchObject({ status: 'pending', tids: b.trade.tid, buyer_nick: '买家小明' })
    // The split released the merged order's reservation: nothing is counted twice.
    expect([await reservedOf(0), await reservedOf(1), await reservedOf(2)].map(Number)).toEqual(reservedBefore)

    // A partial split shares the payment.
    const part = await t.ok(t.act('orders', fresh.id, 'split', { lines: [{ line: fresh.lines[0].id, qty: 1 }] }))
    const back = await t.get('orders', fresh.id)
    const partOrder = await t.get('orders', part.result.new_order)
    expect(back.lines.map((l: any) => [l.sku.display, l.qty, l.payment])).toEqual([['MUG-1', '1', '35.00'], ['TX-B-L', '1', '45.50']])
    expect(partOrder.lines.map((l: any) => [l.sku.display, l.qty, l.payment])).toEqual([['MUG-1', '1', '35.00']])
    expect((await t.act('orders', partOrder.id, 'split', { lines: [{ line: partOrder.lines[0].id }] })).status).toBe(400)
    for (const id of [remaining.id, back.id, partOrder.id, other.order.id]) await t.ok(t.act('orders', id, 'cancel'))
  })

  it('picks, ships at moving-average cost, and a return comes back in', async () => {
    const one = await tradeWithOrder([{ code: 'TX-W-M', num: 2, payment: '100.00' }, { code: 'MUG-1', num: 1, payment: '35.00' }])
    const two = await tradeWithOrder([{ code: 'TX-B-L', num: 1, payment: '45.00' }, { code: 'TX-W-M', num: 1, payment: '50.00' }], { oaid: 'OAID-2', buyer_nick: '买家小红' })
    for (const o of [one, two]) await t.ok(t.act('orders', o.order.id, 'audit'))
    const pick = await t.ok(t.bulk('orders', [one.order.id, two.order.id], 'create_pick_list'))
    const pickList = await t.get('pick_lists', pick.data.result.pick_list)
    expect(pickList.lines.map((l: any) => [l.location, l.sku.display, l.qty, l.slots])).toEqual([
      ['A-01', 'TX-B-L', '1', '2'],
      ['A-02', 'TX-W-M', '3', '1,2'],
      ['B-01', 'MUG-1', '1', '1'],
    ])
    expect(pickList.slots.map((s: any) => [s.slot, s.order.id])).toEqual([[1, one.order.id], [2, two.order.id]].map(([s, id]) => [String(s), id]))
    expect((await t.get('orders', one.order.id)).status).toBe('picking')
    await t.ok(t.act('pick_lists', pickList.id, 'finish'))
    expect((await t.get('orders', one.order.id)).status).toBe('to_ship')

    const before = await t.balance(data.skus[0].id, data.main.id)
    const shipped = await t.ok(t.act('orders', one.order.id, 'ship', { courier: data.courier.id, waybill_no: '75312345678901' }))
    expect(shipped.data).toMatchObject({ status: 'shipped', waybill_no: '75312345678901', courier: { id: data.courier.id }, total_weight: '1.200', estimated_freight: '5.50' })
    const after = await t.balance(data.skus[0].id, data.main.id)
    expect(Number(after!.on_hand)).toBe(Number(before!.on_hand) - 2)
    expect(Number(after!.reserved)).toBe(Number(before!.reserved) - 2)
    const stockOut = await t.get('stock_out', shipped.data.stock_out.id)
    expect(stockOut).toMatchObject({ type: 'sales', doc_status: 'submitted', order: { id: one.order.id } })
    const issued = await t.list('stock_ledger', { filter: { field: 'doc_no', op: 'eq', value: stockOut.no }, sort: 'id' })
    expect(issued.map((l: any) => [l.sku.display, l.qty, l.value])).toEqual([['TX-W-M', '-2', '-20.00'], ['MUG-1', '-1', '-10.00']])
    expect((await t.act('orders', one.order.id, 'ship', { courier: data.courier.id, waybill_no: 'x' })).status).toBe(409)

    // The buyer returns one T-shirt: it goes into the returns warehouse, and the refund reduces revenue.
    const tee = shipped.data.lines.find((l: any) => l.sku.display === 'TX-W-M')
    const afterSale = await t.create('after_sales', { type: 'return_refund', order: one.order.id, reason: '尺码不合适', lines: [{ order_line: tee.id, qty: 1, refund_amount: '50.00' }] })
    expect(afterSale.lines[0].order_line_sku).toMatchObject({ id: data.skus[0].id })
    const received = await t.ok(t.act('after_sales', afterSale.id, 'receive_return', { warehouse: data.returns.id }))
    expect(received.data.status).toBe('returned')
    expect(await t.balance(data.skus[0].id, data.returns.id)).toMatchObject({ on_hand: '1', value: '10.00' })
    await t.ok(t.act('after_sales', afterSale.id, 'refund'))
    expect(await t.get('orders', one.order.id)).toMatchObject({ payment_total: '135.00', refunded_amount: '50.00', net_amount: '85.00' })
    await t.ok(t.act('orders', two.order.id, 'cancel').then((r) => (r.status === 409 ? { status: 200, body: {} } : r)))
  })

  it('auto-audits paid orders after the delay, skipping buyer messages', async () => {
    await t.ok(app.api.patch(`/api/forms/settings/records/${settingsId}`, { auto_audit: true, auto_audit_delay: 30 }))
    expect((await app.api.post('/api/forms/settings/records', {})).status).toBe(409)
    const plain = await tradeWithOrder([{ code: 'MUG-1', num: 1, payment: '35.00' }], { oaid: 'OAID-A' })
    const withMessage = await tradeWithOrder([{ code: 'MUG-1', num: 1, payment: '35.00' }], { oaid: 'OAID-B', buyer_message: '请包装好' })
    const run = await t.ok(app.api.post('/api/erp/auto-audit', {}))
    expect(run.data.enabled).toBe(true)
    expect((await t.get('orders', plain.order.id)).status).toBe('audited')
    expect((await t.get('orders', withMessage.order.id)).status).toBe('pending')
    for (const o of [plain, withMessage]) await t.ok(t.act('orders', o.order.id, 'cancel'))
  })
})

describe('order status', () => {
  it('moves only through actions, never by editing the field', async () => {
    const created = await app.api.post('/api/forms/orders/records', { shop: data.shop.id, status: 'shipped', lines: [{ sku: data.skus[0].id, qty: 1 }] })
    expect(created.status).toBe(422)
    expect(created.body.error.details).toContainEqual(expect.objectContaining({ field: 'status', code: 'readonly' }))
    const order = await t.create('orders', { shop: data.shop.id, status: 'pending', lines: [{ sku: data.skus[0].id, qty: 1 }] })
    const edited = await app.api.patch(`/api/forms/orders/records/${order.id}`, { status: 'shipped' })
    expect(edited.status).toBe(422)
    // A whole record sent back from a read is fine: its read-only values did not change.
    const roundTrip = await app.api.patch(`/api/forms/orders/records/${order.id}`, { status: order.status, seller_memo: '可以改备注' })
    expect(roundTrip.status).toBe(200)
    expect(roundTrip.body.data).toMatchObject({ status: 'pending', seller_memo: '可以改备注' })
  })
})
