import { Decimal } from '../../schema/lib/decimal'
import type { FormModel } from '../../schema/model/types'
import type { FormRegistry } from '../forms/registry'
import { notFound } from '../lib/errors'
import type { RecordsService } from '../records/service'
import type { ApiRecord } from '../records/types'

/**
 * The books the statements read: the double-entry ledger (a ledger form that declares `balanced`)
 * and its chart of accounts (the form its balance key links to). The chart tells each account's
 * type and where it goes in the statements (`statement_line`, `pl_total`, `cash_flow`), so a
 * merchant's own account (1012.03 京东钱包 → 货币资金) is reported without code changes.
 */
export interface Account {
  id: number
  code: string
  name: string
  type: string
  statementLine: string | null
  plTotal: string | null
  cashFlow: string | null
}

/** One journal line as the statements need it. */
export interface JournalLine {
  account: number
  debit: Decimal
  credit: Decimal
  shop: number | null
  batch: string
  postedAt: string
}

/** Σ debit and Σ credit of one account (and shop, when asked). */
export interface AccountSum {
  account: number
  shop: number | null
  debit: Decimal
  credit: Decimal
}

export interface BooksForms {
  journal: FormModel
  accounts: FormModel
  /** the journal's link field to the chart of accounts */
  accountField: string
  debit: string
  credit: string
  time: string
}

const idOf = (v: unknown): number | null => (v && typeof v === 'object' && 'id' in v ? Number((v as { id: unknown }).id) : v === null || v === undefined ? null : Number(v))

export function booksForms(registry: FormRegistry): BooksForms {
  const journal = registry.list().find((f) => f.ledger?.balanced && f.ledger.time)
  if (!journal?.ledger?.balanced || !journal.ledger.time) throw notFound('no double-entry journal is installed').because('unknown_endpoint')
  const accountField = journal.ledger.key[0]
  const accounts = registry.require(journal.field(accountField)!.value.target!)
  return { journal, accounts, accountField, debit: journal.ledger.balanced.debit, credit: journal.ledger.balanced.credit, time: journal.ledger.time }
}

/** Reads the books through the records service (with the caller's permissions). */
export class Books {
  constructor(
    readonly forms: BooksForms,
    private readonly service: RecordsService,
  ) {}

  async accounts(): Promise<Map<number, Account>> {
    const accounts = new Map<number, Account>()
    for (const r of await this.all(this.forms.accounts.key, undefined)) {
      const text = (key: string) => (r[key] === null || r[key] === undefined || r[key] === '' ? null : String(r[key]))
      accounts.set(r.id, { id: r.id, code: String(r.code), name: String(r.name), type: String(r.type), statementLine: text('statement_line'), plTotal: text('pl_total'), cashFlow: text('cash_flow') })
    }
    return accounts
  }

  /** Journal lines posted in [start, end) — start null: from the beginning. */
  async lines(start: string | null, end: string, extra?: unknown): Promise<JournalLine[]> {
    const { time, accountField, debit, credit } = this.forms
    const filter = { and: [...(start ? [{ field: time, op: 'gte', value: start }] : []), { field: time, op: 'lt', value: end }, ...(extra ? [extra] : [])] }
    return (await this.all(this.forms.journal.key, filter)).map((r) => ({
      account: idOf(r[accountField])!,
      debit: new Decimal(String(r[debit] ?? 0)),
      credit: new Decimal(String(r[credit] ?? 0)),
      shop: idOf(r.shop),
      batch: String(r.batch),
      postedAt: String(r[time]),
    }))
  }

  /**
   * Σ debit and Σ credit per account (and per shop) of the entries posted in [start, end), in one
   * aggregate query: a year of orders is a few thousand groups, never its millions of lines.
   */
  async sums(start: string | null, end: string, byShop = false): Promise<AccountSum[]> {
    const { time, accountField, debit, credit, journal } = this.forms
    const filter = { and: [...(start ? [{ field: time, op: 'gte', value: start }] : []), { field: time, op: 'lt', value: end }] }
    const result = await this.service.aggregate(journal.key, {
      filter,
      group_by: byShop ? [accountField, 'shop'] : [accountField],
      measures: [
        { fn: 'sum', field: debit, as: 'debit' },
        { fn: 'sum', field: credit, as: 'credit' },
      ],
    })
    if (result.truncated) throw new Error(`the journal has more than ${result.data.length} account and shop groups`)
    return result.data.map((r) => ({
      account: idOf(r[accountField])!,
      shop: byShop ? idOf(r.shop) : null,
      debit: new Decimal(String(r.debit ?? 0)),
      credit: new Decimal(String(r.credit ?? 0)),
    }))
  }

  /** The lines of every entry posted in [start, end) that has a line on one of `accounts` (the cash accounts). */
  async entriesTouching(accounts: number[], start: string, end: string): Promise<JournalLine[]> {
    if (accounts.length === 0) return []
    const touching = await this.lines(start, end, { field: this.forms.accountField, op: 'in', value: accounts })
    const batches = [...new Set(touching.map((l) => l.batch))]
    const lines: JournalLine[] = []
    for (let i = 0; i < batches.length; i += 500) lines.push(...(await this.lines(start, end, { field: 'batch', op: 'in', value: batches.slice(i, i + 500) })))
    return lines
  }

  private async all(form: string, filter: unknown): Promise<ApiRecord[]> {
    const rows: ApiRecord[] = []
    let cursor: string | undefined
    do {
      const page = await this.service.list(form, { filter, sort: 'id', limit: 500, cursor, total: false })
      rows.push(...page.data)
      cursor = page.next_cursor ?? undefined
    } while (cursor)
    return rows
  }
}

/** debit − credit per account. */
export function netByAccount(lines: (JournalLine | AccountSum)[]): Map<number, Decimal> {
  const net = new Map<number, Decimal>()
  for (const l of lines) net.set(l.account, (net.get(l.account) ?? new Decimal(0)).plus(l.debit).minus(l.credit))
  return net
}

export const money = (d: Decimal) => d.toFixed(2)
