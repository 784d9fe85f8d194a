import type { Capability } from '../../schema/template/roles'
import type { Knex } from 'knex'
import type { FilterEnv } from '../../schema/filter/prepare'
import type { WorkingRecord } from '../../schema/model/compute'
import type { FormModel, TableModel } from '../../schema/model/types'
import { conditionOn, type CompiledAction } from '../../schema/model/actions'
import type { CompiledFormula } from '../../schema/formula'
import { localize } from '../../schema/lib/localized'
import { PostingEngine } from '../rules/postings'
import { SYSTEM_ACTOR, type Actor } from '../access/actor'
import { hasCapability, linesHidden, type AccessPolicy, type Operation } from '../access/policy'
import type { Filter } from '../../schema/filter/types'
import type { Database } from '../db/connect'
import type { FormRegistry } from '../forms/registry'
import { AppError, badRequest, conflict, fieldProblem, forbidden, notFound, ValidationError, type FieldProblem } from '../lib/errors'
import { checkAction, performAction } from './action-runner'
import { mergeInput, toWorking } from './canonical'
import type { HookRegistry } from './hooks'
import { checkUnique, type LinkedValues } from './checks'
import { findReferrers, refuseReferenced } from './integrity'
import { listRecords } from './lister'
import { aggregateRecords } from './aggregator'
import { normalizeInput, readonlyProblems } from './normalize'
import { applyDefaults, inBatch, prepareBatch, recheckPrepared, single, type PathPrefix } from './pipeline'
import { RecordReader } from './reader'
import { refreshLookupReaders, watchedChanges } from './lookup-refresh'
import { propagateRollups, refreshComputed, type RollupContext } from './rollups'
import { reserveNumbers } from './sequences'
import type { AggregateOptions, AggregateResult, ApiRecord, BatchResult, ListOptions, ListResult, WriteEvent } from './types'
import { whereTuples } from '../query/tuples'
import { ruleActor } from '../audit/actors'
import { diffRecords, imageOf } from '../audit/changes'
import { changedColumns, insertLines, insertRows, insertValueLists, storedColumns, syncLines, updateValueLists } from './writer'

export interface RecordsServiceDeps {
  db: Database
  registry: FormRegistry
  access: AccessPolicy
  hooks: HookRegistry
  actions: ActionRegistry
  /** holds actions back for approval and keeps records under approval unchanged (server/approvals) */
  gate?: ActionGate
  clock?: () => number
}

/** What the gate sees of an action about to run. */
export interface GateContext {
  trx: Knex.Transaction
  form: FormModel
  action: CompiledAction
  record: ApiRecord
  params: Record<string, unknown>
  actor: Actor
}

/**
 * Stands in front of every action run and every change of a record: an action that needs approval
 * becomes an approval request instead of running, and a record under approval cannot change.
 */
export interface ActionGate {
  /** inside the action's transaction: what to answer instead of running the action, or null to run it */
  intercept(ctx: GateContext): Promise<unknown | null>
  /** throws (409) when any of the records may not change now */
  assertUnlocked(trx: Knex.Transaction, form: FormModel, ids: number[]): Promise<void>
}

export interface RunOptions {
  /** the approval of this run was granted (the approvals module runs it as the requester) */
  approved?: boolean
}

/** What an action handler gets: the record (locked), the services bound to the transaction. */
export interface ActionContext {
  /** the records service as the acting user, inside the action's transaction */
  service: RecordsService
  /** the records service as the system (writes ledgers, balances, system fields) */
  system: RecordsService
  /** posts and reverses the form's declared postings */
  postings: PostingEngine
  form: FormModel
  action: CompiledAction
  /** the record the action runs on (the first one for a collective action) */
  record: ApiRecord
  /** every record of a collective action (merge, pick-list creation), all locked */
  records: ApiRecord[]
  params: Record<string, unknown>
  trx: Knex.Transaction
  actor: Actor
  /**
   * Runs `work` in a savepoint: if it throws, only its writes are undone and the error is
   * rethrown, so a handler can record why (e.g. "insufficient stock") and go on.
   */
  savepoint<T>(work: (inner: Pick<ActionContext, 'service' | 'system' | 'postings' | 'trx'>) => Promise<T>): Promise<T>
}

/** A workflow step a template names as an action's handler, run inside the write transaction. */
export type ActionHandler = (ctx: ActionContext) => Promise<unknown>

export interface RegisteredHandler {
  run: ActionHandler
  /** runs once for all selected records in one transaction, instead of once per record */
  collective: boolean
}

/** One record's failure in a bulk action: the same fields as an error response. */
type BulkFailure = Pick<AppError, 'code' | 'reason' | 'params' | 'message'> & { details: unknown }

export class ActionRegistry {
  private readonly handlers = new Map<string, RegisteredHandler>()
  register(name: string, handler: ActionHandler, options: { collective?: boolean } = {}): void {
    this.handlers.set(name, { run: handler, collective: Boolean(options.collective) })
  }
  get(name: string): RegisteredHandler | undefined {
    return this.handlers.get(name)
  }
  names(): string[] {
    return [...this.handlers.keys()]
  }
}

/** One record of an import batch: a new record, or (with `id`) the changes to an existing one. */
export interface ImportItem {
  id?: number
  input: Record<string, unknown>
  /** set by checkImport on a new record it found right: writeImport then skips computing it again */
  prepared?: PreparedImport
}

/** A new record checkImport computed and validated; opaque to callers (only this module makes one). */
export interface PreparedImport {
  readonly form: string
}
interface Prepared extends PreparedImport {
  working: WorkingRecord
  userId: number | null
  /** the linked values it was computed from */
  linked: LinkedValues
}
/** the prepared records this module made: a caller cannot forge one to skip validation */
const madeHere = new WeakSet<PreparedImport>()

export interface UpsertOptions {
  /** the fields that identify a record, e.g. ['shop', 'tid'] */
  by: string[]
  /** a datetime field: an incoming record older than the stored one is left alone */
  ifNewer?: string
}

/** afterCommit events of a transaction, run once it commits. */
const pendingEvents = new WeakMap<Knex.Transaction, WriteEvent[]>()
/** audit rows of a transaction, written just before it commits */
const pendingAudit = new WeakMap<Knex.Transaction, Record<string, unknown>[]>()
const MAX_BATCH = 5000
/** a write the database refused for a deadlock or a serialization failure is tried again */
const MAX_ATTEMPTS = 5

/**
 * The only path to form data. Every read and write from the API, the CLI, imports, rules and the
 * Taobao sync comes through here: access check → normalize → one transaction (links, computed
 * fields, validation, unique values, auto-numbers, rows, lines, audit, rollups, hooks) → after-
 * commit hooks. Bound to an actor, and optionally to an outer transaction.
 */
export class RecordsService {
  private readonly clock: () => number

  constructor(
    private readonly deps: RecordsServiceDeps,
    readonly actor: Actor = SYSTEM_ACTOR,
    private readonly trx: Knex.Transaction | null = null,
  ) {
    this.clock = deps.clock ?? Date.now
  }

  as(actor: Actor): RecordsService {
    return new RecordsService(this.deps, actor, this.trx)
  }

  /** This service, writing inside `trx` (rules and handlers that write more records). */
  within(trx: Knex.Transaction): RecordsService {
    return new RecordsService(this.deps, this.actor, trx)
  }

  /** Runs several writes as one transaction (with the write lock taken first). */
  transaction<T>(work: (service: RecordsService, trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.write((trx) => work(this.within(trx), trx))
  }

  hasForm(key: string): boolean {
    return this.deps.registry.get(key) !== undefined
  }

  private get knex(): Knex {
    return this.trx ?? this.deps.db.knex
  }

  /** A person's writes skip read-only fields; the system (actions, rules, sync) sets them. */
  private get fromUser(): boolean {
    return this.actor.role !== 'system'
  }

  /** PostgreSQL runs writers side by side: linked rows are key-share locked so they cannot vanish mid-write. */
  private get lockLinked(): boolean {
    return this.deps.db.dialect.name === 'postgres'
  }

  private env(): FilterEnv {
    return { now: this.clock(), userId: this.actor.userId, shops: this.actor.shops ?? [], warehouses: this.actor.warehouses ?? [] }
  }

  /** The rows an operation may touch (null: all of them). */
  private scopeOf(form: FormModel, operation: Operation): Filter | null {
    const { access } = this.deps
    return access.scope ? access.scope(this.actor, operation, form) : access.readScope(this.actor, form)
  }

  /** A record as the actor may see it: hidden fields (and hidden sub-form fields) left out. */
  redact<T extends ApiRecord>(form: FormModel, record: T): T {
    return redactRecord(record, this.deps.access.hiddenFields(this.actor, form))
  }

  /** Refuses (422) a user's write of a field read-only or hidden to them. */
  private checkReadonly(form: FormModel, input: unknown, existing: ApiRecord | null) {
    const problems = this.readonlyInputProblems(form, input, existing, '')
    if (problems.length) throw new ValidationError(problems)
  }

  private readonlyInputProblems(form: FormModel, input: unknown, existing: ApiRecord | null, at: string): FieldProblem[] {
    const problems: FieldProblem[] = []
    const readonly = this.fromUser ? this.deps.access.readonlyFields?.(this.actor, form) : undefined
    if (!readonly || readonly.size === 0 || typeof input !== 'object' || input === null) return problems
    const body = input as Record<string, unknown>
    for (const [key, value] of Object.entries(body)) {
      const field = form.field(key)
      if (!field) continue
      if (readonly.has(key)) {
        if (existing ? !sameValue(existing[key], value) : !isBlank(value)) problems.push(fieldProblem(at + key, 'field_readonly_for_role', `you may not change "${key}"`, { field: field.def.label }))
        continue
      }
      if (field.lines && Array.isArray(value)) {
        const lineKeys = [...readonly].filter((k) => k.startsWith(`${key}.`)).map((k) => k.slice(key.length + 1))
        if (!lineKeys.length) continue
        const before = new Map(((existing?.[key] as Record<string, unknown>[] | undefined) ?? []).map((l) => [Number(l.id), l]))
        for (const [i, line] of value.entries()) {
          if (typeof line !== 'object' || line === null) continue
          const old = before.get(Number((line as { id?: unknown }).id))
          for (const lineKey of lineKeys) {
            if (!(lineKey in line)) continue
            const v = (line as Record<string, unknown>)[lineKey]
            if (old ? !sameValue(old[lineKey], v) : !isBlank(v)) {
              problems.push(fieldProblem(`${at}${key}[${i}].${lineKey}`, 'field_readonly_for_role', `you may not change "${key}.${lineKey}"`, { field: field.lines.field(lineKey)?.def.label ?? lineKey }))
            }
          }
        }
      }
    }
    return problems
  }

  /** Refuses (403) records a write left outside the rows the actor may write. */
  private async assertInScope(trx: Knex.Transaction, form: FormModel, operation: Operation, ids: number[]) {
    const scope = this.scopeOf(form, operation)
    if (!scope || ids.length === 0) return
    const visible = await this.idsInScope(trx, form, scope, ids)
    if (ids.some((id) => !visible.has(id))) throw forbidden('the record would be outside the rows you may change').because('record_outside_scope', { form: form.def.label })
  }

  /** Which of these records match a row scope. */
  private async idsInScope(knex: Knex, form: FormModel, scope: Filter, ids: number[]): Promise<Set<number>> {
    const out = new Set<number>()
    const unique = [...new Set(ids)]
    for (let i = 0; i < unique.length; i += 500) {
      const chunk = unique.slice(i, i + 500)
      const page = await listRecords(knex, this.deps.db.dialect, this.deps.registry, form, { filter: { and: [scope, { field: 'id', op: 'in', value: chunk }] }, limit: 500, total: false }, this.env(), null, new Set())
      for (const r of page.data) out.add(r.id)
    }
    return out
  }

  private form(key: string, operation: Operation): FormModel {
    const form = this.deps.registry.require(key)
    this.deps.access.check(this.actor, operation, form)
    return form
  }

  private reader(knex: Knex = this.knex) {
    return new RecordReader(knex, this.deps.registry)
  }

  // ---- reads ----------------------------------------------------------------------------------

  async list(formKey: string, options: ListOptions = {}): Promise<ListResult> {
    const form = this.form(formKey, 'read')
    const { access, db, registry } = this.deps
    return listRecords(this.knex, db.dialect, registry, form, options, this.env(), access.readScope(this.actor, form), access.hiddenFields(this.actor, form))
  }

  /**
   * Groups and measures a form's records (or a sub-form's lines: `orders.lines`) in one SQL
   * statement, under the same access checks as `list`: the row scope applies and hidden fields
   * read as unknown. See docs/api.md#aggregates.
   */
  async aggregate(path: string, options: AggregateOptions): Promise<AggregateResult> {
    const { access, db, registry } = this.deps
    const [formKey, sub, extra] = path.split('.')
    const form = this.form(formKey, 'read')
    const hidden = access.hiddenFields(this.actor, form)
    const readScope = access.readScope(this.actor, form)
    const none: ReadonlySet<string> = new Set()
    let table: TableModel = form
    if (sub !== undefined) {
      const lines = form.field(sub)?.lines
      if (!lines || hidden.has(sub) || extra !== undefined) throw notFound(`no form "${path}"`).because('unknown_form', { form: path })
      table = lines
    }
    const linked = (target: TableModel) => {
      const owner = registry.require((target.parent ?? target).path)
      access.check(this.actor, 'read', owner)
      const ownerHidden = access.hiddenFields(this.actor, owner)
      // lines of a hidden sub-form are hidden as a whole
      if (target.parent && ownerHidden.has(target.path.split('.')[1])) return new Set(target.fields.map((f) => f.key))
      return target.parent ? linesHidden(ownerHidden, target.path.split('.')[1]) : ownerHidden
    }
    return aggregateRecords(
      this.knex,
      db.dialect,
      registry,
      {
        table,
        scope: readScope ? { filter: readScope, table: form } : null,
        hidden: sub === undefined ? hidden : linesHidden(hidden, sub),
        parentHidden: sub === undefined ? none : hidden,
        linked,
      },
      options,
      this.env(),
    )
  }

  async get(formKey: string, id: number): Promise<ApiRecord> {
    const form = this.form(formKey, 'read')
    const record = await this.load(form, id, this.knex, 'read', true)
    if (!record) throw notFound(`${formKey} record ${id} does not exist`).because('record_not_found', { form: form.def.label, id })
    return record
  }

  /**
   * One record if it is in the rows `operation` may touch; `redact` leaves out what the actor may not
   * see (writes load it whole: a hidden value must survive an update it was not sent with).
   */
  private async load(form: FormModel, id: number, knex: Knex, operation: Operation = 'read', redact = false): Promise<ApiRecord | undefined> {
    const scope = this.scopeOf(form, operation)
    if (scope) {
      const visible = await listRecords(knex, this.deps.db.dialect, this.deps.registry, form, { filter: { and: [scope, { field: 'id', op: 'eq', value: id }] }, limit: 1, total: false }, this.env(), null, new Set())
      if (visible.data.length === 0) return undefined
    }
    const [record] = await this.reader(knex).load(form, [id], { lines: true, now: this.clock() })
    return record && redact ? this.redact(form, record) : record
  }

  // ---- writes ---------------------------------------------------------------------------------

  async create(formKey: string, input: unknown): Promise<ApiRecord> {
    const [record] = await this.createRecords(formKey, [input], single, true)
    return record
  }

  /** Several records in one transaction: all are written, or none. */
  async createMany(formKey: string, inputs: unknown[]): Promise<ApiRecord[]> {
    return this.createRecords(formKey, inputs, inBatch, true)
  }

  /** createMany for batch writers that need only the new ids (records are not read back unless hooks want them). */
  async createManyIds(formKey: string, inputs: unknown[]): Promise<number[]> {
    return (await this.createRecords(formKey, inputs, inBatch, false)).map((r) => r.id)
  }

  private async createRecords(formKey: string, inputs: unknown[], prefix: PathPrefix, returnRecords: boolean): Promise<ApiRecord[]> {
    const form = this.form(formKey, 'create')
    if (!Array.isArray(inputs) || inputs.length === 0) throw badRequest('send at least one record').because('batch_empty')
    if (inputs.length > MAX_BATCH) throw badRequest(`send at most ${MAX_BATCH} records at once`).because('batch_too_large', { max: MAX_BATCH })
    const readonly = inputs.flatMap((input, i) => this.readonlyInputProblems(form, input, null, prefix(i)))
    if (readonly.length) throw new ValidationError(readonly)
    const { records, problems } = this.normalizeAll(form, inputs, prefix)
    const created = await this.write(async (trx) => {
      const ids = await this.insertPrepared(trx, form, records, prefix, problems)
      await this.assertInScope(trx, form, 'create', ids)
      if (!returnRecords && !this.deps.hooks.has(form.key, 'create')) return ids.map((id) => ({ id, version: 1 }))
      const created = await this.reader(trx).load(form, ids, { lines: true })
      await this.emit(trx, form, 'create', created.map((r) => ({ id: r.id, before: null, after: r })))
      return created
    })
    return created.map((r) => this.redact(form, r))
  }

  /** Reads inputs; new records get their defaults (upserts apply them only to the ones they create). */
  private normalizeAll(form: FormModel, inputs: unknown[], prefix: PathPrefix, defaults = true) {
    const problems: FieldProblem[] = []
    const now = this.clock()
    const records = inputs.map((input, i) => {
      const normalized = normalizeInput(form, input, prefix(i), this.fromUser)
      problems.push(...normalized.problems)
      if (defaults) {
        applyDefaults(form, normalized.record, this.actor, now)
        problems.push(...readonlyProblems(normalized.record, normalized.record))
      }
      return normalized.record
    })
    return { records, problems }
  }

  /** Validates, numbers and inserts new records (with lines and value lists); returns their ids. */
  private async insertPrepared(
    trx: Knex.Transaction,
    form: FormModel,
    records: WorkingRecord[],
    prefix: PathPrefix,
    earlier: FieldProblem[],
    auditAsBatch = false,
    checked: LinkedValues[] | null = null,
  ): Promise<number[]> {
    const now = this.clock()
    if (form.def.singleton) {
      const existing = await trx(form.table).count({ n: '*' }).first()
      if (Number(existing?.n ?? 0) + records.length > 1) throw conflict(`"${localize(form.def.label)}" holds a single record; edit the existing one`).because('single_record_form', { form: form.def.label })
    }
    // records an import's check computed are only checked again for what may have changed since
    const rechecked = checked !== null && (await recheckPrepared(trx, this.deps.registry, form, records, prefix, checked, this.lockLinked))
    if (!rechecked) {
      await this.deps.hooks.prepare({ form, action: 'create', records, trx, actor: this.actor })
      await prepareBatch(trx, this.deps.registry, form, records, prefix, this.env(), earlier, this.lockLinked)
    }
    for (const field of form.fields.filter((f) => f.computed === 'auto_number')) {
      const numbers = await reserveNumbers(trx, form, field, records.length, now)
      records.forEach((r, i) => (r.values[field.key] = numbers[i]))
    }
    const userId = this.actor.userId
    const rows = records.map((r) => ({
      ...storedColumns(form, r),
      version: 1,
      created_at: now,
      updated_at: now,
      created_by: userId,
      updated_by: userId,
      ...(form.document ? { doc_status: 'draft' } : {}),
    }))
    const ids = await this.guardUnique(() => insertRows(trx, form.table, rows, true))
    await insertLines(trx, form, ids, records)
    await insertValueLists(trx, form, ids, records)
    // A creation is logged with its after-image; an import's batch is one entry listing its records
    // (under the first one's id) with their images, so a large import stays one row per batch.
    if (auditAsBatch && ids.length) await this.audit(trx, form, [{ id: ids[0], action: 'import', changes: { ids, after: records.map((r) => imageOf(form, r)) } }])
    else await this.audit(trx, form, ids.map((id, i) => ({ id, action: 'create', changes: { after: imageOf(form, records[i]) } })))
    await this.propagate(trx, form, records.map((r) => ({ before: null, after: r })))
    return ids
  }

  async update(formKey: string, id: number, input: unknown, options: { version?: number } = {}): Promise<ApiRecord> {
    const form = this.form(formKey, 'update')
    if (options.version !== undefined && !Number.isInteger(options.version)) throw badRequest('version must be an integer').because('bad_version')
    const { record: patch, problems } = normalizeInput(form, input, '', this.fromUser)
    return this.write(async (trx) => {
      const existing = await this.lockAndLoad(trx, form, id, 'update')
      if (options.version !== undefined && existing.version !== options.version) {
        throw conflict(`${formKey} record ${id} was changed by someone else (version ${existing.version}, you had ${options.version}); reload and try again`, {
          current_version: existing.version,
        }).because('stale_version', { form: form.def.label, id })
      }
      this.assertEditable(form, existing)
      await this.assertUnlocked(trx, form, [id])
      this.checkReadonly(form, input, existing)
      applyDefaults(form, patch, this.actor, this.clock(), 'new_lines')
      const { working, unknownLineIds } = mergeInput(form, existing, patch)
      for (const path of unknownLineIds) problems.push(fieldProblem(path, 'unknown_line', 'is not a line of this record'))
      problems.push(...readonlyProblems(patch, working))
      const changed = await this.updatePrepared(trx, form, existing, working, single, problems)
      if (!changed) return this.redact(form, existing)
      await this.assertInScope(trx, form, 'update', [id])
      const after = (await this.reader(trx).load(form, [id], { lines: true }))[0]
      await this.emit(trx, form, 'update', [{ id, before: existing, after }])
      return this.redact(form, after)
    })
  }

  /** Writes one prepared update; returns false when nothing changed (no version bump, no audit). */
  private async updatePrepared(trx: Knex.Transaction, form: FormModel, existing: ApiRecord, working: WorkingRecord, prefix: PathPrefix, earlier: FieldProblem[]): Promise<boolean> {
    await this.prepareUpdates(trx, form, [working], prefix, earlier)
    const change = await this.applyUpdate(trx, form, existing, working)
    if (change) await this.propagate(trx, form, [change])
    return change !== null
  }

  /** Hooks and validation for records about to be updated, as one batch. */
  private async prepareUpdates(trx: Knex.Transaction, form: FormModel, workings: WorkingRecord[], prefix: PathPrefix, earlier: FieldProblem[]) {
    await this.deps.hooks.prepare({ form, action: 'update', records: workings, trx, actor: this.actor })
    await prepareBatch(trx, this.deps.registry, form, workings, prefix, this.env(), earlier, this.lockLinked)
  }

  /**
   * Writes a validated update: changed columns, lines, value lists, version and audit. Returns
   * the before/after pair for rollup propagation, or null when nothing changed (no write at all).
   */
  private async applyUpdate(trx: Knex.Transaction, form: FormModel, existing: ApiRecord, working: WorkingRecord): Promise<{ before: WorkingRecord; after: WorkingRecord } | null> {
    const before = toWorking(form, existing)
    const changes = changedColumns(form, working, before)
    let linesChanged = false
    for (const field of form.fields) {
      if (!field.lines || !(field.key in working.lines)) continue
      const previous = before.lines[field.key] ?? []
      const kept = new Set(working.lines[field.key].map((l) => l.id))
      const removedLines = previous.filter((l) => !kept.has(l.id)).map((l) => l.id!)
      const referrers = await findReferrers(trx, this.deps.registry, field.lines.path, removedLines)
      if (referrers.length) refuseReferenced(referrers, form, existing.id, true)
      const result = await syncLines(trx, field, existing.id, working.lines[field.key], previous)
      linesChanged ||= result.changed
    }
    const valuesBefore = JSON.stringify(form.fields.filter((f) => f.storage.kind === 'values').map((f) => before.values[f.key]))
    const valuesAfter = JSON.stringify(form.fields.filter((f) => f.storage.kind === 'values').map((f) => working.values[f.key]))
    if (valuesBefore !== valuesAfter) await updateValueLists(trx, form, existing.id, working, before)
    if (Object.keys(changes).length === 0 && !linesChanged && valuesBefore === valuesAfter) return null
    const updated = await this.guardUnique(() =>
      trx(form.table)
        .where({ id: existing.id, version: existing.version })
        .update({ ...changes, version: existing.version + 1, updated_at: this.clock(), updated_by: this.actor.userId }),
    )
    if (updated !== 1) throw conflict(`${form.key} record ${existing.id} was changed by someone else; reload and try again`).because('stale_version', { form: form.def.label, id: existing.id })
    await this.audit(trx, form, [{ id: existing.id, action: 'update', changes: diffRecords(form, before, working) }])
    return { before, after: working }
  }

  /**
   * The batch path for imports and the sync: records matched by `by` are updated, the rest
   * created, all in one transaction, with the same validation and hooks as single writes. A
   * record whose values would not change is left untouched, so re-running an import is a no-op.
   */
  async upsertMany(formKey: string, inputs: unknown[], options: UpsertOptions): Promise<BatchResult> {
    const form = this.form(formKey, 'create')
    this.deps.access.check(this.actor, 'update', form)
    if (inputs.length > MAX_BATCH) throw badRequest(`send at most ${MAX_BATCH} records at once`).because('batch_too_large', { max: MAX_BATCH })
    for (const key of options.by) if (!form.field(key) || form.field(key)!.storage.kind !== 'column') throw badRequest(`cannot match records by "${key}"`).because('cannot_match_by', { field: key })
    // matching by values would let a scoped user reach rows outside their scope: such users write record by record
    if (this.fromUser && (this.scopeOf(form, 'update') || this.scopeOf(form, 'create') || (this.deps.access.readonlyFields?.(this.actor, form).size ?? 0) > 0)) {
      throw forbidden('upsert is for users who may change every row and field of the form').because('permission_denied', { form: form.def.label, permission: 'import' })
    }
    const { records, problems } = this.normalizeAll(form, inputs, inBatch, false)
    if (problems.length) throw new ValidationError(problems)
    return this.write(async (trx) => {
      const keyOf = (values: Record<string, unknown>) => JSON.stringify(options.by.map((k) => String(values[k] ?? '')))
      const existingIds = await this.matchExisting(trx, form, records, options.by, keyOf)
      const existing = new Map((await this.reader(trx).load(form, [...new Set(existingIds.values())], { lines: true })).map((r) => [r.id, r]))
      const fresh: WorkingRecord[] = []
      const updates: { index: number; current: ApiRecord; working: WorkingRecord }[] = []
      const result: BatchResult = { created: 0, updated: 0, unchanged: 0, ids: [], changed: [] }
      const seen = new Set<string>()
      const readonly: FieldProblem[] = []
      for (const [i, record] of records.entries()) {
        const key = keyOf(record.values)
        if (seen.has(key)) throw new ValidationError([fieldProblem(`[${i}].${options.by[0]}`, 'repeated_in_batch', 'appears twice in this batch')])
        seen.add(key)
        const id = existingIds.get(key)
        const current = id === undefined ? undefined : existing.get(id)
        if (!current) {
          applyDefaults(form, record, this.actor, this.clock())
          readonly.push(...readonlyProblems(record, record))
          fresh.push(record)
          continue
        }
        // An update leaves fields it does not carry as they are; only its new lines get defaults.
        applyDefaults(form, record, this.actor, this.clock(), 'new_lines')
        result.ids.push(current.id)
        if (options.ifNewer && isOlder(record.values[options.ifNewer], current[options.ifNewer])) {
          result.unchanged++
          continue
        }
        this.assertEditable(form, current)
        const { working } = mergeInput(form, current, matchLinesByKey(form, current, record))
        readonly.push(...readonlyProblems(record, working))
        updates.push({ index: i, current, working })
      }
      if (readonly.length) throw new ValidationError(readonly)
      await this.assertUnlocked(trx, form, updates.map((u) => u.current.id))
      if (updates.length) {
        // All updates validated together (one query per linked table), then written one by one.
        await this.prepareUpdates(trx, form, updates.map((u) => u.working), (j) => `[${updates[j].index}].`, [])
        const changes: { before: WorkingRecord; after: WorkingRecord }[] = []
        for (const { current, working } of updates) {
          const change = await this.applyUpdate(trx, form, current, working)
          if (!change) {
            result.unchanged++
            continue
          }
          result.updated++
          result.changed.push(current.id)
          changes.push(change)
          if (this.deps.hooks.has(form.key, 'update')) {
            const after = (await this.reader(trx).load(form, [current.id], { lines: true }))[0]
            await this.emit(trx, form, 'update', [{ id: current.id, before: current, after }])
          }
        }
        await this.propagate(trx, form, changes)
      }
      if (fresh.length) {
        const ids = await this.insertPrepared(trx, form, fresh, inBatch, [])
        result.ids.push(...ids)
        result.changed.push(...ids)
        result.created = ids.length
        if (this.deps.hooks.has(form.key, 'create')) {
          const created = await this.reader(trx).load(form, ids, { lines: true })
          await this.emit(trx, form, 'create', created.map((r) => ({ id: r.id, before: null, after: r })))
        }
      }
      return result
    })
  }

  // ---- imports (server/imports): validate a whole file first, then write it in short batches ----

  /**
   * Everything a write of these records would check, without writing: the same normalizing,
   * defaults, hooks, links, computed values, rules and unique values, in a transaction that is
   * rolled back. Items with an `id` update that record. Answers every problem, with paths `[i].…`
   * (i: the item's index), instead of throwing on the first batch-wide failure.
   */
  async checkImport(formKey: string, items: ImportItem[]): Promise<FieldProblem[]> {
    const form = this.importForm(formKey, items)
    const trx = await this.deps.db.knex.transaction()
    try {
      const { workings, problems } = await this.importWorkings(trx, form, items, false)
      const fresh = workings.flatMap((w, i) => (items[i].id === undefined ? [w] : []))
      const changed = workings.flatMap((w, i) => (items[i].id === undefined ? [] : [w]))
      if (fresh.length) await this.deps.hooks.prepare({ form, action: 'create', records: fresh, trx, actor: this.actor })
      if (changed.length) await this.deps.hooks.prepare({ form, action: 'update', records: changed, trx, actor: this.actor })
      let all = problems
      const seen: { linked?: LinkedValues } = {}
      try {
        await prepareBatch(trx, this.deps.registry, form, workings, inBatch, this.env(), problems, false, seen)
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error
        all = error.problems
      }
      const bad = new Set(all.map((p) => Number(/^\[(\d+)\]/.exec(p.field)?.[1])))
      if (all.length) {
        // prepareBatch checks unique values only once all else is right: check the good records' anyway
        const good = workings.flatMap((w, i) => (bad.has(i) ? [] : [{ w, i }]))
        all.push(...(await checkUnique(trx, form, good.map((g) => g.w), (j) => `[${good[j].i}].`)))
        for (const p of all) bad.add(Number(/^\[(\d+)\]/.exec(p.field)?.[1]))
      }
      // New records found right keep what was computed for them; records a prepare hook may change are prepared again when written.
      const keep = seen.linked && !this.deps.hooks.hasPrepare(form.key) ? seen.linked : null
      items.forEach((item, i) => {
        item.prepared = undefined
        if (keep && item.id === undefined && !bad.has(i)) {
          const prepared: Prepared = { form: form.key, working: workings[i], userId: this.actor.userId, linked: keep }
          madeHere.add(prepared)
          item.prepared = prepared
        }
      })
      return all
    } finally {
      await trx.rollback()
    }
  }

  /**
   * Writes one batch of an import in one transaction: updates (items with an `id`) and creates, with
   * the same validation, hooks, audit and rollups as any write. Answers the new ids and what the
   * updated records were before, so the import can undo the batch if a later one fails.
   */
  async writeImport(formKey: string, items: ImportItem[]): Promise<{ created: number[]; before: ApiRecord[]; unchanged: number }> {
    const form = this.importForm(formKey, items)
    return this.write(async (trx) => {
      const { workings, problems, existing, reused } = await this.importWorkings(trx, form, items, true)
      const updates = items.flatMap((item, i) => (item.id === undefined ? [] : [i]))
      const creates = items.flatMap((item, i) => (item.id === undefined ? [i] : []))
      if (problems.length) throw new ValidationError(problems)
      const before: ApiRecord[] = []
      let unchanged = 0
      if (updates.length) {
        await this.assertUnlocked(trx, form, updates.map((i) => items[i].id!))
        await this.prepareUpdates(trx, form, updates.map((i) => workings[i]), (j) => `[${updates[j]}].`, [])
        const changes: { before: WorkingRecord; after: WorkingRecord }[] = []
        for (const i of updates) {
          const current = existing.get(items[i].id!)!
          const change = await this.applyUpdate(trx, form, current, workings[i])
          if (!change) {
            unchanged++
            continue
          }
          before.push(current)
          changes.push(change)
          if (this.deps.hooks.has(form.key, 'update')) {
            const after = (await this.reader(trx).load(form, [current.id], { lines: true }))[0]
            await this.emit(trx, form, 'update', [{ id: current.id, before: current, after }])
          }
        }
        await this.propagate(trx, form, changes)
      }
      let created: number[] = []
      if (creates.length) {
        created = await this.insertPrepared(trx, form, creates.map((i) => workings[i]), (j) => `[${creates[j]}].`, [], true, reused)
        await this.assertInScope(trx, form, 'create', created)
        if (this.deps.hooks.has(form.key, 'create')) {
          const records = await this.reader(trx).load(form, created, { lines: true })
          await this.emit(trx, form, 'create', records.map((r) => ({ id: r.id, before: null, after: r })))
        }
      }
      return { created, before, unchanged }
    })
  }

  /**
   * Undoes written import batches: deletes the records they created and puts back what the updated
   * ones held (lines come back as new lines). Runs as the system, in batches.
   */
  async undoImport(formKey: string, created: number[], before: ApiRecord[]): Promise<void> {
    const form = this.deps.registry.require(formKey)
    // the import's own undo: done with the system's rights, recorded as the importing actor's
    const system = this.as({ ...ruleActor(this.actor), source: this.actor.source })
    for (let i = 0; i < created.length; i += 500) await system.write((trx) => system.deleteCreated(trx, form, created.slice(i, i + 500)))
    for (const record of before) {
      const input: Record<string, unknown> = {}
      for (const field of form.fields) {
        if (field.computed && field.computed !== 'copy') continue
        if (field.lines) input[field.key] = ((record[field.key] as Record<string, unknown>[]) ?? []).map((line) => restorable(field.lines!, line))
        else if (field.storage.kind !== 'none') input[field.key] = toWorking(form, record).values[field.key] ?? null
      }
      await system.update(formKey, record.id, input)
    }
  }

  /**
   * Deletes records an import created, several at once: refused like any delete if something links
   * to them by now; their lines and value lists go with them; one audit entry lists them.
   */
  private async deleteCreated(trx: Knex.Transaction, form: FormModel, ids: number[]) {
    const existing = await this.reader(trx).load(form, ids, { lines: true })
    if (!existing.length) return
    const own = new Set(ids)
    const referrers = (await findReferrers(trx, this.deps.registry, form.key, ids))
      .map((r) => ({ ...r, recordIds: r.link.form === form ? r.recordIds.filter((id) => !own.has(id)) : r.recordIds }))
      .filter((r) => r.recordIds.length)
    if (referrers.length) refuseReferenced(referrers, form, ids[0])
    for (const field of form.fields) {
      if (!field.lines) continue
      const lineIds = existing.flatMap((r) => ((r[field.key] as { id: number }[]) ?? []).map((l) => l.id))
      const lineReferrers = await findReferrers(trx, this.deps.registry, field.lines.path, lineIds)
      if (lineReferrers.length) refuseReferenced(lineReferrers, form, ids[0], true)
    }
    for (const field of form.fields) {
      const child = field.lines?.table ?? (field.storage.kind === 'values' ? `${form.table}__${field.key}` : null)
      if (child) await trx(child).whereIn('parent_id', ids).delete()
    }
    await trx(form.table).whereIn('id', ids).delete()
    await this.audit(trx, form, [{ id: ids[0], action: 'undo_import', changes: { ids } }])
    await this.propagate(trx, form, existing.map((r) => ({ before: toWorking(form, r), after: null })))
    if (this.deps.hooks.has(form.key, 'delete')) await this.emit(trx, form, 'delete', existing.map((r) => ({ id: r.id, before: r, after: null })))
  }

  /**
   * Record ids by the text of one of their fields (links and update keys in an import name records
   * by their title or a unique field): one query per 500 values.
   */
  async matchValues(formKey: string, fieldKey: string, values: string[]): Promise<Map<string, number[]>> {
    const form = this.form(formKey, 'read')
    const field = form.field(fieldKey)
    if (!field || field.storage.kind !== 'column') throw badRequest(`cannot match records by "${fieldKey}"`).because('cannot_match_by', { field: fieldKey })
    const found = new Map<string, number[]>()
    const unique = [...new Set(values)].flatMap((v) => {
      const normalized = field.codec.normalize(v, field.value)
      return normalized.ok && normalized.value !== null ? [field.codec.toStored(normalized.value, field.value)] : []
    })
    for (let i = 0; i < unique.length; i += 500) {
      const stored = unique.slice(i, i + 500)
      for (const row of await this.knex(form.table).whereIn(fieldKey, stored as Knex.Value[]).select('id', fieldKey)) {
        const text = String(field.codec.fromStored(row[fieldKey], field.value))
        found.set(text, [...(found.get(text) ?? []), Number(row.id)])
      }
    }
    return found
  }

  /** A form's model, for a reader that may read it (imports map columns to its fields). */
  formModel(formKey: string): FormModel {
    return this.form(formKey, 'read')
  }

  private importForm(formKey: string, items: ImportItem[]): FormModel {
    const form = this.form(formKey, 'create')
    if (this.fromUser) this.deps.access.check(this.actor, 'import', form)
    if (items.some((item) => item.id !== undefined)) this.deps.access.check(this.actor, 'update', form)
    if (items.length > MAX_BATCH) throw badRequest(`send at most ${MAX_BATCH} records at once`).because('batch_too_large', { max: MAX_BATCH })
    return form
  }

  /** Import items read into working records: new ones with defaults, updates merged over what they change. */
  private async importWorkings(trx: Knex.Transaction, form: FormModel, items: ImportItem[], lock: boolean) {
    const problems: FieldProblem[] = []
    const now = this.clock()
    const ids = items.flatMap((item) => (item.id === undefined ? [] : [item.id]))
    const existing = new Map<number, ApiRecord>()
    if (ids.length) {
      if (lock && this.deps.db.dialect.name === 'postgres') await trx(form.table).whereIn('id', [...ids].sort((a, b) => a - b)).forUpdate().select('id')
      // a record outside the rows the user may change reads as missing
      const scope = this.scopeOf(form, 'update')
      const visible = scope ? await this.idsInScope(trx, form, scope, ids) : null
      for (const record of await this.reader(trx).load(form, ids, { lines: true })) if (!visible || visible.has(record.id)) existing.set(record.id, record)
    }
    // A write of records all prepared by checkImport (same form, same person) reuses them
    const prepared = lock ? items.map((item) => this.preparedOf(form, item)) : []
    if (lock && items.length && prepared.every((p) => p !== null)) {
      return { workings: prepared.map((p) => p!.working), problems, existing, reused: [...new Set(prepared.map((p) => p!.linked))] }
    }
    const workings = items.map((item, i) => {
      const at = `[${i}].`
      const { record, problems: read } = normalizeInput(form, item.input, at, this.fromUser)
      problems.push(...read)
      problems.push(...this.readonlyInputProblems(form, item.input, item.id === undefined ? null : (existing.get(item.id) ?? null), at))
      if (item.id === undefined) {
        applyDefaults(form, record, this.actor, now)
        problems.push(...readonlyProblems(record, record))
        return record
      }
      const current = existing.get(item.id)
      if (!current) {
        problems.push(fieldProblem(`${at}id`, 'record_not_found', `${form.key} record ${item.id} does not exist`, { form: form.def.label, id: item.id }))
        return record
      }
      try {
        this.assertEditable(form, current)
      } catch (error) {
        if (!(error instanceof AppError)) throw error
        problems.push({ field: `${at}id`, code: error.reason, params: error.params, message: error.message })
      }
      applyDefaults(form, record, this.actor, now, 'new_lines')
      const { working } = mergeInput(form, current, record)
      problems.push(...readonlyProblems(record, working))
      return working
    })
    return { workings, problems, existing, reused: null }
  }

  private preparedOf(form: FormModel, item: ImportItem): Prepared | null {
    const prepared = item.prepared
    if (!prepared || !madeHere.has(prepared) || item.id !== undefined) return null
    const own = prepared as Prepared
    return own.form === form.key && own.userId === this.actor.userId && !this.deps.hooks.hasPrepare(form.key) ? own : null
  }

  private async matchExisting(trx: Knex, form: FormModel, records: WorkingRecord[], by: string[], keyOf: (v: Record<string, unknown>) => string): Promise<Map<string, number>> {
    const found = new Map<string, number>()
    for (let start = 0; start < records.length; start += 200) {
      const chunk = records.slice(start, start + 200)
      const tuples = chunk.map((r) => by.map((k) => form.field(k)!.codec.toStored(r.values[k], form.field(k)!.value)))
      for (const row of await whereTuples(trx(form.table).select(['id', ...by]), by, tuples)) {
        const values = Object.fromEntries(by.map((k) => [k, form.field(k)!.codec.fromStored(row[k], form.field(k)!.value)]))
        found.set(keyOf(values), Number(row.id))
      }
    }
    return found
  }

  async delete(formKey: string, id: number): Promise<void> {
    const form = this.form(formKey, 'delete')
    await this.write(async (trx) => {
      const existing = await this.lockAndLoad(trx, form, id, 'delete')
      this.assertEditable(form, existing, 'deleted')
      await this.assertUnlocked(trx, form, [id])
      await this.deleteLoaded(trx, form, existing)
    })
  }

  /** Deletes several records in one transaction: all of them, or none. */
  async deleteMany(formKey: string, ids: number[]): Promise<number> {
    const form = this.form(formKey, 'delete')
    if (ids.length > MAX_BATCH) throw badRequest(`delete at most ${MAX_BATCH} records at once`).because('batch_too_large', { max: MAX_BATCH })
    await this.write(async (trx) => {
      for (const id of new Set(ids)) {
        const existing = await this.lockAndLoad(trx, form, id, 'delete')
        this.assertEditable(form, existing, 'deleted')
        await this.assertUnlocked(trx, form, [id])
        await this.deleteLoaded(trx, form, existing)
      }
    })
    return new Set(ids).size
  }

  private async deleteLoaded(trx: Knex.Transaction, form: FormModel, existing: ApiRecord) {
    const registry = this.deps.registry
    const service = this.within(trx)
    for (const referrer of await findReferrers(trx, registry, form.key, [existing.id])) {
      const policy = (referrer.link.field.def.on_delete as string | undefined) ?? 'restrict'
      const linkKey = referrer.link.field.key
      const referringForm = referrer.link.form
      if (referrer.link.table !== referringForm && policy !== 'restrict') {
        throw conflict(`${form.key} record ${existing.id} is used in lines of ${referringForm.key}; remove those lines first`).because('record_in_lines', {
          form: form.def.label,
          id: existing.id,
          by: referringForm.def.label,
        })
      }
      if (policy === 'restrict') refuseReferenced([referrer], form, existing.id)
      for (const rid of referrer.recordIds) {
        if (rid === existing.id && referringForm === form) continue
        if (policy === 'cascade') await service.deleteCascaded(referringForm, rid)
        else {
          const current = await this.reader(trx).load(referringForm, [rid], { lines: true })
          const value = current[0]?.[linkKey]
          const next = Array.isArray(value) ? value.filter((v) => (v as { id: number }).id !== existing.id) : null
          await service.update(referringForm.key, rid, { [linkKey]: next })
        }
      }
    }
    for (const field of form.fields) {
      if (!field.lines) continue
      const lineIds = ((existing[field.key] as { id: number }[]) ?? []).map((l) => l.id)
      const referrers = await findReferrers(trx, registry, field.lines.path, lineIds)
      if (referrers.length) refuseReferenced(referrers, form, existing.id, true)
    }
    // Child tables go with their parent (ON DELETE CASCADE, and explicitly for clarity).
    for (const field of form.fields) {
      const child = field.lines?.table ?? (field.storage.kind === 'values' ? `${form.table}__${field.key}` : null)
      if (child) await trx(child).where({ parent_id: existing.id }).delete()
    }
    await trx(form.table).where({ id: existing.id }).delete()
    const before = toWorking(form, existing)
    await this.audit(trx, form, [{ id: existing.id, action: 'delete', changes: { before: imageOf(form, before) } }])
    await this.propagate(trx, form, [{ before, after: null }])
    await this.emit(trx, form, 'delete', [{ id: existing.id, before: existing, after: null }])
  }

  private async deleteCascaded(form: FormModel, id: number) {
    this.deps.access.check(this.actor, 'delete', form)
    const existing = await this.lockAndLoad(this.trx!, form, id, 'delete')
    this.assertEditable(form, existing, 'deleted')
    await this.assertUnlocked(this.trx!, form, [id])
    await this.deleteLoaded(this.trx!, form, existing)
  }

  /**
   * Runs one of the form's actions — submit/void for documents, or one the template declares —
   * in one transaction with everything it posts. An action with a handler does its own work
   * (and posts through ctx.postings); one without sets its fields, then reverses and posts what
   * the template's postings say for it.
   */
  async runAction(formKey: string, id: number, actionKey: string, params: Record<string, unknown> = {}, options: RunOptions = {}): Promise<{ record: ApiRecord; result: unknown }> {
    const { form, action, handler } = this.resolveAction(formKey, actionKey)
    const { records, result } = await this.runOn(form, action, handler, [id], params, options)
    return { record: records[0] && this.redact(form, records[0]), result }
  }

  /**
   * An action on several records. Collective handlers (merge, pick lists) run once, in one
   * transaction, with all of them; other actions run record by record, each in its own
   * transaction, and the answer lists which succeeded and why the others did not.
   */
  async runBulkAction(formKey: string, ids: number[], actionKey: string, params: Record<string, unknown> = {}) {
    const { form, action, handler } = this.resolveAction(formKey, actionKey)
    const unique = [...new Set(ids)]
    if (unique.length === 0 || unique.length > 500) throw badRequest('send 1 to 500 record ids').because('bad_record_ids', { max: 500 })
    if (handler?.collective) {
      const { records, result } = await this.runOn(form, action, handler, unique, params)
      return { collective: true, result, records: records.map((r) => this.redact(form, r)) }
    }
    if (!action.bulk) throw badRequest(`"${localize(action.label)}" runs on one record at a time`).because('action_not_bulk', { action: action.label })
    const results: { id: number; ok: boolean; result?: unknown; error?: BulkFailure }[] = []
    for (const id of unique) {
      try {
        const { result } = await this.runOn(form, action, handler, [id], params)
        results.push({ id, ok: true, result })
      } catch (error) {
        if (!(error instanceof AppError)) throw error
        results.push({ id, ok: false, error: { code: error.code, reason: error.reason, params: error.params, message: error.message, details: error.details ?? null } })
      }
    }
    return { collective: false, results }
  }

  private resolveAction(formKey: string, actionKey: string) {
    const form = this.form(formKey, `action:${actionKey}`)
    const action = form.actions.find((a) => a.key === actionKey)
    if (!action || action.client) throw notFound(`form "${formKey}" has no server action "${actionKey}"`).because('unknown_action', { form: formKey, action: actionKey })
    return { form, action, handler: this.handlerOf(form, action) }
  }

  /** The handler that does an action (documents' submit and void are built in); none for declared steps. */
  private handlerOf(form: FormModel, action: CompiledAction): RegisteredHandler | undefined {
    const handlerName = action.handler ?? (form.document && ['submit', 'void'].includes(action.key) ? `document.${action.key}` : undefined)
    const handler = handlerName ? this.deps.actions.get(handlerName) : undefined
    if (handlerName && !handler) throw new Error(`action handler "${handlerName}" is not registered`)
    return handler
  }

  /**
   * Whether an action's `when` holds for a record as it is (the sync asks before it runs one,
   * instead of repeating the template's conditions).
   */
  actionAvailable(formKey: string, record: ApiRecord, actionKey: string): boolean {
    const form = this.deps.registry.require(formKey)
    const action = form.actions.find((a) => a.key === actionKey)
    if (!action || action.client) return false
    return !action.condition || conditionHolds(form, action.condition, record, this.clock())
  }

  private async runOn(form: FormModel, action: CompiledAction, handler: RegisteredHandler | undefined, ids: number[], params: Record<string, unknown>, options: RunOptions = {}) {
    return this.write(async (trx) => {
      const records: ApiRecord[] = []
      for (const id of [...ids].sort((a, b) => a - b)) {
        const record = await this.lockAndLoad(trx, form, id, `action:${action.key}`)
        if (action.condition && !conditionHolds(form, action.condition, record, this.clock())) {
          throw conflict(`"${localize(action.label)}" cannot be done on ${form.key} record ${id} now (it needs ${action.when})`).because('action_not_now', {
            action: action.label,
            form: form.def.label,
            id,
          })
        }
        records.push(record)
      }
      await this.assertUnlocked(trx, form, records.map((r) => r.id))
      const bind = (inner: Knex.Transaction) => {
        // the action's rules run with the system's rights, recorded as done for the acting user
        const system = this.as(ruleActor(this.actor)).within(inner)
        const may = (capability: string) => hasCapability(this.deps.access, this.actor, capability as Capability)
        return { service: this.within(inner), system, postings: new PostingEngine(system, inner, this.deps.db.dialect, this.clock, may), trx: inner }
      }
      const ctx: ActionContext = {
        ...bind(trx),
        form,
        action,
        record: records[0],
        records,
        params,
        actor: this.actor,
        // A savepoint's audit rows and after-commit events join the transaction's only if it succeeds.
        savepoint: async (work) => {
          let savepoint: Knex.Transaction | null = null
          const result = await trx.transaction((inner) => {
            savepoint = inner
            return work(bind(inner))
          })
          for (const [buffers, key] of [[pendingAudit, savepoint!], [pendingEvents, savepoint!]] as const) {
            const moved = (buffers as WeakMap<Knex.Transaction, unknown[]>).get(key) ?? []
            if (moved.length) (buffers as WeakMap<Knex.Transaction, unknown[]>).set(trx, [...((buffers as WeakMap<Knex.Transaction, unknown[]>).get(trx) ?? []), ...moved])
          }
          return result
        },
      }
      const run = { ctx, handlerOf: (a: CompiledAction) => (a === action ? handler : this.handlerOf(form, a)), now: this.clock() }
      // An action that needs approval is asked for (once its params and requires hold) instead of run.
      if (action.approval && !options.approved) {
        if (!this.deps.gate) throw new Error(`"${action.key}" needs approval but no approval gate is wired`)
        if (handler?.collective) throw badRequest(`"${localize(action.label)}" runs on several records at once and cannot need approval`).because('approval_collective', { action: action.label })
        checkAction(run, action)
        const answer = await this.deps.gate.intercept({ trx, form, action, record: records[0], params, actor: this.actor })
        if (answer !== null) return { records, result: answer }
      }
      // The one place actions run.
      const result = await performAction(run, action)
      const after = await this.reader(trx).load(form, records.map((r) => r.id), { lines: true })
      const afterById = new Map(after.map((r) => [r.id, r]))
      await this.audit(
        trx,
        form,
        records.map((r) => {
          const now = afterById.get(r.id)
          const fields = now ? diffRecords(form, statusOf(form, r), statusOf(form, now)) : {}
          return { id: r.id, action: action.key, changes: { params, result: result ?? null, fields } }
        }),
      )
      await this.emit(trx, form, action.key, records.map((r) => ({ id: r.id, before: r, after: afterById.get(r.id) ?? null })))
      return { records: after, result }
    })
  }

  /**
   * Sets fields of a record inside an action, whatever its document status (an action may mark a
   * submitted document paid, shipped…). Same validation and computing as an update.
   */
  async updateFields(trx: Knex.Transaction | null, formOrKey: FormModel | string, record: ApiRecord | number, values: Record<string, unknown>): Promise<ApiRecord> {
    if (!trx) return this.write((inner) => this.updateFields(inner, formOrKey, record, values))
    const form = typeof formOrKey === 'string' ? this.form(formOrKey, 'update') : formOrKey
    const id = typeof record === 'number' ? record : record.id
    const { record: patch, problems } = normalizeInput(form, values, '', this.fromUser)
    const current = (await this.reader(trx).load(form, [id], { lines: true }))[0]
    if (!current) throw notFound(`${form.key} record ${id} does not exist`).because('record_not_found', { form: form.def.label, id })
    const { working } = mergeInput(form, current, patch)
    await this.updatePrepared(trx, form, current, working, single, problems)
    return (await this.reader(trx).load(form, [id], { lines: true }))[0]
  }

  /** Changes a document's status (used by the submit/void actions); returns the record as it is now. */
  async setDocumentStatus(trx: Knex.Transaction, form: FormModel, record: ApiRecord, status: 'draft' | 'submitted' | 'void'): Promise<ApiRecord> {
    const updated = await trx(form.table)
      .where({ id: record.id, version: record.version })
      .update({ doc_status: status, version: record.version + 1, updated_at: this.clock(), updated_by: this.actor.userId })
    if (updated !== 1) throw conflict(`${form.key} record ${record.id} was changed by someone else; reload and try again`).because('stale_version', { form: form.def.label, id: record.id })
    const after = (await this.reader(trx).load(form, [record.id], { lines: true }))[0]
    // Rollups elsewhere may count only submitted documents: recompute what this one links to.
    const working = toWorking(form, after)
    await this.propagate(trx, form, [{ before: working, after: working }])
    return after
  }

  // ---- plumbing -------------------------------------------------------------------------------

  /** Records under approval stay as they were asked about (only forms that declare approvals can have any). */
  private async assertUnlocked(trx: Knex.Transaction, form: FormModel, ids: number[]) {
    if (this.deps.gate && ids.length && form.actions.some((a) => a.approval)) await this.deps.gate.assertUnlocked(trx, form, ids)
  }

  private assertEditable(form: FormModel, record: ApiRecord, verb = 'edited') {
    if (form.document && record.doc_status !== 'draft') {
      throw conflict(`${form.key} record ${record.id} is ${record.doc_status}; only drafts can be ${verb} (void it and issue a new one)`).because('not_a_draft', {
        form: form.def.label,
        id: record.id,
        status: String(record.doc_status),
      })
    }
    // editable_when: past it, only actions (and the system) change the record.
    if (this.fromUser && form.editable && !conditionHolds(form, form.editable, record, this.clock())) {
      const title = String(record[form.titleField] ?? record.id)
      const { locked_message: text, editable_when: condition } = form.def
      const why = text ? localize(text) : `it can be ${verb} only while ${condition}; use its actions`
      const refused = conflict(`${localize(form.def.label)} ${title}: ${why}`)
      throw text ? refused.because('record_locked', { form: form.def.label, record: title, text }) : refused.because('record_locked_when', { form: form.def.label, record: title, condition: condition! })
    }
  }

  /** Loads a record for writing; on PostgreSQL its row stays locked until the transaction ends. */
  private async lockAndLoad(trx: Knex.Transaction, form: FormModel, id: number, operation: Operation): Promise<ApiRecord> {
    if (!Number.isSafeInteger(id) || id <= 0) throw notFound(`${form.key} record ${id} does not exist`).because('record_not_found', { form: form.def.label, id })
    if (this.deps.db.dialect.name === 'postgres') await trx(form.table).where({ id }).forUpdate().select('id')
    const record = await this.load(form, id, trx, operation)
    if (!record) throw notFound(`${form.key} record ${id} does not exist`).because('record_not_found', { form: form.def.label, id })
    return record
  }

  /**
   * Recomputes the stored computed fields of every record of a form (after the designer added or
   * changed a formula or rollup), in short transactions of a few hundred records so a large form
   * never holds the write lock for long. Derived values only: no version bump, no audit entry.
   */
  async recomputeAll(formKey: string): Promise<number> {
    const form = this.deps.registry.require(formKey)
    let after = 0
    let count = 0
    for (;;) {
      const ids = (await this.deps.db.knex(form.table).where('id', '>', after).orderBy('id').limit(500).pluck('id')).map(Number)
      if (!ids.length) return count
      await this.write((trx) => refreshComputed({ trx, dialect: this.deps.db.dialect, registry: this.deps.registry, env: this.env() }, form, ids))
      count += ids.length
      after = ids[ids.length - 1]
    }
  }

  private async propagate(trx: Knex.Transaction, form: FormModel, changes: { before: WorkingRecord | null; after: WorkingRecord | null }[]) {
    const ctx: RollupContext = { trx, dialect: this.deps.db.dialect, registry: this.deps.registry, env: this.env() }
    const idsOf = (records: (WorkingRecord | null)[], link: string) =>
      records.flatMap((r) => {
        const v = r?.values[link]
        return typeof v === 'number' ? [v] : Array.isArray(v) ? (v as number[]) : []
      })
    await propagateRollups(ctx, form.key, (link) => idsOf(changes.flatMap((c) => [c.before, c.after]), link))
    for (const field of form.fields) {
      if (!field.lines) continue
      const lines = changes.flatMap((c) => [...(c.before?.lines[field.key] ?? []), ...(c.after?.lines[field.key] ?? [])])
      await propagateRollups(ctx, field.lines.path, (link) => idsOf(lines, link))
    }
    // Stored values elsewhere computed from this record through lookups (an order line's weight).
    await refreshLookupReaders(ctx, watchedChanges(this.deps.registry.lookups, form, changes))
  }

  /** Audit entries are collected per transaction and written in one statement before it commits. */
  private async audit(trx: Knex.Transaction, form: FormModel, entries: { id: number; action: string; changes: unknown }[]) {
    const at = this.clock()
    const buffer = pendingAudit.get(trx) ?? []
    const { userId, onBehalfOf, username, tokenId, source, ip } = this.actor
    const who = { user_id: userId ?? onBehalfOf ?? null, actor_name: username, token_id: tokenId ?? null, source: source ?? null, ip: ip ?? null }
    buffer.push(...entries.map((e) => ({ at, ...who, form: form.key, record_id: e.id, action: e.action, changes: JSON.stringify(e.changes) })))
    pendingAudit.set(trx, buffer)
  }

  private async emit(trx: Knex.Transaction, form: FormModel, action: string, records: WriteEvent['records']) {
    const event: WriteEvent = { form, action, records, trx, actor: this.actor }
    await this.deps.hooks.run('beforeCommit', event)
    const pending = pendingEvents.get(trx) ?? []
    pending.push(event)
    pendingEvents.set(trx, pending)
  }

  /**
   * Runs `work` in a transaction that holds the write lock (or in the outer transaction this
   * service is bound to), fires the write's hooks, and retries when the database asks to.
   */
  private async write<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    if (this.trx) return work(this.trx)
    const { db } = this.deps
    for (let attempt = 1; ; attempt++) {
      let committed: Knex.Transaction | null = null
      try {
        const result = await db.knex.transaction(async (trx) => {
          committed = trx
          await db.dialect.lockForWrite(trx)
          const result = await work(trx)
          await insertRows(trx, 'zg_audit', pendingAudit.get(trx) ?? [], false)
          return result
        })
        for (const event of pendingEvents.get(committed!) ?? []) await this.deps.hooks.run('afterCommit', event)
        return result
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !db.dialect.isRetryable(error)) throw error
        // A deadlock's victim (say an order edit against a SKU edit refreshing that order) waits a
        // little, at random, so that the same writers do not meet in the same order again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * attempt))
      }
    }
  }

  /** A unique index the pre-check could not see (a concurrent write) still gives a clear 409. */
  private async guardUnique<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      const violation = this.deps.db.dialect.uniqueViolation(error)
      if (!violation) throw error
      throw new AppError(409, 'conflict', `a value that must be unique is already used (${violation.constraint ?? 'unique index'})`).because('unique_violation')
    }
  }
}

/** Whether a condition over a record holds (doc_status included for documents). */
export function conditionHolds(form: FormModel, condition: CompiledFormula, record: ApiRecord, now: number): boolean {
  return conditionOn(form, condition, toWorking(form, record), { docStatus: record.doc_status }, new Date(now))
}

/** A stored line as input that recreates it (without its id). */
function restorable(table: TableModel, line: Record<string, unknown>): Record<string, unknown> {
  const working = toWorking(table, line)
  return Object.fromEntries(table.fields.filter((f) => (!f.computed || f.computed === 'copy') && f.storage.kind !== 'none').map((f) => [f.key, working.values[f.key] ?? null]))
}

/** A record as the audit compares it across an action: its values, lines and document status. */
function statusOf(form: FormModel, record: ApiRecord): WorkingRecord {
  const working = toWorking(form, record)
  if (form.document) working.values.doc_status = record.doc_status ?? null
  return working
}

function isOlder(incoming: unknown, stored: unknown): boolean {
  if (typeof incoming !== 'string' || typeof stored !== 'string') return false
  return Date.parse(incoming) < Date.parse(stored)
}

/** Gives incoming lines the ids of stored lines with the same line key (e.g. a Taobao oid). */
function matchLinesByKey(form: FormModel, current: ApiRecord, incoming: WorkingRecord): WorkingRecord {
  const lines: Record<string, WorkingRecord[]> = {}
  for (const [key, list] of Object.entries(incoming.lines)) {
    const field = form.field(key)
    const lineKey = field?.def.line_key as string | undefined
    if (!lineKey) {
      lines[key] = list
      continue
    }
    const stored = new Map(((current[key] as Record<string, unknown>[]) ?? []).map((l) => [String(l[lineKey]), l.id as number]))
    lines[key] = list.map((line) => (line.id === undefined && stored.has(String(line.values[lineKey])) ? { ...line, id: stored.get(String(line.values[lineKey])) } : line))
  }
  return { ...incoming, lines }
}

/** A record without the fields in `hidden` (`lines.unit_cost` for a sub-form's field). */
export function redactRecord<T extends Record<string, unknown>>(record: T, hidden: ReadonlySet<string>): T {
  if (hidden.size === 0) return record
  const out: Record<string, unknown> = { ...record }
  for (const key of hidden) if (!key.includes('.')) delete out[key]
  for (const [key, value] of Object.entries(out)) {
    if (!Array.isArray(value)) continue
    const inner = linesHidden(hidden, key)
    if (inner.size === 0) continue
    out[key] = value.map((line) => {
      if (typeof line !== 'object' || line === null) return line
      const copy = { ...(line as Record<string, unknown>) }
      for (const k of inner) delete copy[k]
      return copy
    })
  }
  return out as T
}

function isBlank(value: unknown): boolean {
  return value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)
}

/** Whether an input value leaves a stored one as it is (a link sent as 3 or {id: 3}, a number as text). */
function sameValue(stored: unknown, input: unknown): boolean {
  const norm = (v: unknown): unknown => {
    if (v && typeof v === 'object' && !Array.isArray(v) && 'id' in (v as object)) return Number((v as { id: unknown }).id)
    if (Array.isArray(v)) return v.map(norm)
    if (v === undefined || v === '') return null
    if (typeof v === 'number') return String(v)
    return v
  }
  return JSON.stringify(norm(stored)) === JSON.stringify(norm(input))
}
