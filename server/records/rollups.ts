import type { Knex } from 'knex'
import type { WorkingRecord } from '../../schema/model/compute'
import { computeRecord } from '../../schema/model/compute'
import { prepareFilter, type FilterEnv, type PreparedFilter } from '../../schema/filter/prepare'
import type { FieldModel, FormModel, TableModel } from '../../schema/model/types'
import type { Dialect } from '../db/dialects/types'
import type { FormRegistry } from '../forms/registry'
import { Decimal } from '../../schema/lib/decimal'
import { compileFilter } from '../query/filter-sql'
import { TableScope } from '../query/scope'
import { id, selectRows } from '../query/sql'
import { fetchLookedUp } from './checks'
import { noteChanged, refreshLookupReaders, type ChangedFields } from './lookup-refresh'
import { bulkUpdate, changedColumns } from './writer'

const MAX_DEPTH = 8

export interface RollupContext {
  trx: Knex.Transaction
  dialect: Dialect
  registry: FormRegistry
  env: FilterEnv
}

/**
 * Rows of `path` (a form or sub-form) were written: the records that their links point at, in
 * forms with rollups over `path`, get those rollups recomputed — and their own dependent fields,
 * and so on down the chain. `touched` lists the link values before and after the write.
 */
export async function propagateRollups(ctx: RollupContext, path: string, touched: (link: string) => number[], depth = 0): Promise<void> {
  if (depth > MAX_DEPTH) throw new Error(`rollups nest more than ${MAX_DEPTH} levels deep from "${path}"`)
  const byForm = new Map<FormModel, Set<number>>()
  for (const rollup of ctx.registry.rollupsOver(path)) {
    const targets = [...new Set(touched(rollup.link))]
    if (targets.length === 0) continue
    // A rollup in a sub-form aggregates into lines: refresh the records those lines belong to.
    const recordIds = rollup.table === rollup.form ? targets : await parentsOf(ctx.trx, rollup.table, targets)
    const set = byForm.get(rollup.form) ?? new Set()
    recordIds.forEach((i) => set.add(i))
    byForm.set(rollup.form, set)
  }
  for (const [form, ids] of byForm) await refreshComputed(ctx, form, [...ids], depth + 1)
}

async function parentsOf(trx: Knex.Transaction, lines: TableModel, lineIds: number[]): Promise<number[]> {
  const rows = await trx(lines.table).whereIn('id', lineIds).distinct('parent_id')
  return rows.map((r: { parent_id: number }) => Number(r.parent_id))
}

/**
 * Recomputes every computed field of some records from the database's current state — rollups
 * over other forms by SQL, lookups from the linked records, the rest in memory — and stores what
 * changed. The version is not bumped: users never write computed fields, so nobody's edit can be
 * lost. Copies keep their value (their links did not change). What changed is passed on: to
 * rollups over these rows, and to stored values elsewhere that read them through lookups.
 */
export async function refreshComputed(ctx: RollupContext, form: FormModel, ids: number[], depth = 0): Promise<void> {
  if (ids.length === 0) return
  if (depth > MAX_DEPTH) throw new Error(`computed values depend on each other more than ${MAX_DEPTH} levels deep at "${form.key}"`)
  if (ctx.dialect.name === 'postgres') {
    // Wait for writers of these records, then aggregate what they committed (READ COMMITTED reads
    // per statement): without it two writers each sum without the other's rows, and the last wins.
    // NO KEY UPDATE, like the UPDATE itself: it does not wait for writers that merely link here.
    const sorted = [...ids].sort((a, b) => a - b)
    for (let i = 0; i < sorted.length; i += 500) await ctx.trx(form.table).whereIn('id', sorted.slice(i, i + 500)).orderBy('id').forNoKeyUpdate().select('id')
  }
  const before = await loadWorking(ctx, form, ids)
  const working = structuredClone(before)
  const linesOf = (record: WorkingRecord, table: TableModel) => record.lines[table.path.split('.')[1]] ?? []

  for (const { table, fields } of groupRollups(collectRollups(form))) {
    const owners = table === form ? ids : working.flatMap((r) => linesOf(r, table).map((l) => l.id!))
    const values = await aggregateFromDatabase(ctx, fields, owners)
    for (const record of working) {
      const targets = table === form ? [record] : linesOf(record, table)
      for (const target of targets) for (const field of fields) target.values[field.key] = values.get(field.key)!.get(target.id!) ?? emptyAggregate(field)
    }
  }

  // Which rows' computed values changed, per table path, with their link values for propagation.
  const changedRows = new Map<string, Record<string, unknown>[]>()
  const changedFields: ChangedFields = new Map()
  const noteChange = (path: string, values: Record<string, unknown>, id: number, changes: Record<string, unknown>) => {
    if (!changedRows.has(path)) changedRows.set(path, [])
    changedRows.get(path)!.push(values)
    for (const key of Object.keys(changes)) noteChanged(changedFields, path, key, id)
  }
  const updates = new Map<TableModel, { id: number; changes: Record<string, unknown> }[]>()
  const queue = (table: TableModel, id: number, changes: Record<string, unknown>) => {
    if (!updates.has(table)) updates.set(table, [])
    updates.get(table)!.push({ id, changes })
  }
  const linked = await fetchLookedUp(ctx.trx, ctx.registry, form, working)
  for (const [i, record] of working.entries()) {
    record.previous = before[i].values
    for (const [key, lines] of Object.entries(record.lines)) lines.forEach((l, j) => (l.previous = before[i].lines[key][j]?.values))
    // A value that cannot be computed any more (say a division by a weight now 0) is stored blank:
    // the write that changed what it reads is not the place to refuse it.
    computeRecord(form, record, { linked, env: ctx.env })
    const changes = onlyComputed(form, changedColumns(form, record, before[i]))
    if (Object.keys(changes).length) {
      queue(form, record.id!, changes)
      noteChange(form.key, record.values, record.id!, changes)
    }
    for (const field of form.fields) {
      if (!field.lines) continue
      for (const [j, line] of (record.lines[field.key] ?? []).entries()) {
        const lineChanges = onlyComputed(field.lines, changedColumns(field.lines, line, before[i].lines[field.key][j]))
        if (Object.keys(lineChanges).length === 0) continue
        queue(field.lines, line.id!, lineChanges)
        noteChange(field.lines.path, line.values, line.id!, lineChanges)
      }
    }
  }
  for (const [table, rows] of updates) await bulkUpdate(ctx.trx, ctx.dialect, table, rows)
  for (const [path, rows] of changedRows) {
    await propagateRollups(ctx, path, (link) => rows.map((r) => r[link]).filter((v): v is number => typeof v === 'number'), depth)
  }
  await refreshLookupReaders(ctx, changedFields, depth)
}

const computedKeys = new WeakMap<TableModel, Set<string>>()

function onlyComputed(table: TableModel, changes: Record<string, unknown>): Record<string, unknown> {
  let computed = computedKeys.get(table)
  if (!computed) computedKeys.set(table, (computed = new Set(table.fields.filter((f) => f.computed && f.computed !== 'copy').map((f) => f.key))))
  return Object.fromEntries(Object.entries(changes).filter(([k]) => computed.has(k)))
}

function collectRollups(form: FormModel): { table: TableModel; field: FieldModel }[] {
  const tables: TableModel[] = [form, ...form.fields.flatMap((f) => (f.lines ? [f.lines] : []))]
  return tables.flatMap((table) =>
    table.fields.filter((f) => f.computed === 'rollup' && typeof f.def.source === 'object').map((field) => ({ table, field })),
  )
}

/**
 * Records as stored, straight from their rows (no joins, no value lists): all that recomputing
 * needs, since formulas and rollups read only stored columns and lines.
 */
async function loadWorking(ctx: RollupContext, form: FormModel, ids: number[]): Promise<WorkingRecord[]> {
  const decode = (table: TableModel, row: Record<string, unknown>): WorkingRecord => {
    const values: Record<string, unknown> = {}
    for (const field of table.fields) {
      if (field.storage.kind === 'column') values[field.key] = field.codec.fromStored(row[field.key], field.value)
      else if (field.storage.kind === 'columns') {
        values[field.key] = field.codec.fromStored(Object.fromEntries(field.storage.parts.map((p) => [p.part, row[`${field.key}_${p.part}`]])), field.value)
      } else if (field.storage.kind === 'values') values[field.key] = []
    }
    return { values, lines: {}, id: Number(row.id) }
  }
  const byId = new Map<number, WorkingRecord>()
  for (let i = 0; i < ids.length; i += 500) {
    for (const row of await ctx.trx(form.table).whereIn('id', ids.slice(i, i + 500))) byId.set(Number(row.id), decode(form, row))
  }
  for (const field of form.fields) {
    if (!field.lines) continue
    for (const record of byId.values()) record.lines[field.key] = []
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await ctx.trx(field.lines.table).whereIn('parent_id', ids.slice(i, i + 500)).orderBy(['parent_id', 'line_no'])
      for (const row of rows) byId.get(Number(row.parent_id))?.lines[field.key].push(decode(field.lines, row))
    }
  }
  return ids.map((id) => byId.get(id)).filter((r): r is WorkingRecord => Boolean(r))
}

/** Rollups reading the same rows with the same filter are computed by one query. */
function groupRollups(rollups: { table: TableModel; field: FieldModel }[]): { table: TableModel; fields: FieldModel[] }[] {
  const groups = new Map<string, { table: TableModel; fields: FieldModel[] }>()
  for (const { table, field } of rollups) {
    const key = `${table.path}|${JSON.stringify(field.def.source)}|${JSON.stringify(field.def.filter ?? null)}`
    const group = groups.get(key) ?? { table, fields: [] }
    group.fields.push(field)
    groups.set(key, group)
  }
  return [...groups.values()]
}

function emptyAggregate(field: FieldModel): unknown {
  const aggregate = field.def.aggregate
  return aggregate === 'sum' || aggregate === 'count' ? (0).toFixed(field.value.scale ?? 0) : null
}

/** SUM/COUNT/MIN/MAX/AVG of the linking rows, grouped by the record they link to (several rollups at once). */
async function aggregateFromDatabase(ctx: RollupContext, fields: FieldModel[], ownerIds: number[]): Promise<Map<string, Map<number, unknown>>> {
  const result = new Map(fields.map((f) => [f.key, new Map<number, unknown>()]))
  const first = fields[0]
  const source = first.def.source as { form: string; sub_form?: string; link: string }
  const rows = ctx.registry.table(source.sub_form ? `${source.form}.${source.sub_form}` : source.form)
  if (ownerIds.length === 0 || !rows) return result
  const link = rows.field(source.link)!
  if (link.storage.kind !== 'column') return result // rollups over multi-links are not supported yet
  const scope = new TableScope(rows, 'r', ctx.registry)
  let where = ''
  let bindings: unknown[] = []
  if (first.def.filter !== undefined) {
    const prepared = prepareFilter(first.def.filter, rows, ctx.env)
    if (prepared.filter) {
      const sql = compileFilter(prepared.filter as PreparedFilter, scope, ctx.dialect, ctx.registry)
      where = ` AND ${sql.text}`
      bindings = [...sql.bindings]
    }
  }
  // AVG as SUM and COUNT so the division is exact (see decodeAggregate).
  const expressions = fields.map((field, i) => {
    const counted = field.def.field ? rows.field(field.def.field as string) : undefined
    const column = counted ? id('r', counted.key) : ''
    const aggregate = String(field.def.aggregate)
    if (aggregate === 'count') return `COUNT(*) AS ${id(`a${i}`)}`
    if (aggregate === 'avg') return `SUM(${column}) AS ${id(`s${i}`)}, COUNT(${column}) AS ${id(`a${i}`)}`
    return `${aggregate.toUpperCase()}(${column}) AS ${id(`a${i}`)}`
  })
  const linkColumn = id('r', link.key)
  for (let i = 0; i < ownerIds.length; i += 500) {
    const chunk = ownerIds.slice(i, i + 500)
    const sql = `SELECT ${linkColumn} AS owner, ${expressions.join(', ')} FROM ${scope.from()} WHERE ${linkColumn} IN (${chunk.map(() => '?').join(', ')})${where} GROUP BY ${linkColumn}`
    for (const row of await selectRows(ctx.trx, sql, [...chunk, ...bindings])) {
      fields.forEach((field, k) => {
        const counted = field.def.field ? rows.field(field.def.field as string) : undefined
        result.get(field.key)!.set(Number(row.owner), decodeAggregate(field, counted, { value: row[`a${k}`], total: row[`s${k}`] }))
      })
    }
  }
  return result
}

function decodeAggregate(field: FieldModel, counted: FieldModel | undefined, row: Record<string, unknown>): unknown {
  if (field.def.aggregate === 'avg' && counted) {
    if (row.total === null || row.total === undefined || !Number(row.value)) return null
    const sum = new Decimal(String(row.total)).div(new Decimal(10).pow(counted.value.scale ?? 0))
    return sum.div(String(row.value)).toDecimalPlaces(field.value.scale ?? 0, Decimal.ROUND_HALF_UP).toFixed(field.value.scale ?? 0)
  }
  const value = row.value
  if (value === null || value === undefined) return null
  if (field.def.aggregate === 'count') return String(Number(value))
  return counted ? counted.codec.fromStored(value, counted.value) : value
}
