import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { apiPost, login } from './helpers'
import { startE2eServer, type E2eServer } from './server'

const SHOTS = '/tmp/shots/export'
let app: E2eServer
let dir: string

beforeAll(async () => {
  app = await startE2eServer('import')
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-import-'))
})
afterAll(async () => {
  await app?.close()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

/** 支出 as a merchant keeps them in Excel: Chinese headers and dates, ¥ amounts; row 3 has no amount a number can be read from. */
async function expensesWorkbook(): Promise<string> {
  const book = new ExcelJS.Workbook()
  const sheet = book.addWorksheet('支出')
  sheet.addRow(['日期', '类别', '事项', '金额', '收款方', '备用列'])
  sheet.addRow(['2026/3/1', '物流', '导入 快递费', '¥1,200.50', '中通', 'x'])
  sheet.addRow(['2026年3月2日', '物流', '导入 坏行', '待定', '顺丰', 'y'])
  sheet.addRow([new Date(Date.UTC(2026, 2, 3)), '包装', '导入 包装袋', 88, '义乌', 'z'])
  const file = path.join(dir, '支出导入.xlsx')
  await book.xlsx.writeFile(file)
  return file
}

const countImported = async () =>
  (await apiPost<{ total: number }>(app.browser.page, '/api/forms/expenses/records/query', { filter: { field: 'item', op: 'starts_with', value: '导入' }, limit: 1 })).total

describe('import from the grid', () => {
  test('a file with one bad row: the report names the row and column and nothing is written; skipping it imports the rest', async () => {
    const page = app.browser.page
    await login(page)
    await page.goto('/forms/expenses')
    await page.locator('[data-test="record-grid"][data-loading="false"]').waitFor()
    await page.locator('[data-test="import"]').click()
    const dialog = page.locator('.el-dialog[data-test="import-dialog"], [data-test="import-dialog"]').first()
    await page.locator('[data-test="import-file"] input[type="file"]').setInputFiles(await expensesWorkbook())

    // the mapping: the headers matched to fields by label, the spare column left unmapped
    await page.locator('[data-test="import-mapping"]').waitFor()
    await expect.poll(() => page.locator('[data-test="import-unmapped"]').count()).toBe(1)
    expect(await page.locator('[data-test="import-required-missing"]').count()).toBe(0)
    fs.mkdirSync(SHOTS, { recursive: true })
    await page.screenshot({ path: path.join(SHOTS, 'import-mapping.png') })

    // all or nothing (the default): refused, the bad row named
    await page.locator('[data-test="import-start"]').click()
    await expect.poll(() => page.locator('[data-test="import-result"]').getAttribute('data-state'), { timeout: 20_000 }).toBe('refused')
    await page.locator('[data-test="import-refused"]').waitFor()
    const errorRows = page.locator('[data-test="import-errors"] .el-table__body tr')
    await expect.poll(() => errorRows.count()).toBe(1)
    const cells = await errorRows.first().locator('td').allInnerTexts()
    expect(cells[0].trim()).toBe('3')
    expect(cells[1].trim()).toBe('金额')
    expect(cells[2].trim()).toBe('待定')
    expect(cells[3].trim().length).toBeGreaterThan(0)
    await page.screenshot({ path: path.join(SHOTS, 'import-report.png') })
    expect(await countImported()).toBe(0)

    // back to the mapping, skip bad rows: the two good rows are written
    await page.locator('[data-test="import-back"]').click()
    await page.locator('[data-test="import-skip-bad"]').click()
    await page.locator('[data-test="import-start"]').click()
    await expect.poll(() => page.locator('[data-test="import-result"]').getAttribute('data-state'), { timeout: 20_000 }).toBe('done')
    expect(await page.locator('[data-count="created"] .el-statistic__number').innerText()).toBe('2')
    expect(await page.locator('[data-count="skipped"] .el-statistic__number').innerText()).toBe('1')
    await page.screenshot({ path: path.join(SHOTS, 'import-done.png') })
    expect(await countImported()).toBe(2)
    const saved = await apiPost<{ data: { item: string; amount: string; date: string }[] }>(page, '/api/forms/expenses/records/query', {
      filter: { field: 'item', op: 'starts_with', value: '导入' },
      sort: 'date',
    })
    expect(saved.data.map((r) => [r.date, r.item, r.amount])).toEqual([
      ['2026-03-01', '导入 快递费', '1200.50'],
      ['2026-03-03', '导入 包装袋', '88.00'],
    ])
    await dialog.locator('.el-dialog__headerbtn').click().catch(() => undefined)
    expect(app.browser.problems.filter((p) => !/status of (401|422)/.test(p))).toEqual([])
  })
})
