import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { statementWorkbook } from '../../server/reports/xlsx'

describe('statement workbook', () => {
  it('writes the layout, sub-lines and totals with amounts as numbers', async () => {
    const buffer = await statementWorkbook({
      statement: 'income-statement',
      period: '2026-11-01 ~ 2026-11-30',
      shop: '测试店',
      locale: 'zh-CN',
      data: {
        lines: [
          { account: null, label: '一、营业收入', amount: '1234.50', lines: [{ account: '5001', label: '主营业务收入', amount: '1234.50' }] },
          { account: '5401', label: '减：营业成本', amount: '-0.01' },
        ],
        totals: { revenue: '1234.50', net_profit: '1234.49' },
      },
    })
    const book = new ExcelJS.Workbook()
    await book.xlsx.load(buffer as unknown as ArrayBuffer)
    const ws = book.worksheets[0]
    expect(ws.name).toBe('利润表')
    expect(ws.getCell('A1').value).toBe('利润表')
    expect(ws.getCell('A2').value).toBe('会小企02表')
    expect(String(ws.getCell('B2').value)).toContain('测试店')
    const rows = ws.getSheetValues().slice(4).filter(Boolean).map((r) => (r as unknown[]).slice(1, 4))
    expect(rows).toEqual([
      ['一、营业收入', '', 1234.5],
      ['主营业务收入', '5001', 1234.5],
      ['减：营业成本', '5401', -0.01],
      ['营业收入', '', 1234.5],
      ['净利润', '', 1234.49],
    ])
    expect(ws.getRow(5).getCell(1).alignment?.indent).toBe(2)
  })
})
