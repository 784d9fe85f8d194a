import { randomBytes } from 'node:crypto'
import type { Knex } from 'knex'
import { FormulaError } from '../../schema/formula'
import { Decimal } from '../../schema/lib/decimal'
import { localize, type LocalizedText } from '../../schema/lib/localized'
import type { CompiledLedger, CompiledPosting, CompiledPostingValue } from '../../schema/model/document-rules'
import { LEDGER_SOURCE_FIELDS } from '../../schema/model/document-rules'
import { evaluateInto } from '../../schema/model/formula-values'
import { businessDate, formatDateTime } from '../../schema/lib/time'
import type { FormModel, TableModel } from '../../schema/model/types'
import type { ResolvedValue } from '../../schema/fields/types'
import type { CompiledFormula } from '../../schema/formula'
import type { Dialect } from '../db/dialects/types'
import { conflict, fieldProblem, ValidationError, type FieldProblem } from '../lib/errors'
import type { RecordsService } from '../records/service'
import type { ApiRecord } from '../records/types'

type Values = Record<string, unknown>

/** A balance record held for the rest of the transaction, with its running values. */
interface HeldBalance {
  ledger: CompiledLedger
  key: Values
  record: ApiRecord
  values: Values
  touched: boolean
  /** ledger lines added since the last flush (constraints may apply to some lines only) */
  lines: Values[]
}

const plain = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) && 'id' in v ? (v as { id: unknown }).id : v)

/**
 * Writes what a document's postings declare: ledger lines and the balances they add up to, inside
 * the action's transaction. Balances are locked in a fixed order before they are read, updated
 * from their locked values, and checked against the ledger's constraints; any failure rolls the
 * whole action back. Reversal writes the exact negation of stored lines (never re-evaluates).
 */
export class PostingEngine {
  private readonly held = new Map<string, HeldBalance>()
  /** linked records found by their text (an account by its code): "<form>:<field>:<text>" → id */
  private readonly matched = new Map<string, number>()

  constructor(
    private readonly service: RecordsService,
    private readonly trx: Knex.Transaction,
    private readonly dialect: Dialect,
    private readonly clock: () => number = Date.now,
    /** whether the acting user holds a capability (a constraint's `override`); none by default */
    private readonly may: (capability: string) => boolean = () => false,
  ) {}

  /** Posts the postings of `form` that run on `action`. */
  post(form: FormModel, record: ApiRecord, action: string): Promise<number> {
    return this.postAll(form, record, form.postings.filter((p) => p.on === action))
  }

  /** Posts one posting by name (an action's `post` step). */
  postNamed(form: FormModel, record: ApiRecord, name: string): Promise<number> {
    return this.postAll(form, record, form.postings.filter((p) => p.name === name))
  }

  /** Posts the exact negation of every line `action` reverses that is not reversed yet. */
  reverse(form: FormModel, record: ApiRecord, action: string): Promise<number> {
    return this.reverseAll(form, record, form.postings.filter((p) => p.reverseOn.includes(action)))
  }

  /** Reverses one posting by name (an action's `reverse` step); nothing open, nothing written. */
  reverseNamed(form: FormModel, record: ApiRecord, name: string): Promise<number> {
    return this.reverseAll(form, record, form.postings.filter((p) => p.name === name))
  }

  private async postAll(form: FormModel, record: ApiRecord, postings: CompiledPosting[]): Promise<number> {
    if (postings.length === 0) return 0
    for (const posting of postings) {
      // Posting twice (say an order audited again while it still holds its reservation) would count its effect twice.
      if ((await this.openLines(posting.ledger, form, record, posting.name)).length) {
        const name = String(record.no ?? record.id)
        throw new ValidationError([
          fieldProblem('(record)', 'already_posted', `${form.key} ${name}: "${posting.name}" is already posted and not reversed`, { form: form.def.label, posting: posting.name }),
        ])
      }
    }
    const batch = newBatch()
    const at = formatDateTime(this.clock())
    const planned: { posting: CompiledPosting; row: Values; key: Values }[] = []
    for (const posting of postings) {
      for (const row of sourceRows(posting, record)) {
        planned.push({ posting, row, key: await this.keyValues(form, posting, row, record) })
      }
    }
    await this.lockBalances(planned.map((p) => ({ ledger: p.posting.ledger, key: p.key })))
    const lines = new Map<CompiledLedger, Values[]>()
    const earlierByRow = new Map<Values, Record<string, Values>>()
    for (const { posting, row, key } of planned) {
      const balance = await this.balance(posting.ledger, key)
      const earlier = earlierByRow.get(row) ?? {}
      const context: EvalContext = {
        row,
        rowTable: posting.lines ?? form,
        record,
        recordTable: form,
        balance: balance.values,
        balanceTable: posting.ledger.balance,
        earlier,
        earlierTables: Object.fromEntries(form.postings.map((p) => [p.name, p.ledger.form])),
      }
      if (posting.when && evaluate(posting.when, context, BOOLEAN, `${form.key} posting ${posting.name}`) !== true) continue
      const values: Values = {}
      for (const v of posting.values) {
        if (v.reference) values[v.field.key] = plain(v.reference.from === 'parent' ? record[v.reference.key] : row[v.reference.key])
        else if (posting.ledger.key.includes(v.field.key)) values[v.field.key] = key[v.field.key]
        else values[v.field.key] = await this.matchLink(v, evaluate(v.formula!, context, v.field.value, `${form.key} posting ${posting.name}, ${v.field.key}`))
      }
      if (posting.ledger.time) values[posting.ledger.time] = at
      earlier[posting.name] = values
      earlierByRow.set(row, earlier)
      this.apply(balance, values)
      Object.assign(values, sourceFields(form, record, posting.name, batch, null))
      lines.set(posting.ledger, [...(lines.get(posting.ledger) ?? []), values])
    }
    let count = 0
    for (const [ledger, rows] of lines) {
      await this.checkEntry(ledger, rows, form, record)
      await this.service.createMany(ledger.form.key, rows)
      count += rows.length
    }
    await this.flush()
    return count
  }

  /**
   * What a ledger asks of the lines one action writes to it: nothing into a closed month (月结),
   * and, for double entry, debits equal to credits.
   */
  private async checkEntry(ledger: CompiledLedger, rows: Values[], form: FormModel, record: ApiRecord) {
    if (rows.length === 0) return
    const doc = String(plain(record[form.titleField]) ?? record.id)
    if (ledger.periodLock) {
      const lock = ledger.periodLock
      const month = businessDate(this.clock()).slice(0, 7)
      const filter = { and: [{ field: lock.month, op: 'eq', value: month }, { field: lock.closed, op: 'eq', value: true }] }
      if ((await this.service.list(lock.form.key, { filter, limit: 1, total: false })).data.length) {
        throw conflict(`${month} is closed (月结): ${form.key} ${doc} cannot post into it`).because('period_locked', { month, form: form.def.label, record: doc })
      }
    }
    if (ledger.balanced) {
      const sum = (field: string) => rows.reduce((total, row) => total.plus(String(row[field] ?? 0)), new Decimal(0))
      const debit = sum(ledger.balanced.debit)
      const credit = sum(ledger.balanced.credit)
      if (!debit.eq(credit)) {
        const scale = ledger.form.field(ledger.balanced.debit)?.value.scale ?? 2
        throw new ValidationError([
          fieldProblem('(record)', 'journal_unbalanced', `${form.key} ${doc}: the entry does not balance (debit ${debit.toFixed(scale)}, credit ${credit.toFixed(scale)})`, {
            form: form.def.label,
            record: doc,
            debit: debit.toFixed(scale),
            credit: credit.toFixed(scale),
          }),
        ])
      }
    }
  }

  /** A link formula that gave text names the linked record by its `matchBy` field (an account by its code). */
  private async matchLink(value: CompiledPostingValue, result: unknown): Promise<unknown> {
    if (!value.matchBy || result === null || result === undefined) return result
    const target = value.field.value.target!
    const name = `${target}:${value.matchBy}:${String(result)}`
    const known = this.matched.get(name)
    if (known !== undefined) return known
    const found = (await this.service.list(target, { filter: { field: value.matchBy, op: 'eq', value: String(result) }, limit: 2, total: false })).data
    if (found.length !== 1) {
      throw new ValidationError([
        fieldProblem('(record)', 'posting_link_unknown', `no single ${target} record has ${value.matchBy} "${String(result)}"`, { form: target, field: value.matchBy, value: String(result) }),
      ])
    }
    this.matched.set(name, found[0].id)
    return found[0].id
  }

  private async reverseAll(form: FormModel, record: ApiRecord, postings: CompiledPosting[]): Promise<number> {
    let count = 0
    // One batch for everything the action reverses: a journal entry's reversal is one entry.
    const batch = newBatch()
    const at = formatDateTime(this.clock())
    const written = new Map<CompiledLedger, Values[]>()
    for (const posting of postings) {
      const ledger = posting.ledger
      const open = await this.openLines(ledger, form, record, posting.name)
      if (open.length === 0) continue
      await this.lockBalances(open.map((line) => ({ ledger, key: pickKey(ledger, line) })))
      const rows: Values[] = []
      for (const line of open) {
        const balance = await this.balance(ledger, pickKey(ledger, line))
        const values: Values = {}
        for (const field of ledger.form.fields) {
          if (field.computed || field.key in LEDGER_SOURCE_FIELDS || field.storage.kind === 'none') continue
          values[field.key] = plain(line[field.key])
        }
        const amounts = new Set([...Object.values(ledger.add), ...(ledger.balanced ? [ledger.balanced.debit, ledger.balanced.credit] : [])])
        for (const ledgerKey of amounts) values[ledgerKey] = negate(values[ledgerKey])
        if (ledger.time) values[ledger.time] = at
        this.apply(balance, values)
        Object.assign(values, sourceFields(form, record, posting.name, batch, String(line.batch)))
        rows.push(values)
      }
      written.set(ledger, [...(written.get(ledger) ?? []), ...rows])
    }
    for (const [ledger, rows] of written) {
      await this.checkEntry(ledger, rows, form, record)
      await this.service.createMany(ledger.form.key, rows)
      count += rows.length
    }
    await this.flush()
    return count
  }

  private async keyValues(form: FormModel, posting: CompiledPosting, row: Values, record: ApiRecord): Promise<Values> {
    const key: Values = {}
    for (const name of posting.ledger.key) {
      const value = posting.values.find((v) => v.field.key === name)!
      const context: EvalContext = { row, rowTable: posting.lines ?? form, record, recordTable: form, balance: {}, earlier: {} }
      key[name] = value.reference
        ? plain(value.reference.from === 'parent' ? record[value.reference.key] : row[value.reference.key])
        : await this.matchLink(value, evaluate(value.formula!, context, value.field.value, `${form.key} posting ${posting.name}, ${name}`))
      if (key[name] === null || key[name] === undefined) {
        throw new ValidationError([
          fieldProblem('(record)', 'posting_value_empty', `cannot post to ${posting.ledger.form.key}: "${name}" is empty`, { ledger: posting.ledger.form.def.label, field: name }),
        ])
      }
    }
    return key
  }

  /** Locks every balance a posting will touch, in one global order, so two documents cannot deadlock. */
  private async lockBalances(keys: { ledger: CompiledLedger; key: Values }[]) {
    const names = [...new Set(keys.map(({ ledger, key }) => balanceName(ledger, key)))].sort()
    for (const name of names) await this.dialect.lockKey(this.trx, name)
  }

  private async balance(ledger: CompiledLedger, key: Values): Promise<HeldBalance> {
    const name = balanceName(ledger, key)
    const held = this.held.get(name)
    if (held) return held
    const filter = { and: ledger.key.map((k) => ({ field: k, op: 'eq', value: key[k] })) }
    let record = (await this.service.list(ledger.balance.key, { filter, limit: 1, total: false })).data[0]
    if (!record) {
      const zeros = Object.fromEntries(Object.keys(ledger.add).map((k) => [k, '0']))
      record = await this.service.create(ledger.balance.key, { ...key, ...zeros })
    }
    const values: Values = Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plain(v)]))
    const entry: HeldBalance = { ledger, key, record, values, touched: false, lines: [] }
    this.held.set(name, entry)
    return entry
  }

  /** Adds a ledger line into its held balance and fills the line's "after" fields. */
  private apply(balance: HeldBalance, line: Values) {
    const ledger = balance.ledger
    for (const [balanceKey, ledgerKey] of Object.entries(ledger.add)) {
      const scale = ledger.balance.field(balanceKey)!.value.scale ?? 0
      balance.values[balanceKey] = new Decimal(String(balance.values[balanceKey] ?? 0)).plus(String(line[ledgerKey] ?? 0)).toFixed(scale)
    }
    for (const [ledgerKey, balanceKey] of Object.entries(ledger.after)) line[ledgerKey] = balance.values[balanceKey]
    balance.touched = true
    balance.lines.push(line)
  }

  /** Writes the touched balances and checks their constraints. */
  private async flush() {
    const problems: FieldProblem[] = []
    for (const balance of this.held.values()) {
      if (!balance.touched) continue
      const changes = Object.fromEntries(Object.keys(balance.ledger.add).map((k) => [k, balance.values[k]]))
      const updated = await this.service.update(balance.ledger.balance.key, balance.record.id, changes)
      balance.record = updated
      Object.assign(balance.values, Object.fromEntries(Object.entries(updated).map(([k, v]) => [k, plain(v)])))
      balance.touched = false
      const lines = balance.lines
      balance.lines = []
      for (const constraint of balance.ledger.constraints) {
        const ledgerTable = balance.ledger.form
        const applies =
          !constraint.when ||
          lines.some((line) => evaluate(constraint.when!, { row: line, rowTable: ledgerTable, record: line, recordTable: ledgerTable, balance: {}, earlier: {} }, BOOLEAN, ledgerTable.key) === true)
        if (!applies) continue
        const table = balance.ledger.balance
        const context: EvalContext = { row: balance.values, rowTable: table, record: updated, recordTable: table, balance: {}, earlier: {} }
        if (evaluate(constraint.check, context, BOOLEAN, table.key) === true) continue
        if (constraint.unless && evaluate(constraint.unless, context, BOOLEAN, table.key) === true) continue
        // the actor may force it: the balance stays as posted (hooks flag what depends on it)
        if (constraint.override && this.may(constraint.override)) continue
        const text = fillLocalized(constraint.message, updated)
        problems.push(fieldProblem('(record)', 'balance', localize(text), { text }))
      }
    }
    if (problems.length) throw new ValidationError(problems)
  }

  /** The lines a posting wrote for `record` that no reversal has negated yet. */
  private async openLines(ledger: CompiledLedger, form: FormModel, record: ApiRecord, posting: string): Promise<Values[]> {
    const stored = await this.storedLines(ledger, form, record, posting)
    const reversed = new Set(stored.map((l) => l.reverses).filter(Boolean))
    return stored.filter((l) => !l.reverses && !reversed.has(l.batch))
  }

  private async storedLines(ledger: CompiledLedger, form: FormModel, record: ApiRecord, posting: string): Promise<Values[]> {
    const filter = {
      and: [
        { field: 'doc_form', op: 'eq', value: form.key },
        { field: 'doc_id', op: 'eq', value: record.id },
        { field: 'posting', op: 'eq', value: posting },
      ],
    }
    const lines: Values[] = []
    let cursor: string | undefined
    do {
      const page = await this.service.list(ledger.form.key, { filter, sort: 'id', limit: 500, cursor, total: false })
      lines.push(...page.data)
      cursor = page.next_cursor ?? undefined
    } while (cursor)
    return lines
  }
}

interface EvalContext {
  row: Values
  rowTable: TableModel
  record: ApiRecord | Values
  recordTable: TableModel
  balance: Values
  balanceTable?: TableModel
  earlier: Record<string, Values>
  earlierTables?: Record<string, TableModel>
}

const BOOLEAN: ResolvedValue = { kind: 'boolean' }

/** Evaluates a posting or constraint formula; a failure names the form and field it was for. */
function evaluate(formula: CompiledFormula, ctx: EvalContext, target: ResolvedValue, label: string): unknown {
  try {
    return evaluateInto(
      formula,
      (dependency) => {
        const [head, member] = dependency.split('.')
        if (member === undefined) return { value: plain(ctx.row[head]), resolved: ctx.rowTable.field(head)?.value }
        const [source, table] =
          head === 'parent'
            ? [ctx.record, ctx.recordTable]
            : head === 'balance'
              ? [ctx.balance, ctx.balanceTable]
              : [ctx.earlier[head], ctx.earlierTables?.[head]]
        return { value: plain(source?.[member]), resolved: table?.field(member)?.value }
      },
      target,
      new Date(),
    )
  } catch (error) {
    if (!(error instanceof FormulaError)) throw error
    throw new ValidationError([fieldProblem('(record)', 'posting_failed', `${label}: ${error.message}`, { posting: label, reason: error.message })])
  }
}

function sourceRows(posting: CompiledPosting, record: ApiRecord): Values[] {
  if (!posting.lines) return [record]
  return (record[posting.lines.path.split('.')[1]] as Values[] | undefined) ?? []
}

function sourceFields(form: FormModel, record: ApiRecord, posting: string, batch: string, reverses: string | null): Values {
  return {
    doc_form: form.key,
    doc_id: record.id,
    doc_no: String(plain(record[form.titleField]) ?? record.id),
    posting,
    batch,
    reverses,
  }
}

function pickKey(ledger: CompiledLedger, line: Values): Values {
  return Object.fromEntries(ledger.key.map((k) => [k, plain(line[k])]))
}

function balanceName(ledger: CompiledLedger, key: Values): string {
  return `${ledger.balance.key}:${JSON.stringify(ledger.key.map((k) => key[k]))}`
}

function negate(value: unknown): unknown {
  if (value === null || value === undefined) return value
  const d = new Decimal(String(value)).negated()
  return d.isZero() ? d.abs().toString() : d.toString()
}

function newBatch(): string {
  return `${Date.now().toString(36)}-${randomBytes(5).toString('hex')}`
}

/** A constraint's message in every language it has, with the balance's values filled in. */
function fillLocalized(text: LocalizedText, record: ApiRecord): LocalizedText {
  if (typeof text === 'string') return fillMessage(text, record)
  return { 'zh-CN': fillMessage(text['zh-CN'], record), ...(text.en ? { en: fillMessage(text.en, record) } : {}) }
}

/** "库存不足：{sku} 在 {warehouse}" with the balance's display values. */
function fillMessage(message: string, record: ApiRecord): string {
  return message.replace(/\{([a-z][a-z0-9_]*)\}/g, (whole, key: string) => {
    const value = record[key]
    if (value === undefined) return whole
    if (value && typeof value === 'object' && 'display' in value) {
      const link = value as { id: unknown; display: unknown }
      return String(link.display ?? link.id)
    }
    return String(value ?? '')
  })
}
