import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'
import { erp } from '../support/erp'
import { expectStockConsistent } from '../support/invariants'

let app: TestApp
let t: ReturnType<typeof erp>
let data: Awaited<ReturnType<ReturnType<typeof erp>['masterData']>>

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
  data = await t.masterData([{ outer_id: 'TX-W-M', location: 'A-01' }, { outer_id: 'TX-B-L', location: 'A-02' }, { outer_id: 'MUG-1', location: 'B-01' }])
})
afterEach(async () => {
  await expectStockConsistent(app.ctx.db.knex)
})
afterAll(async () => {
  await app?.close()
})

describe('Taobao ERP stock documents', () => {
  it('receives purchase orders in parts and follows them on the PO', async () => {
    const supplier = await t.create('suppliers', { name: '义乌佳品' })
    const [w, b] = data.skus
    const po = await t.create('purchase_orders', { supplier: supplier.id, warehouse: data.main.id, lines: [{ sku: w.id, qty: 10, unit_cost: '12.00' }, { sku: b.id, qty: 5 }] })
    expect(po).toMatchObject({ total_qty: '15', total_amount: '170.00', receipt_status: '待收货' })
    await t.submit('purchase_orders', po.id)
    const [lineW, lineB] = po.lines
    // First delivery: 6 of W arrive, 5 accepted (1 rejected), at the PO price.
    const r1 = await t.create('stock_in', {
      type: 'purchase', warehouse: data.main.id, supplier: supplier.id, purchase_order: po.id,
      lines: [{ sku: w.id, po_line: lineW.id, qty_received: 6, qty_accepted: 5, reject_reason: '破损', unit_cost: '12.00' }],
    })
    expect(r1.lines[0]).toMatchObject({ qty_rejected: '1', amount: '60.00' })
    expect((await t.get('purchase_orders', po.id)).lines[0].received_qty).toBe('0') // drafts do not count
    await t.submit('stock_in', r1.id)
    let reread = await t.get('purchase_orders', po.id)
    expect(reread.lines.map((l: any) => [l.received_qty, l.open_qty])).toEqual([['5', '5'], ['0', '5']])
    expect(reread).toMatchObject({ received_total: '5', receipt_status: '部分收货' })
    const r2 = await t.create('stock_in', {
      type: 'purchase', warehouse: data.main.id, purchase_order: po.id,
      lines: [{ sku: w.id, po_line: lineW.id, qty_received: 5, qty_accepted: 5, unit_cost: '12.00' }, { sku: b.id, po_line: lineB.id, qty_received: 5, qty_accepted: 5 }],
    })
    await t.submit('stock_in', r2.id)
    reread = await t.get('purchase_orders', po.id)
    expect(reread).toMatchObject({ received_total: '15', receipt_status: '已收齐' })
    expect(await t.balance(w.id, data.main.id)).toMatchObject({ on_hand: '10', value: '120.00', unit_cost: '12.0000', available: '10' })
    // Voiding a receipt takes its quantity off the PO again.
    await t.ok(t.act('stock_in', r2.id, 'void'))
    expect((await t.get('purchase_orders', po.id)).received_total).toBe('5')
    expect(await t.balance(w.id, data.main.id)).toMatchObject({ on_hand: '5', value: '60.00' })
  })

  it('refuses to accept more than arrived, and a submitted receipt cannot be edited', async () => {
    const bad = await app.api.post('/api/forms/stock_in/records', { type: 'other', warehouse: data.main.id, lines: [{ sku: data.skus[2].id, qty_received: 2, qty_accepted: 3 }] })
    expect(bad.status).toBe(422)
    expect(bad.body.error.details[0].message).toBe('验收合格数量不能大于到货数量')
    const doc = await t.receive(data.main.id, [{ sku: data.skus[2].id, qty: 20, cost: '8.00' }])
    expect((await app.api.patch(`/api/forms/stock_in/records/${doc.id}`, { remark: 'x' })).status).toBe(409)
  })

  it('writes off damage at moving-average cost and refuses to go below zero, naming SKU and warehouse', async () => {
    const mug = data.skus[2]
    await t.receive(data.main.id, [{ sku: mug.id, qty: 10, cost: '11.00' }])
    // 20 @ 8.00 + 10 @ 11.00 = 270.00 for 30 → 9.00
    expect(await t.balance(mug.id, data.main.id)).toMatchObject({ on_hand: '30', value: '270.00', unit_cost: '9.0000' })
    const damage = await t.create('stock_out', { type: 'damage', warehouse: data.main.id, reason: '运输破损', lines: [{ sku: mug.id, qty: 4 }] })
    await t.submit('stock_out', damage.id)
    const line = (await t.list('stock_ledger', { filter: { field: 'doc_no', op: 'eq', value: damage.no } }))[0]
    expect(line).toMatchObject({ qty: '-4', value: '-36.00', unit_cost: '9.0000', balance_after: '26', value_after: '234.00', doc_type: 'damage' })
    const tooMuch = await t.create('stock_out', { type: 'other', warehouse: data.main.id, lines: [{ sku: mug.id, qty: 27 }] })
    const refused = await t.act('stock_out', tooMuch.id, 'submit')
    expect(refused.status).toBe(422)
    expect(refused.body.error.details[0].message).toBe('库存不足：MUG-1 在 主仓 结存将为 -1')
  })

  it('transfers stock between warehouses at its cost', async () => {
    const mug = data.skus[2]
    const transfer = await t.create('transfers', { from_warehouse: data.main.id, to_warehouse: data.returns.id, lines: [{ sku: mug.id, qty: 6 }] })
    await t.submit('transfers', transfer.id)
    expect(await t.balance(mug.id, data.main.id)).toMatchObject({ on_hand: '20', value: '180.00' })
    expect(await t.balance(mug.id, data.returns.id)).toMatchObject({ on_hand: '6', value: '54.00', unit_cost: '9.0000' })
    const same = await app.api.post('/api/forms/transfers/records', { from_warehouse: data.main.id, to_warehouse: data.main.id, lines: [{ sku: mug.id, qty: 1 }] })
    expect(same.status).toBe(422)
  })

  it('counts stock: freezes book quantities, posts gains and losses, needs a reason per variance', async () => {
    const [w, b, mug] = data.skus
    const take = await t.create('stocktakes', { warehouse: data.main.id })
    expect((await t.act('stocktakes', take.id, 'submit')).body.error.details[0].message).toBe('请先开始盘点（冻结账面数量）')
    const started = (await t.ok(t.act('stocktakes', take.id, 'start_count'))).data
    const book = Object.fromEntries(started.lines.map((l: any) => [l.sku.display, l.book_qty]))
    expect(book).toEqual({ 'TX-W-M': '5', 'TX-B-L': '0', 'MUG-1': '20' })
    expect((await t.act('stocktakes', take.id, 'start_count')).status).toBe(409)
    const lines = started.lines.map((l: any) => ({ id: l.id, counted_qty: { 'TX-W-M': 7, 'TX-B-L': 0, 'MUG-1': 18 }[l.sku.display as string] }))
    let counted = (await t.ok(app.api.patch(`/api/forms/stocktakes/records/${take.id}`, { lines }))).data
    expect(Object.fromEntries(counted.lines.map((l: any) => [l.sku.display, l.variance]))).toEqual({ 'TX-W-M': '2', 'TX-B-L': '0', 'MUG-1': '-2' })
    expect((await t.act('stocktakes', take.id, 'submit')).body.error.details[0].message).toBe('有差异的行必须填写差异原因')
    counted = (await t.ok(app.api.patch(`/api/forms/stocktakes/records/${take.id}`, { lines: counted.lines.map((l: any) => ({ id: l.id, reason: l.variance === '0' ? null : l.variance === '2' ? 'found' : 'damage', resolution: '已核实' })) }))).data
    await t.submit('stocktakes', take.id)
    // gain of 2 at the average cost (12.00), loss of 2 at the average cost (9.00)
    expect(await t.balance(w.id, data.main.id)).toMatchObject({ on_hand: '7', value: '84.00' })
    expect(await t.balance(mug.id, data.main.id)).toMatchObject({ on_hand: '18', value: '162.00' })
    expect((await t.balance(b.id, data.main.id))?.on_hand ?? '0').toBe('0')
  })

  it('keeps ledgers and balances read-only for users, listed and filtered like any form', async () => {
    const member = await app.clientFor('warehouse-clerk')
    expect((await member.post('/api/forms/stock_ledger/records', { sku: data.skus[0].id, warehouse: data.main.id, qty: 100, value: '0' })).status).toBe(403)
    const balance = await t.balance(data.skus[0].id, data.main.id)
    expect((await member.patch(`/api/forms/stock_balances/records/${balance!.id}`, { on_hand: 999 })).status).toBe(403)
    const ledger = await member.post('/api/forms/stock_ledger/records/query', { filter: { and: [{ field: 'sku', op: 'eq', value: data.skus[0].id }, { field: 'doc_type', op: 'eq', value: 'purchase' }] } })
    expect(ledger.status).toBe(200)
    expect(ledger.body.data.length).toBeGreaterThan(0)
  })
})

describe('receiving against a purchase order', () => {
  it('loads the open lines of a submitted PO into a draft receipt', async () => {
    const supplier = await t.create('suppliers', { name: '带入测试供应商' })
    const [w, b] = data.skus
    const po = await t.create('purchase_orders', { supplier: supplier.id, warehouse: data.main.id, lines: [{ sku: w.id, qty: 4, unit_cost: '11.00' }, { sku: b.id, qty: 2, unit_cost: '9.00' }] })
    const draft = await t.create('stock_in', { type: 'purchase', warehouse: data.returns.id, purchase_order: po.id, lines: [{ sku: w.id, qty_received: 1, qty_accepted: 1 }] })
    expect((await t.act('stock_in', draft.id, 'load_purchase_order')).status).toBe(409) // the PO is still a draft
    await t.submit('purchase_orders', po.id)
    const loaded = (await t.ok(t.act('stock_in', draft.id, 'load_purchase_order'))).data
    expect(loaded).toMatchObject({ supplier: { id: supplier.id }, warehouse: { id: data.main.id } })
    expect(loaded.lines.map((l: any) => [l.sku.display, l.qty_received, l.qty_accepted, l.unit_cost, l.po_line?.display ?? null])).toEqual([
      ['TX-W-M', '1', '1', '10.00', null],
      ['TX-W-M', '4', '4', '11.00', 'TX-W-M'],
      ['TX-B-L', '2', '2', '9.00', 'TX-B-L'],
    ])
    await t.submit('stock_in', draft.id)
    expect((await t.get('purchase_orders', po.id)).receipt_status).toBe('已收齐')
  })
})
