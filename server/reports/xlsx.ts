import ExcelJS from 'exceljs'
import type { Locale } from '../../schema/lib/localized'

/** A statement as the reports API answers it: lines in the bookkeeper's layout, amounts as decimal strings. */
export interface StatementLineData {
  account?: string | null
  label: string
  amount: string | null
  lines?: StatementLineData[]
}

export interface StatementData {
  lines: StatementLineData[]
  totals: Record<string, string>
}

export interface StatementSheet {
  /** income-statement | cash-flow | balance-sheet */
  statement: string
  /** "2026-11-01 ~ 2026-11-30" or "截至 2026-11-30", already worded */
  period: string
  /** the shop the statement is for, if one */
  shop?: string | null
  data: StatementData
  locale: Locale
}

// The file goes to a bookkeeper as it is, so the server words it (in the caller's language).
const WORDS: Record<Locale, Record<string, string>> = {
  'zh-CN': {
    'income-statement': '利润表',
    'cash-flow': '现金流量表',
    'balance-sheet': '资产负债表',
    form_income: '会小企02表',
    form_cash: '会小企03表',
    form_balance: '会小企01表',
    item: '项目',
    account: '科目编码',
    amount: '金额',
    unit: '单位：元',
    shop: '店铺',
    revenue: '营业收入',
    returns: '销售退回',
    cogs: '营业成本',
    gross_profit: '毛利',
    expenses: '期间费用',
    inventory_losses: '存货损失',
    net_profit: '净利润',
    receipts: '现金流入合计',
    payments: '现金流出合计',
    net: '现金净增加额',
    assets: '资产总计',
    liabilities: '负债合计',
    equity: '所有者权益合计',
    other_income: '营业外收入',
    other_expenses: '营业外支出',
    income_tax: '所得税费用',
    liabilities_and_equity: '负债和所有者权益总计',
    opening_cash: '期初现金余额',
    closing_cash: '期末现金余额',
  },
  en: {
    'income-statement': 'Income statement',
    'cash-flow': 'Cash flow statement',
    'balance-sheet': 'Balance sheet',
    form_income: 'Form 02 (small enterprises)',
    form_cash: 'Form 03 (small enterprises)',
    form_balance: 'Form 01 (small enterprises)',
    item: 'Item',
    account: 'Account',
    amount: 'Amount',
    unit: 'Unit: CNY',
    shop: 'Shop',
    revenue: 'Revenue',
    returns: 'Sales returns',
    cogs: 'Cost of sales',
    gross_profit: 'Gross profit',
    expenses: 'Expenses',
    inventory_losses: 'Inventory losses',
    net_profit: 'Net profit',
    receipts: 'Total cash received',
    payments: 'Total cash paid',
    net: 'Net change in cash',
    assets: 'Total assets',
    liabilities: 'Total liabilities',
    equity: "Total owner's equity",
    other_income: 'Non-operating income',
    other_expenses: 'Non-operating expenses',
    income_tax: 'Income tax',
    liabilities_and_equity: 'Total liabilities and equity',
    opening_cash: 'Cash at the start',
    closing_cash: 'Cash at the end',
  },
}

const FORM_NO: Record<string, string> = { 'income-statement': 'form_income', 'cash-flow': 'form_cash', 'balance-sheet': 'form_balance' }

/**
 * One statement as an .xlsx workbook: title, period and unit on top, a row per line (sub-lines
 * indented), the totals below. Amounts are real numbers formatted to two places, so the
 * bookkeeper's own sums work; they come from decimal strings, exact to the 分.
 */
export async function statementWorkbook(sheet: StatementSheet): Promise<Buffer> {
  const words = WORDS[sheet.locale] ?? WORDS['zh-CN']
  const word = (key: string) => words[key] ?? key
  const book = new ExcelJS.Workbook()
  book.creator = 'Zhanggui'
  const ws = book.addWorksheet(word(sheet.statement))
  ws.columns = [{ width: 44 }, { width: 14 }, { width: 18 }]
  ws.mergeCells('A1:C1')
  ws.getCell('A1').value = word(sheet.statement)
  ws.getCell('A1').font = { bold: true, size: 14 }
  ws.getCell('A1').alignment = { horizontal: 'center' }
  ws.getCell('A2').value = word(FORM_NO[sheet.statement] ?? '')
  ws.getCell('B2').value = [sheet.period, sheet.shop ? `${word('shop')}：${sheet.shop}` : ''].filter(Boolean).join('  ')
  ws.getCell('C2').value = word('unit')
  ws.getCell('C2').alignment = { horizontal: 'right' }
  const header = ws.addRow([word('item'), word('account'), word('amount')])
  header.font = { bold: true }
  const addLines = (lines: StatementLineData[], depth: number) => {
    for (const line of lines) {
      const row = ws.addRow([line.label, line.account ?? '', amount(line.amount)])
      row.getCell(1).alignment = { indent: depth * 2 }
      if (!line.account) row.font = { bold: depth === 0 }
      row.getCell(3).numFmt = '#,##0.00;-#,##0.00'
      if (line.lines?.length) addLines(line.lines, depth + 1)
    }
  }
  addLines(sheet.data.lines, 0)
  ws.addRow([])
  for (const [key, value] of Object.entries(sheet.data.totals)) {
    const row = ws.addRow([word(key), '', amount(value)])
    row.font = { bold: true }
    row.getCell(3).numFmt = '#,##0.00;-#,##0.00'
  }
  return Buffer.from(await book.xlsx.writeBuffer())
}

/** Decimal text as an Excel number; money has two places, so a double holds it exactly enough to show. */
function amount(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null
  return Number(value)
}
