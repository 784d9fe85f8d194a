import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { apiGet, apiPost, login, screenshot } from './helpers'
import { startE2eServer, type E2eServer } from './server'

let app: E2eServer
let browser: E2eServer['browser']

beforeAll(async () => {
  app = await startE2eServer('suggestions')
  browser = app.browser
})

afterAll(async () => {
  await app?.close()
})

type Rec = { id: number; [k: string]: unknown }

describe('采购建议', () => {
  test('suggests what sells, and one click makes the draft purchase order', async () => {
    const page = browser.page
    await login(page)
    const skus = await apiPost<{ data: Rec[] }>(page, '/api/forms/skus/records/query', { sort: 'id', limit: 2 })
    const warehouses = await apiPost<{ data: Rec[] }>(page, '/api/forms/warehouses/records/query', { sort: 'id', limit: 1 })
    const supplier = await apiPost<{ data: Rec }>(page, '/api/forms/suppliers/records', { name: '杭州织造厂' })
    const sku = skus.data[0]
    await page.evaluate(
      async ([id, supplierId]) => fetch(`/api/forms/skus/records/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ supplier: supplierId, safety_stock: 10 }) }),
      [sku.id, supplier.data.id] as const,
    )
    // 36 sold in the window: 1.2 a day, ceil(1.2 × 21) = 26 + 10 safety − (40 − 36) available = 32
    const out = await apiPost<{ data: Rec }>(page, '/api/forms/stock_out/records', { type: 'sales', warehouse: warehouses.data[0].id, lines: [{ sku: sku.id, qty: 36 }] })
    await apiPost(page, `/api/forms/stock_out/records/${out.data.id}/actions/submit`, {})
    const suggestions = await apiGet<{ data: { sku: { id: number; display: string }; suggested_qty: string }[] }>(page, '/api/erp/purchase-suggestions')
    const mine = suggestions.data.find((s) => s.sku.id === sku.id)!
    expect(mine.suggested_qty).toBe(String(26 + 10 - Number((await apiGet<{ data: Rec }>(page, `/api/forms/skus/records/${sku.id}`)).data.available_total)))

    await page.locator('[data-page="/purchase-suggestions"]').click()
    await page.waitForURL(/\/purchase-suggestions$/)
    const row = page.locator('[data-test="suggestions-table"] .el-table__body tr').filter({ hasText: mine.sku.display })
    await expect.poll(() => row.count()).toBe(1)
    expect(await row.locator('input').last().inputValue()).toBe(mine.suggested_qty)
    await row.locator('input').last().fill('30')
    await row.locator('.el-checkbox').click()
    await screenshot(page, 'purchase-suggestions')
    await page.locator('[data-test="suggestions-create"]').click()
    await page.waitForURL(/\/forms\/purchase_orders\/\d+$/)
    const id = Number(page.url().split('/').pop())
    const po = await apiGet<{ data: { doc_status: string; supplier: { id: number }; lines: { sku: { id: number }; qty: string }[] } }>(page, `/api/forms/purchase_orders/records/${id}`)
    expect(po.data).toMatchObject({ doc_status: 'draft', supplier: { id: supplier.data.id } })
    expect(po.data.lines.map((l) => [l.sku.id, l.qty])).toEqual([[sku.id, '30']])
    expect(browser.problems.filter((p) => !/status of 401/.test(p))).toEqual([])
  })
})
