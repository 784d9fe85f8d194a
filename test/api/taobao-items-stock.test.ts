import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSimulator } from '../../server/taobao/simulator'
import { allowGateway, startTestApp, type TestApp } from '../support/app'
import { erp } from '../support/erp'

const catalog = {
  items: [
    { title: '纯棉圆领短袖T恤', outerId: 'TX1', price: '59.00', skus: [{ outerId: 'TX1-W-M', properties: '颜色分类:白色;尺码:M', quantity: 7 }, { outerId: 'TX1-B-L', properties: '颜色分类:黑色;尺码:L', quantity: 7 }] },
    { title: '陶瓷马克杯', outerId: 'MUG', price: '35.00', skus: [{ outerId: 'MUG-WHITE', properties: '颜色分类:哑光白', quantity: 7 }, { outerId: 'MUG-BLUE', properties: '颜色分类:雾霾蓝', quantity: 7 }] },
  ],
}

let app: TestApp
let sim: ReturnType<typeof createSimulator>
let gateway: Awaited<ReturnType<ReturnType<typeof createSimulator>['listen']>>
let t: ReturnType<typeof erp>
let shopId: number
let data: Awaited<ReturnType<ReturnType<typeof erp>['masterData']>>

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
  sim = createSimulator({ seed: 3, appKey: 'K', appSecret: 'S', session: 'T', mode: 'test', historyDays: 0, tradesPerHour: 1, catalog })
  gateway = await sim.listen(0, '127.0.0.1')
  allowGateway(app, gateway.gatewayUrl)
  // The ERP already knows one of the shop's SKUs by its merchant code.
  data = await t.masterData([{ outer_id: 'TX1-W-M' }])
  shopId = (await t.ok(app.api.post('/api/shops', { name: '模拟店', app_key: 'K', app_secret: 'S', session: 'T', gateway_url: gateway.gatewayUrl }), 201)).data.shop.id
}, 60_000)
afterAll(async () => {
  await gateway?.close()
  await app?.close()
})

const truth = async () => (await (await fetch(`${gateway.url}/__sim/truth`)).json()) as any
const platformQuantity = async (outerId: string) => (await truth()).items.flatMap((i: any) => i.skus).find((s: any) => s.outer_id === outerId).quantity

describe('item import (导入商品数据)', () => {
  it('previews, then creates products, SKUs and mappings, linking SKUs it already knows; again adds nothing', async () => {
    const countOf = async (form: string) => (await t.ok(app.api.get(`/api/forms/${form}/records?limit=1`))).total
    const before = { products: await countOf('products'), skus: await countOf('skus'), mappings: await countOf('sku_mappings') }
    const preview = (await t.ok(app.api.post(`/api/shops/${shopId}/items/preview`, {}))).data
    expect(preview).toMatchObject({ items: 2, skus: 4, create: 3, link: 1, exists: 0 })
    expect(preview.rows.find((r: any) => r.outer_id === 'TX1-W-M')).toMatchObject({ action: 'link', erp_sku: { outer_id: 'TX1-W-M' } })
    expect({ products: await countOf('products'), skus: await countOf('skus'), mappings: await countOf('sku_mappings') }).toEqual(before)

    const done = (await t.ok(app.api.post(`/api/shops/${shopId}/items/import`, {}))).data
    expect(done).toMatchObject({ created_products: 2, created_skus: 3, created_mappings: 4 })
    const mug = (await t.list('skus', { filter: { field: 'outer_id', op: 'eq', value: 'MUG-BLUE' } }))[0]
    expect(mug).toMatchObject({ spec: '颜色分类:雾霾蓝', sale_price: '35.00', product: { display: '陶瓷马克杯' } })
    const again = (await t.ok(app.api.post(`/api/shops/${shopId}/items/import`, {}))).data
    expect(again).toMatchObject({ exists: 4, created_products: 0, created_skus: 0, created_mappings: 0 })
  })
})

describe('stock upload', () => {
  it('uploads rule-based quantities (SKU > item > shop) in absolute numbers, and follows stock changes', async () => {
    const skus = Object.fromEntries((await t.list('skus')).map((s: any) => [s.outer_id, s.id]))
    await t.receive(data.main.id, [
      { sku: skus['TX1-W-M'], qty: 20 },
      { sku: skus['TX1-B-L'], qty: 11 },
      { sku: skus['MUG-WHITE'], qty: 9 },
      { sku: skus['MUG-BLUE'], qty: 40 },
    ])
    // returns-warehouse stock does not count
    await t.receive(data.returns.id, [{ sku: skus['MUG-BLUE'], qty: 100 }])
    const mugItem = (await truth()).items.find((i: any) => i.outer_id === 'MUG').num_iid
    const bad = await app.api.request('PUT', `/api/shops/${shopId}/stock-rules`, { rules: [{ scope: 'item' }] })
    expect(bad.status).toBe(400)
    await t.ok(
      app.api.request('PUT', `/api/shops/${shopId}/stock-rules`, {
        rules: [
          { scope: 'shop', mode: 'ratio', ratio_percent: 50, safety_stock: 2 },
          { scope: 'item', target: mugItem, mode: 'ratio', ratio_percent: 100, safety_stock: 0 },
          { scope: 'sku', target: String(skus['MUG-BLUE']), mode: 'fixed', fixed_qty: 5 },
        ],
      }),
    )
    const result = (await t.ok(app.api.post(`/api/shops/${shopId}/stock-upload`, {}))).data
    expect(result).toMatchObject({ skus: 4, calls: 2, failed: 0 })
    expect(await platformQuantity('TX1-W-M')).toBe(9) // (20 − 2) × 50 %
    expect(await platformQuantity('TX1-B-L')).toBe(4) // (11 − 2) × 50 % = 4.5 → 4
    expect(await platformQuantity('MUG-WHITE')).toBe(9) // item rule: all of it
    expect(await platformQuantity('MUG-BLUE')).toBe(5) // SKU rule: fixed
    const log = (await t.ok(app.api.get(`/api/shops/${shopId}/stock-uploads`))).data
    expect(log).toHaveLength(4)

    // A write-off changes available stock: the platform follows within the debounce.
    const damage = await t.create('stock_out', { type: 'damage', warehouse: data.main.id, lines: [{ sku: skus['MUG-WHITE'], qty: 4 }] })
    await t.submit('stock_out', damage.id)
    let quantity = 0
    for (let i = 0; i < 80 && quantity !== 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      quantity = await platformQuantity('MUG-WHITE')
    }
    expect(quantity).toBe(5)
    const uploads = (await truth()).stock_uploads
    expect(uploads.every((u: any) => u.type === 1 || u.type === '1' || u.type === undefined)).toBe(true)
  })
})
