import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { apiGet, login, screenshot } from './helpers'
import { startE2eServer, type E2eServer } from './server'

let app: E2eServer
let browser: E2eServer['browser']

beforeAll(async () => {
  app = await startE2eServer('statements')
  browser = app.browser
})

afterAll(async () => {
  await app?.close()
})

type StatementData = { data: { totals: Record<string, string> } }
const yuan = (amount: string) => {
  const [int, frac] = amount.replace('-', '').split('.')
  return `${amount.startsWith('-') ? '-' : ''}¥${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`
}

describe('财务报表', () => {
  test('each statement opens from the menu and shows the figures of the books', async () => {
    const page = browser.page
    await login(page)
    await page.locator('[data-page="/reports/income-statement"]').click()
    await page.waitForURL(/\/reports\/income-statement$/)
    // 本年: the sample documents are dated this year
    await page.locator('[data-test="statement-shortcut"]').nth(2).click()
    const year = String(new Date(Date.now() + 8 * 3600_000).getUTCFullYear())
    const income = await apiGet<StatementData>(page, `/api/reports/income-statement?from=${year}-01-01&to=${year}-12-31`)
    await expect.poll(() => page.locator('[data-total="net_profit"]').innerText()).toBe(yuan(income.data.totals.net_profit))
    expect(await page.locator('[data-test="statement-lines"] .el-table__row').count()).toBeGreaterThan(10)
    await screenshot(page, 'statement-income')

    await page.locator('[data-test="statement-balance-sheet"]').click()
    await page.waitForURL(/\/reports\/balance-sheet$/)
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10)
    const sheet = await apiGet<StatementData>(page, `/api/reports/balance-sheet?at=${today}`)
    await expect.poll(() => page.locator('[data-total="assets"]').innerText()).toBe(yuan(sheet.data.totals.assets))
    expect(Number(sheet.data.totals.assets)).toBeGreaterThan(0)
    expect(await page.locator('[data-test="statement-balance-check"]').innerText()).toContain('资产 = 负债 + 所有者权益')
    await screenshot(page, 'statement-balance-sheet')

    await page.locator('[data-test="statement-cash-flow"]').click()
    await page.waitForURL(/\/reports\/cash-flow$/)
    await page.locator('[data-test="statement-shortcut"]').nth(2).click()
    const cash = await apiGet<StatementData>(page, `/api/reports/cash-flow?from=${year}-01-01&to=${year}-12-31`)
    await expect.poll(() => page.locator('[data-total="net"]').innerText()).toBe(yuan(cash.data.totals.net))
    await screenshot(page, 'statement-cash-flow')

    // the export button downloads the workbook of what is on screen
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test="statement-export"]').click()])
    expect(download.suggestedFilename()).toBe(`cash-flow-${year}-01-01_${year}-12-31.xlsx`)
    expect(browser.problems.filter((p) => !/status of 401/.test(p))).toEqual([])
  })
})
