import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'
import { erp } from '../support/erp'

// 采购建议: ceil(daily sales × (lead time + days of cover)) + safety − available − on order, then draft 采购单 per supplier.
let app: TestApp
let t: ReturnType<typeof erp>
let data: Awaited<ReturnType<ReturnType<typeof erp>['masterData']>>
let s1: any
let s2: any

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
  data = await t.masterData([{ outer_id: 'FAST-1', cost_price: '12.50' }, { outer_id: 'SLOW-1' }, { outer_id: 'NOSUP-1' }])
  s1 = await t.create('suppliers', { name: '义乌一厂' })
  s2 = await t.create('suppliers', { name: '广州二厂' })
  await t.create('settings', { default_warehouse: data.main.id, sales_window_days: 30, cover_days: 14 })
  const [fast, slow] = data.skus
  await t.ok(app.api.patch(`/api/forms/skus/records/${fast.id}`, { supplier: s1.id, safety_stock: 5, lead_time_days: 7 }))
  await t.ok(app.api.patch(`/api/forms/skus/records/${slow.id}`, { supplier: s2.id }))
  await t.receive(data.main.id, data.skus.map((s) => ({ sku: s.id, qty: 20, cost: '10.00' })))
  // sales within the window: 15 of FAST-1 in two parcels, 3 of SLOW-1; a damage write-off is not a sale
  for (const lines of [[{ sku: fast.id, qty: 10 }], [{ sku: fast.id, qty: 5 }, { sku: slow.id, qty: 3 }]]) {
    const out = await t.create('stock_out', { type: 'sales', warehouse: data.main.id, lines })
    await t.submit('stock_out', out.id)
  }
  const damage = await t.create('stock_out', { type: 'damage', warehouse: data.main.id, lines: [{ sku: slow.id, qty: 1 }] })
  await t.submit('stock_out', damage.id)
})
afterAll(async () => {
  await app?.close()
})

describe('purchase suggestions', () => {
  it('suggests from the pace of sales, lead time, cover and safety stock, less what is on order', async () => {
    const [fast] = data.skus
    let res = await t.ok(app.api.get('/api/erp/purchase-suggestions'))
    expect(res.window_days).toBe(30)
    // FAST-1: 15 / 30 = 0.5 a day; ceil(0.5 × 21) = 11, + 5 safety − 5 available = 11. SLOW-1 has plenty; NOSUP-1 never sold.
    expect(res.data.map((s: any) => [s.sku.display, s.daily_sales, s.available, s.on_order, s.suggested_qty, s.supplier?.display])).toEqual([
      ['FAST-1', '0.50', '5', '0', '11', '义乌一厂'],
    ])
    expect(res.data[0].days_of_stock).toBe('10.0')
    const po = await t.create('purchase_orders', { supplier: s1.id, warehouse: data.main.id, lines: [{ sku: fast.id, qty: 4, unit_cost: '12.00' }] })
    await t.submit('purchase_orders', po.id)
    res = await t.ok(app.api.get('/api/erp/purchase-suggestions'))
    expect(res.data.map((s: any) => [s.sku.display, s.on_order, s.suggested_qty])).toEqual([['FAST-1', '4', '7']])
  })

  it('turns chosen lines into one draft purchase order per supplier, all or nothing', async () => {
    const [fast, slow, nosup] = data.skus
    const before = (await t.list('purchase_orders')).length
    const refused = await app.api.post('/api/erp/purchase-suggestions/orders', { lines: [{ sku: fast.id, qty: 7 }, { sku: nosup.id, qty: 2 }] })
    expect(refused.status).toBe(400)
    expect(refused.body.error).toMatchObject({ reason: 'suggestion_no_supplier', params: { line: 2, sku: 'NOSUP-1' } })
    expect((await app.api.post('/api/erp/purchase-suggestions/orders', { lines: [{ sku: fast.id, qty: 1.5 }] })).body.error.reason).toBe('suggestion_bad_line')
    expect((await t.list('purchase_orders')).length).toBe(before)

    const made = await t.ok(app.api.post('/api/erp/purchase-suggestions/orders', { lines: [{ sku: fast.id, qty: 7 }, { sku: slow.id, qty: 3 }, { sku: nosup.id, qty: 2, supplier: s1.id }] }), 201)
    expect(made.data.map((p: any) => [p.supplier, p.lines])).toEqual([
      [s1.id, 2],
      [s2.id, 1],
    ])
    const first = await t.get('purchase_orders', made.data[0].id)
    expect(first).toMatchObject({ doc_status: 'draft', warehouse: { id: data.main.id }, supplier: { id: s1.id } })
    expect(first.lines.map((l: any) => [l.sku.display, l.qty, l.unit_cost])).toEqual([
      ['FAST-1', '7', '12.50'],
      ['NOSUP-1', '2', '10.00'],
    ])
  })
})
