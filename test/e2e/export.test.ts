import fs from 'node:fs'
import path from 'node:path'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { login, screenshot } from './helpers'
import { startE2eServer, type E2eServer } from './server'

const SHOTS = '/tmp/shots/export'
let app: E2eServer

beforeAll(async () => {
  app = await startE2eServer('export', async (ctx) => {
    await ctx.records.createMany('expenses', [
      { date: '2026-03-01', category: 'logistics', item: '快递费 三月', amount: '12.50', paid_from: 'alipay', payee: '中通' },
      { date: '2026-03-15', category: 'logistics', item: '快递费 大单', amount: '1234.56', paid_from: 'bank', payee: '顺丰' },
      { date: '2026-03-20', category: 'packaging', item: '包装袋', amount: '88.00', payee: '义乌' },
      { date: '2026-03-31', category: 'logistics', item: '快递费 补差', amount: '0.10', payee: '中通' },
    ])
  })
})
afterAll(async () => {
  await app?.close()
})

describe('export from the grid', () => {
  test('exports what the grid shows: its columns in order, the search and the sort, with real numbers and dates', async () => {
    const page = app.browser.page
    await login(page)
    await page.goto('/forms/expenses')
    await page.locator('[data-test="record-grid"][data-loading="false"]').waitFor()
    // filter by the search box, then sort by amount (ascending) from its header
    await page.locator('input[data-test="quick-search"]').fill('快递')
    await expect.poll(() => page.locator('[data-test="grid-total"]').innerText()).toContain('3')
    await page.locator('.ag-header-cell[col-id="amount"] .ag-header-cell-label').click()
    await expect.poll(() => page.locator('.ag-row[row-index="0"] .ag-cell[col-id="amount"]').innerText()).toContain('0.10')

    const headers = await page.evaluate(() =>
      Array.from(document.querySelectorAll('.ag-header-row-column .ag-header-cell'))
        .filter((c) => !/^(__|ag-)/.test(c.getAttribute('col-id') ?? ''))
        .sort((a, b) => Number(a.getAttribute('aria-colindex')) - Number(b.getAttribute('aria-colindex')))
        .map((c) => c.querySelector('.ag-header-cell-text')?.textContent?.trim() ?? ''),
    )
    await page.locator('[data-test="export"]').click()
    await page.locator('[data-export="xlsx"]').waitFor({ state: 'visible' })
    await page.waitForTimeout(400) // the menu fades in: let the screenshot show it
    fs.mkdirSync(SHOTS, { recursive: true })
    await page.screenshot({ path: path.join(SHOTS, 'export-menu.png') })
    await screenshot(page, 'export-menu')
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-export="xlsx"]').click()])
    expect(download.suggestedFilename()).toMatch(/^支出-\d{8}-\d{4}\.xlsx$/)
    const file = await download.path()
    const book = new ExcelJS.Workbook()
    await book.xlsx.readFile(file)
    const rows: unknown[][] = []
    book.worksheets[0].eachRow((row) => rows.push((row.values as unknown[]).slice(1)))
    expect(rows[0]).toEqual(headers)
    const at = (label: string) => headers.indexOf(label)
    expect(rows.slice(1).map((r) => r[at('事项')])).toEqual(['快递费 补差', '快递费 三月', '快递费 大单'])
    expect(rows.slice(1).map((r) => r[at('金额')])).toEqual([0.1, 12.5, 1234.56])
    const date = rows[1][at('日期')]
    expect(date).toBeInstanceOf(Date)
    expect((date as Date).toISOString()).toBe('2026-03-31T00:00:00.000Z')
    expect(rows[1][at('类别')]).toBe('物流')
    expect(app.browser.problems.filter((p) => !/status of 401/.test(p))).toEqual([])
  })
})
