import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'

// The statements go to the shop's bookkeeper as Excel files: the same figures as the API's.
let app: TestApp

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: true } })
})
afterAll(async () => {
  await app?.close()
})

async function workbook(url: string) {
  const res = await fetch(app.baseUrl + url, { headers: { authorization: `Bearer ${app.token}` } })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toContain('spreadsheetml')
  const book = new ExcelJS.Workbook()
  await book.xlsx.load(await res.arrayBuffer())
  return book.worksheets[0]
}

/** label → amount of the rows below the header */
function amounts(ws: ExcelJS.Worksheet): Map<string, unknown> {
  const found = new Map<string, unknown>()
  ws.eachRow((row, n) => {
    if (n > 3 && row.getCell(1).value) found.set(String(row.getCell(1).value), row.getCell(3).value)
  })
  return found
}

describe('statement export', () => {
  it('writes the income statement with the figures of the API, in either language', async () => {
    const range = 'from=2020-01-01&to=2099-12-31'
    const json = (await app.api.get(`/api/reports/income-statement?${range}`)).body.data
    const ws = await workbook(`/api/reports/income-statement/export?${range}`)
    expect(ws.getCell('A1').value).toBe('利润表')
    expect(ws.getCell('A2').value).toBe('会小企02表')
    const rows = amounts(ws)
    expect(rows.get('净利润')).toBe(Number(json.totals.net_profit))
    expect(rows.get('营业收入')).toBe(Number(json.totals.revenue))
    const en = await workbook(`/api/reports/income-statement/export?${range}&lang=en`)
    expect(en.getCell('A1').value).toBe('Income statement')
    expect(amounts(en).get('Net profit')).toBe(Number(json.totals.net_profit))
  })

  it('writes the balance sheet at a date and the cash flow for a period', async () => {
    const sheet = await workbook('/api/reports/balance-sheet/export?at=2099-12-31')
    expect(sheet.getCell('A1').value).toBe('资产负债表')
    expect(String(sheet.getCell('B2').value)).toContain('截至 2099-12-31')
    const json = (await app.api.get('/api/reports/balance-sheet?at=2099-12-31')).body.data
    expect(amounts(sheet).get('资产总计')).toBe(Number(json.totals.assets))
    const cash = await workbook('/api/reports/cash-flow/export?from=2020-01-01&to=2099-12-31')
    expect(cash.getCell('A1').value).toBe('现金流量表')
  })

  it('refuses a bad period with a coded error, as the statement does', async () => {
    const res = await app.api.get('/api/reports/income-statement/export?from=2026-13-01&to=2026-12-31')
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ reason: 'report_bad_date', params: { param: 'from' } })
  })
})
