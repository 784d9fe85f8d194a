import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'
import { erp } from '../support/erp'

let app: TestApp
let t: ReturnType<typeof erp>
beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
})
afterAll(async () => {
  await app?.close()
})

describe('deleting master data of the Taobao ERP pack', () => {
  it('deletes an unused SKU and shop, and refuses used ones naming what uses them', async () => {
    // after_sales has lookups (shop, lines.order_line_sku) pointing at shops and SKUs without a column of their own.
    const { shop, main, skus } = await t.masterData([{ outer_id: 'A1' }, { outer_id: 'B1' }])
    const spare = await t.create('shops', { name: '空店', platform: 'taobao' })
    expect((await app.api.delete(`/api/forms/skus/records/${skus[1].id}`)).status).toBe(204)
    expect((await app.api.delete(`/api/forms/shops/records/${spare.id}`)).status).toBe(204)

    await t.receive(main.id, [{ sku: skus[0].id, qty: 3 }])
    const sku = await app.api.delete(`/api/forms/skus/records/${skus[0].id}`)
    expect(sku.status).toBe(409)
    expect(sku.body.error.details.referenced_by).toContainEqual(expect.objectContaining({ form: 'stock_balances', field: 'sku' }))

    await t.create('platform_trades', {
      shop: shop.id, tid: '9000001', status: 'WAIT_SELLER_SEND_GOODS', payment: '1.00', source: 'manual',
      lines: [{ oid: '90000011', outer_sku_id: 'A1', title: 'A1', num: 1, payment: '1.00', price: '1.00' }],
    })
    const used = await app.api.delete(`/api/forms/shops/records/${shop.id}`)
    expect(used.status).toBe(409)
    expect(used.body.error.message).toMatch(/cannot be deleted/)
    expect(used.body.error.details.referenced_by).toContainEqual(expect.objectContaining({ form: 'platform_trades', field: 'shop' }))
  })
})
