import { Decimal } from '../../schema/lib/decimal'
import type { Account, Books } from './books'
import { money, netByAccount } from './books'
import { untilEndOf } from './period'
import { accountLines, sum, ZERO, type Statement, type StatementLine } from './statement'

/** 会小企01表: the lines this chart posts to, with their 行次. */
const ASSETS = [
  { key: 'bs_cash', row: 1, label: '货币资金' },
  { key: 'bs_receivables', row: 4, label: '应收账款' },
  { key: 'bs_prepayments', row: 5, label: '预付账款' },
  { key: 'bs_other_receivables', row: 8, label: '其他应收款' },
  { key: 'bs_inventory', row: 9, label: '存货' },
  { key: 'bs_other_current_assets', row: 14, label: '其他流动资产' },
]
const LIABILITIES = [
  { key: 'bs_payables', row: 33, label: '应付账款' },
  { key: 'bs_advances', row: 34, label: '预收账款' },
  { key: 'bs_wages_payable', row: 35, label: '应付职工薪酬' },
  { key: 'bs_taxes_payable', row: 36, label: '应交税费' },
  { key: 'bs_other_payables', row: 39, label: '其他应付款' },
]
const EQUITY = [
  { key: 'bs_capital', row: 48, label: '实收资本（或股本）' },
  { key: 'bs_retained', row: 51, label: '未分配利润' },
]

/**
 * 资产负债表 at the end of the day `at`: every account's balance from all entries posted until
 * then. Profit not yet closed into 3103 本年利润 (every P&L account's balance) is shown inside 未分配利润, so
 * assets = liabilities + equity whatever was posted: every entry balances.
 */
export async function balanceSheet(books: Books, at: string): Promise<Statement> {
  const accounts = [...(await books.accounts()).values()]
  const net = netByAccount(await books.sums(null, untilEndOf(at)))
  const debitBalance = (a: Account) => net.get(a.id) ?? ZERO
  const creditBalance = (a: Account) => debitBalance(a).negated()
  // Where an account without a balance-sheet line goes: by its type.
  const lineOf = (a: Account): string => {
    if (a.statementLine?.startsWith('bs_')) return a.statementLine
    if (a.type === 'asset') return 'bs_other_current_assets'
    if (a.type === 'liability') return 'bs_other_payables'
    return 'bs_retained'
  }
  const section = (layout: typeof ASSETS, amount: (a: Account) => Decimal) =>
    layout.map(({ key, row, label }): StatementLine => {
      const own = accounts.filter((a) => lineOf(a) === key && (a.type === 'asset' || a.type === 'liability' || a.type === 'equity'))
      const lines = accountLines(own, amount)
      let total = sum(own.map(amount))
      if (key === 'bs_retained') {
        const profit = sum(accounts.filter((a) => a.type === 'revenue' || a.type === 'expense').map(creditBalance))
        total = total.plus(profit)
        if (!profit.isZero()) lines.push({ account: 'unclosed_profit', label: '本年损益（未结转）', amount: money(profit) })
      }
      return { account: key, label, row, amount: money(total), lines }
    })
  const assets = section(ASSETS, debitBalance)
  const liabilities = section(LIABILITIES, creditBalance)
  const equity = section(EQUITY, creditBalance)
  const total = (lines: StatementLine[]) => sum(lines.map((l) => new Decimal(l.amount)))
  const [a, l, e] = [total(assets), total(liabilities), total(equity)]
  return {
    at,
    lines: [
      ...assets,
      { account: 'total_assets', label: '资产总计', row: 30, amount: money(a) },
      ...liabilities,
      { account: 'total_liabilities', label: '负债合计', row: 47, amount: money(l) },
      ...equity,
      { account: 'total_equity', label: '所有者权益（或股东权益）合计', row: 52, amount: money(e) },
      { account: 'total_liabilities_and_equity', label: '负债和所有者权益（或股东权益）总计', row: 53, amount: money(l.plus(e)) },
    ],
    totals: { assets: money(a), liabilities: money(l), equity: money(e), liabilities_and_equity: money(l.plus(e)) },
  }
}
