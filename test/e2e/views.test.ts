import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { apiGet, apiPost, login, screenshot } from './helpers'
import { startE2eServer, type E2eServer } from './server'

let app: E2eServer
let page: Page

beforeAll(async () => {
  app = await startE2eServer('views')
  page = app.browser.page
})

afterAll(async () => {
  await app?.close()
})

interface ListedView {
  key: string
  label: string
  scope: 'shared' | 'personal'
  filter?: unknown
  group_by?: unknown
  subtotals?: unknown
}

/** Picks an option of the open Element Plus select dropdown. */
const pick = (text: string) => page.locator('.el-select-dropdown__item:visible').filter({ hasText: text }).first().click()
const digits = (text: string) => text.replace(/[^\d-]/g, '')

describe('saved views', () => {
  test('builds a filter and a grouped view with a subtotal, saves it as a personal view and finds it again after a reload', async () => {
    await login(page)
    await page.goto('/forms/skus')
    await page.locator('[data-test="record-grid"][data-loading="false"]').waitFor()

    // the filter builder: created today (a relative date) AND sale price ≥ 50
    await page.locator('[data-test="open-filter-builder"]').click()
    const first = page.locator('[data-test="filter-row"]').nth(0)
    await first.locator('[data-test="filter-field"]').click()
    await pick('创建时间')
    await first.locator('[data-test="filter-op"]').click()
    await pick('相对日期')
    await first.locator('[data-test="filter-range"]').click()
    await pick('今天')
    await page.locator('[data-test="filter-add"]').click()
    const second = page.locator('[data-test="filter-row"]').nth(1)
    await second.locator('[data-test="filter-field"]').click()
    await pick('售价')
    await second.locator('[data-test="filter-op"]').click()
    await pick('大于等于')
    await second.locator('input[data-test="filter-input"], [data-test="filter-input"] input').first().fill('50')
    await page.locator('[data-test="filter-builder-apply"]').click()
    await expect.poll(() => page.locator('[data-test="view-unsaved"]').count()).toBe(1)

    // group by product with the sum of cost prices
    await page.locator('[data-test="open-group-by"]').click()
    await page.locator('[data-test="group-field"]').click()
    await pick('商品')
    await page.locator('[data-test="add-subtotal"]').click()
    await expect.poll(() => page.locator('[data-test="subtotal-row"]').count()).toBe(1)
    await page.locator('.grid-title').click()
    await page.locator('[data-test="grouped-records"][data-loading="false"]').waitFor()

    await page.locator('[data-test="view-menu-button"]').click()
    await page.locator('[data-test="view-save-as"]').click()
    await page.locator('[data-test="save-view-dialog"] input').first().fill('今日高价 SKU')
    await page.locator('[data-test="view-save-confirm"]').click()
    await page.waitForURL(/view=v_[0-9a-f]{8}/)
    const key = new URL(page.url()).searchParams.get('view')!

    // what was saved: the filter language with a relative date, the group key and the subtotal
    const views = (await apiGet<{ data: ListedView[] }>(page, '/api/forms/skus/views')).data
    const saved = views.find((v) => v.key === key)!
    expect(saved).toMatchObject({
      label: '今日高价 SKU',
      scope: 'personal',
      filter: { and: [{ field: 'created_at', op: 'eq', value: { $range: 'today' } }, { field: 'sale_price', op: 'gte', value: '50' }] },
      group_by: 'product',
      subtotals: [{ fn: 'sum', field: 'cost_price' }],
    })

    await page.reload()
    const tab = page.locator(`[data-test="view-tabs"] [data-view="${key}"]`)
    await expect.poll(() => tab.getAttribute('data-scope')).toBe('personal')
    await expect.poll(() => tab.getAttribute('aria-selected')).toBe('true')
    const total = (await apiPost<{ total: number }>(page, '/api/forms/skus/records/query', { filter: saved.filter, limit: 1 })).total
    expect(total).toBeGreaterThan(0)
    await expect.poll(() => tab.locator('[data-test="view-count"]').innerText()).toBe(String(total))

    // the groups and subtotals are the aggregate endpoint's
    await page.locator('[data-test="grouped-records"][data-loading="false"]').waitFor()
    const expected = (
      await apiPost<{ data: { product: { display: string } | null; n: number; s: string | null }[] }>(page, '/api/forms/skus/records/aggregate', {
        filter: saved.filter,
        group_by: ['product'],
        measures: [{ fn: 'count', as: 'n' }, { fn: 'sum', field: 'cost_price', as: 's' }],
      })
    ).data
    expect(expected.length).toBeGreaterThan(1)
    const rows = page.locator('[data-test="group-row"]')
    await expect.poll(() => rows.count()).toBe(expected.length)
    const shown = await rows.evaluateAll((els) =>
      els.map((el) => ({
        label: el.querySelector('[data-test="group-label"]')!.textContent!.trim(),
        count: Number(el.querySelector('[data-test="group-count"]')!.textContent),
        subtotal: el.querySelector('[data-test="group-subtotal"]')!.textContent!.trim(),
      })),
    )
    expect(shown.map((g) => [g.label, g.count, digits(g.subtotal)])).toEqual(expected.map((g) => [g.product?.display ?? '(空)', g.n, digits(g.s ?? '')]))
    expect(shown.reduce((n, g) => n + g.count, 0)).toBe(total)
    expect(shown[0].subtotal).toMatch(/¥/)

    // a group opens to its own records
    await rows.first().click()
    const records = page.locator('[data-test="group-records"]')
    await records.locator('[data-test="record-grid"][data-loading="false"]').waitFor()
    expect(expected[0].n).toBeLessThan(15)
    const products = records.locator('.ag-row .ag-cell[col-id="product"]')
    await expect.poll(() => products.count()).toBe(expected[0].n)
    expect(new Set((await products.allInnerTexts()).map((p) => p.trim()))).toEqual(new Set([expected[0].product?.display]))
    await screenshot(page, 'views-grouped')

    expect(app.browser.problems.filter((p) => !/status of 401/.test(p))).toEqual([])
  })
})
