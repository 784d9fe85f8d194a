import { Decimal } from '../../schema/lib/decimal'
import type { Account } from './books'
import { money } from './books'

/** A statement line as the API sends it: amounts are decimal strings (2 places). */
export interface StatementLine {
  /** the account code, or the statement line's key for a line that adds accounts up */
  account: string
  label: string
  /** 行次 of the standard's layout */
  row?: number
  amount: string
  lines?: StatementLine[]
  [extra: string]: unknown
}

export interface Statement {
  lines: StatementLine[]
  totals: Record<string, string>
  [extra: string]: unknown
}

export const ZERO = new Decimal(0)

/** One line per account with a non-zero amount, by code; `amountOf` gives the line's sign. */
export function accountLines(accounts: Account[], amountOf: (a: Account) => Decimal, extra?: (a: Account) => Record<string, unknown>): StatementLine[] {
  return accounts
    .filter((a) => !amountOf(a).isZero() || (extra && Object.values(extra(a)).some((v) => v !== '0.00')))
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((a) => ({ account: a.code, label: a.name, amount: money(amountOf(a)), ...(extra ? extra(a) : {}) }))
}

export function sum(values: Decimal[]): Decimal {
  return values.reduce((total, v) => total.plus(v), ZERO)
}
