import ExcelJS from 'exceljs'
import type { Statement, StatementLine } from './statement'

export interface SheetTitle {
  /** 利润表, 现金流量表, 资产负债表 */
  name: string
  /** 会小企02表 … */
  form: string
  /** the period or date the statement is for */
  period: string
}

/**
 * A statement as an Excel workbook in the standard's layout (项目, 行次, 金额; accounts indented
 * under their line), to hand to the shop's 代理记账 firm or print. Amounts are written as numbers
 * with two decimals so the bookkeeper can add them up; the API's decimal strings stay exact.
 */
export async function statementWorkbook(title: SheetTitle, statement: Statement, extra: { key: string; header: string }[] = []): Promise<Buffer> {
  const book = new ExcelJS.Workbook()
  const sheet = book.addWorksheet(title.name, { pageSetup: { paperSize: 9, orientation: 'portrait', fitToPage: true, fitToWidth: 1, fitToHeight: 0 } })
  const columns = 3 + extra.length
  sheet.columns = [{ width: 46 }, { width: 8 }, { width: 18 }, ...extra.map(() => ({ width: 16 }))]
  sheet.mergeCells(1, 1, 1, columns)
  sheet.getCell(1, 1).value = title.name
  sheet.getCell(1, 1).font = { bold: true, size: 16 }
  sheet.getCell(1, 1).alignment = { horizontal: 'center' }
  sheet.getRow(2).values = ['', '', title.form]
  sheet.getRow(3).values = [`期间：${title.period}`, '', '单位：元']
  const header = sheet.getRow(4)
  header.values = ['项目', '行次', '金额', ...extra.map((e) => e.header)]
  header.font = { bold: true }
  header.eachCell((cell) => {
    cell.border = { top: { style: 'thin' }, bottom: { style: 'thin' } }
    cell.alignment = { horizontal: 'center' }
  })
  const amount = (text: unknown) => (typeof text === 'string' && text !== '' ? Number(text) : null)
  const write = (line: StatementLine, depth: number) => {
    const row = sheet.addRow([`${'　'.repeat(depth)}${line.label}${depth ? `（${line.account}）` : ''}`, line.row ?? null, amount(line.amount), ...extra.map((e) => amount(valueAt(line, e.key)))])
    if (depth === 0) row.font = { bold: line.row === undefined || /^[一二三四五]、/.test(line.label) }
    for (let c = 3; c <= columns; c++) row.getCell(c).numFmt = '#,##0.00;-#,##0.00'
    for (const child of line.lines ?? []) write(child, depth + 1)
  }
  for (const line of statement.lines) write(line, 0)
  return Buffer.from(await book.xlsx.writeBuffer())
}

/** `unallocated` or `by_month.2026-11` */
function valueAt(line: StatementLine, key: string): unknown {
  const [head, member] = key.split('.')
  const value = line[head]
  if (member === undefined) return value
  return value && typeof value === 'object' ? (value as Record<string, unknown>)[member] : undefined
}
