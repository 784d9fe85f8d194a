import { Decimal } from '../../schema/lib/decimal'
import type { Account, Books } from './books'
import { money, netByAccount } from './books'
import type { ReportPeriod } from './period'
import { accountLines, sum, ZERO, type Statement, type StatementLine } from './statement'

/** Accounts whose balance is a credit on the 利润表 (income): shown as credit − debit. */
const CREDIT_LINES = new Set(['pl_revenue', 'pl_non_operating_income'])
const CREDIT_TOTALS = new Set(['revenue', 'other_income'])

/** 会小企02表: the statement's lines, their 行次 and labels. */
const LAYOUT: { key: string; row: number; label: string }[] = [
  { key: 'pl_revenue', row: 1, label: '一、营业收入' },
  { key: 'pl_cost', row: 2, label: '减：营业成本' },
  { key: 'pl_tax', row: 3, label: '税金及附加' },
  { key: 'pl_selling', row: 11, label: '销售费用' },
  { key: 'pl_admin', row: 14, label: '管理费用' },
  { key: 'pl_finance', row: 18, label: '财务费用' },
  { key: 'operating_profit', row: 21, label: '二、营业利润（亏损以“-”号填列）' },
  { key: 'pl_non_operating_income', row: 22, label: '加：营业外收入' },
  { key: 'pl_non_operating_expense', row: 24, label: '减：营业外支出' },
  { key: 'total_profit', row: 30, label: '三、利润总额（亏损总额以“-”号填列）' },
  { key: 'pl_income_tax', row: 31, label: '减：所得税费用' },
  { key: 'net_profit', row: 32, label: '四、净利润（净亏损以“-”号填列）' },
]

/**
 * 利润表 for [from, to]: each P&L account's movement in the period, on the standard's lines, and
 * the analysis totals (revenue − returns − COGS = gross profit; − expenses − inventory losses ±
 * other income and expenses − income tax = net profit). With a shop, the shop's own lines, and
 * beside each amount the lines that name no shop (未分摊, `unallocated`).
 */
export async function incomeStatement(books: Books, period: ReportPeriod, shop: number | null): Promise<Statement> {
  const accounts = [...(await books.accounts()).values()].filter((a) => a.statementLine?.startsWith('pl_'))
  const sums = await books.sums(period.start, period.end, shop !== null)
  const amounts = netByAccount(shop === null ? sums : sums.filter((l) => l.shop === shop))
  const spare = shop === null ? null : netByAccount(sums.filter((l) => l.shop === null))
  const lineAmount = (a: Account, net: Map<number, Decimal>) => signed(net.get(a.id) ?? ZERO, CREDIT_LINES.has(a.statementLine!))
  const lineTotal = (key: string, net: Map<number, Decimal>) => sum(accounts.filter((a) => a.statementLine === key).map((a) => lineAmount(a, net)))
  const figures = (net: Map<number, Decimal>) => {
    const of = (key: string) => lineTotal(key, net)
    const operating = of('pl_revenue').minus(of('pl_cost')).minus(of('pl_tax')).minus(of('pl_selling')).minus(of('pl_admin')).minus(of('pl_finance'))
    const total = operating.plus(of('pl_non_operating_income')).minus(of('pl_non_operating_expense'))
    return { of, operating_profit: operating, total_profit: total, net_profit: total.minus(of('pl_income_tax')) }
  }
  const main = figures(amounts)
  const other = spare ? figures(spare) : null
  const out: StatementLine[] = LAYOUT.map(({ key, row, label }) => {
    const computed = key in main && key !== 'of'
    const amount = computed ? main[key as 'operating_profit'] : main.of(key)
    const line: StatementLine = { account: key, label, row, amount: money(amount) }
    if (other) line.unallocated = money(computed ? other[key as 'operating_profit'] : other.of(key))
    if (!computed) {
      const own = accounts.filter((a) => a.statementLine === key)
      line.lines = accountLines(own, (a) => lineAmount(a, amounts), spare ? (a) => ({ unallocated: money(lineAmount(a, spare)) }) : undefined)
    }
    return line
  })
  const totals = analysisTotals(accounts, amounts)
  const result: Statement = { from: period.from, to: period.to, shop, lines: out, totals }
  if (spare) result.unallocated = analysisTotals(accounts, spare)
  return result
}

function analysisTotals(accounts: Account[], amounts: Map<number, Decimal>): Record<string, string> {
  const total = (group: string) => sum(accounts.filter((a) => a.plTotal === group).map((a) => signed(amounts.get(a.id) ?? ZERO, CREDIT_TOTALS.has(group))))
  const revenue = total('revenue')
  const returns = total('returns')
  const cogs = total('cogs')
  const gross = revenue.minus(returns).minus(cogs)
  const expenses = total('expenses')
  const losses = total('inventory_losses')
  const otherIncome = total('other_income')
  const otherExpenses = total('other_expenses')
  const tax = total('income_tax')
  const netProfit = gross.minus(expenses).minus(losses).plus(otherIncome).minus(otherExpenses).minus(tax)
  return {
    revenue: money(revenue),
    returns: money(returns),
    cogs: money(cogs),
    gross_profit: money(gross),
    expenses: money(expenses),
    inventory_losses: money(losses),
    other_income: money(otherIncome),
    other_expenses: money(otherExpenses),
    income_tax: money(tax),
    net_profit: money(netProfit),
  }
}

/** debit − credit, or credit − debit for income lines. */
const signed = (debitMinusCredit: Decimal, credit: boolean) => (credit ? debitMinusCredit.negated() : debitMinusCredit)
