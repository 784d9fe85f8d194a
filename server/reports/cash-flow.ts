import { Decimal } from '../../schema/lib/decimal'
import type { Account, Books, JournalLine } from './books'
import { money } from './books'
import { monthOf, type ReportPeriod } from './period'
import { sum, ZERO, type Statement, type StatementLine } from './statement'

/** 会小企03表, direct method: receipts (+) and payments (−) by the counter-account's cash-flow line. */
const LAYOUT: { key: string; row: number; label: string; receipt: boolean; activity: 'operating' | 'investing' | 'financing' }[] = [
  { key: 'cf_sales_receipts', row: 1, label: '销售产成品、商品、提供劳务收到的现金', receipt: true, activity: 'operating' },
  { key: 'cf_other_receipts', row: 2, label: '收到其他与经营活动有关的现金', receipt: true, activity: 'operating' },
  { key: 'cf_purchase_payments', row: 3, label: '购买原材料、商品、接受劳务支付的现金', receipt: false, activity: 'operating' },
  { key: 'cf_wage_payments', row: 4, label: '支付的职工薪酬', receipt: false, activity: 'operating' },
  { key: 'cf_tax_payments', row: 5, label: '支付的税费', receipt: false, activity: 'operating' },
  { key: 'cf_other_payments', row: 6, label: '支付其他与经营活动有关的现金', receipt: false, activity: 'operating' },
  { key: 'cf_investing_receipts', row: 8, label: '投资活动收到的现金', receipt: true, activity: 'investing' },
  { key: 'cf_investing_payments', row: 11, label: '投资活动支付的现金', receipt: false, activity: 'investing' },
  { key: 'cf_financing_receipts', row: 14, label: '取得借款、吸收投资者投资收到的现金', receipt: true, activity: 'financing' },
  { key: 'cf_financing_payments', row: 16, label: '偿还借款、分配利润支付的现金', receipt: false, activity: 'financing' },
]
const NET_ROWS = { operating: { row: 7, label: '经营活动产生的现金流量净额' }, investing: { row: 13, label: '投资活动产生的现金流量净额' }, financing: { row: 19, label: '筹资活动产生的现金流量净额' } }

/**
 * 现金流量表 for [from, to], direct method, by month. Cash is every account on the 货币资金 line.
 * Each entry (batch) that moves cash is explained by its other lines: a line's credit − debit is
 * cash in, classified by its account's `cash_flow` line (a settlement's 1122 credit is cash from
 * sales, its commission debit a payment); moves between cash accounts cancel out. So the
 * statement's net change is exactly the change of the cash accounts.
 */
export async function cashFlow(books: Books, period: ReportPeriod): Promise<Statement> {
  const accounts = await books.accounts()
  const isCash = (id: number) => accounts.get(id)?.statementLine === 'bs_cash'
  const cashAccounts = [...accounts.values()].filter((a) => a.statementLine === 'bs_cash').map((a) => a.id)
  const lines = await books.entriesTouching(cashAccounts, period.start, period.end)
  const batches = new Map<string, JournalLine[]>()
  for (const l of lines) batches.set(l.batch, [...(batches.get(l.batch) ?? []), l])
  // category → month → cash in (credit − debit of the counter lines)
  const flows = new Map<string, Map<string, Decimal>>()
  for (const entry of batches.values()) {
    if (!entry.some((l) => isCash(l.account))) continue
    for (const l of entry) {
      if (isCash(l.account)) continue
      const inflow = l.credit.minus(l.debit)
      if (inflow.isZero()) continue
      const category = categoryOf(accounts.get(l.account), inflow)
      const byMonth = flows.get(category) ?? new Map<string, Decimal>()
      const month = monthOf(l.postedAt)
      byMonth.set(month, (byMonth.get(month) ?? ZERO).plus(inflow))
      flows.set(category, byMonth)
    }
  }
  const months = monthsBetween(period.from, period.to)
  const shown = (key: string, receipt: boolean, month?: string) => {
    const byMonth = flows.get(key)
    const inflow = month ? (byMonth?.get(month) ?? ZERO) : sum([...(byMonth?.values() ?? [])])
    return receipt ? inflow : inflow.negated()
  }
  const perMonth = (f: (month?: string) => Decimal) => Object.fromEntries(months.map((m) => [m, money(f(m))]))
  const out: StatementLine[] = []
  const netOf = (activity: string, month?: string) =>
    sum(LAYOUT.filter((l) => l.activity === activity).map((l) => (l.receipt ? shown(l.key, true, month) : shown(l.key, false, month).negated())))
  for (const activity of ['operating', 'investing', 'financing'] as const) {
    for (const l of LAYOUT.filter((x) => x.activity === activity)) {
      out.push({ account: l.key, label: l.label, row: l.row, amount: money(shown(l.key, l.receipt)), by_month: perMonth((m) => shown(l.key, l.receipt, m)) })
    }
    out.push({ account: `${activity}_net`, label: NET_ROWS[activity].label, row: NET_ROWS[activity].row, amount: money(netOf(activity)), by_month: perMonth((m) => netOf(activity, m)) })
  }
  const receipts = (month?: string) => sum(LAYOUT.filter((l) => l.receipt).map((l) => shown(l.key, true, month)))
  const payments = (month?: string) => sum(LAYOUT.filter((l) => !l.receipt).map((l) => shown(l.key, false, month)))
  const net = (month?: string) => receipts(month).minus(payments(month))
  const opening = await cashBalance(books, accounts, period.start)
  const closing = opening.plus(net())
  out.push({ account: 'net_increase', label: '四、现金净增加额', row: 20, amount: money(net()), by_month: perMonth(net) })
  out.push({ account: 'opening_cash', label: '加：期初现金余额', row: 21, amount: money(opening) })
  out.push({ account: 'closing_cash', label: '五、期末现金余额', row: 22, amount: money(closing) })
  return {
    from: period.from,
    to: period.to,
    months,
    lines: out,
    totals: { receipts: money(receipts()), payments: money(payments()), net: money(net()), opening_cash: money(opening), closing_cash: money(closing) },
    by_month: months.map((m) => ({ month: m, receipts: money(receipts(m)), payments: money(payments(m)), net: money(net(m)) })),
  }
}

/** The counter-account's cash-flow line; an account without one is "other", by direction. */
function categoryOf(account: Account | undefined, inflow: Decimal): string {
  if (account?.cashFlow) return account.cashFlow
  return inflow.gt(0) ? 'cf_other_receipts' : 'cf_other_payments'
}

async function cashBalance(books: Books, accounts: Map<number, Account>, before: string): Promise<Decimal> {
  const cash = new Set([...accounts.values()].filter((a) => a.statementLine === 'bs_cash').map((a) => a.id))
  return sum((await books.sums(null, before)).filter((s) => cash.has(s.account)).map((s) => s.debit.minus(s.credit)))
}

function monthsBetween(from: string, to: string): string[] {
  const months: string[] = []
  let [y, m] = from.slice(0, 7).split('-').map(Number)
  const last = to.slice(0, 7)
  for (;;) {
    const month = `${y}-${String(m).padStart(2, '0')}`
    months.push(month)
    if (month >= last) break
    m++
    if (m > 12) {
      m = 1
      y++
    }
  }
  return months
}
