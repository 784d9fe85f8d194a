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
import { toWorking } from './canonical'
import { RecordReader } from './reader'
import { changedColumns } from './writer'

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
 * over other forms by SQL, the rest in memory — and stores what changed. The version is not
 * bumped: users never write computed fields, so nobody's edit can be lost.
 */
export async function refreshComputed(ctx: RollupContext, form: FormModel, ids: number[], depth = 0): Promise<void> {
  if (ids.length === 0) return
  const reader = new RecordReader(ctx.trx, ctx.registry)
  const records = await reader.load(form, ids, { lines: true })
  const before = records.map((r) => toWorking(form, r))
  const working = records.map((r) => toWorking(form, r))
  const linesOf = (record: WorkingRecord, table: TableModel) => record.lines[table.path.split('.')[1]] ?? []

  for (const { table, field } of collectRollups(form)) {
    const owners = table === form ? ids : working.flatMap((r) => linesOf(r, table).map((l) => l.id!))
    const values = await aggregateFromDatabase(ctx, field, owners)
    for (const record of working) {
      const targets = table === form ? [record] : linesOf(record, table)
      for (const target of targets) target.values[field.key] = values.get(target.id!) ?? emptyAggregate(field)
    }
  }

  // Which rows' computed values changed, per table path, with their link values for propagation.
  const changedRows = new Map<string, Record<string, unknown>[]>()
  const noteChange = (path: string, values: Record<string, unknown>) => changedRows.set(path, [...(changedRows.get(path) ?? []), values])
  for (const [i, record] of working.entries()) {
    record.previous = before[i].values
    for (const [key, lines] of Object.entries(record.lines)) lines.forEach((l, j) => (l.previous = before[i].lines[key][j]?.values))
    computeRecord(form, record, { linked: () => undefined, env: ctx.env })
    const changes = onlyComputed(form, changedColumns(form, record, before[i]))
    if (Object.keys(changes).length) {
      await ctx.trx(form.table).where({ id: record.id }).update(changes)
      noteChange(form.key, record.values)
    }
    for (const field of form.fields) {
      if (!field.lines) continue
      for (const [j, line] of (record.lines[field.key] ?? []).entries()) {
        const lineChanges = onlyComputed(field.lines, changedColumns(field.lines, line, before[i].lines[field.key][j]))
        if (Object.keys(lineChanges).length === 0) continue
        await ctx.trx(field.lines.table).where({ id: line.id }).update(lineChanges)
        noteChange(field.lines.path, line.values)
      }
    }
  }
  for (const [path, rows] of changedRows) {
    await propagateRollups(ctx, path, (link) => rows.map((r) => r[link]).filter((v): v is number => typeof v === 'number'), depth)
  }
}

function onlyComputed(table: TableModel, changes: Record<string, unknown>): Record<string, unknown> {
  const computed = new Set(table.fields.filter((f) => f.computed && f.computed !== 'copy').map((f) => f.key))
  return Object.fromEntries(Object.entries(changes).filter(([k]) => computed.has(k)))
}

function collectRollups(form: FormModel): { table: TableModel; field: FieldModel }[] {
  const tables: TableModel[] = [form, ...form.fields.flatMap((f) => (f.lines ? [f.lines] : []))]
  return tables.flatMap((table) =>
    table.fields.filter((f) => f.computed === 'rollup' && typeof f.def.source === 'object').map((field) => ({ table, field })),
  )
}

function emptyAggregate(field: FieldModel): unknown {
  const aggregate = field.def.aggregate
  return aggregate === 'sum' || aggregate === 'count' ? (0).toFixed(field.value.scale ?? 0) : null
}

/** SUM/COUNT/MIN/MAX/AVG of the linking rows, grouped by the record they link to. */
async function aggregateFromDatabase(ctx: RollupContext, field: FieldModel, ownerIds: number[]): Promise<Map<number, unknown>> {
  const result = new Map<number, unknown>()
  if (ownerIds.length === 0) return result
  const source = field.def.source as { form: string; sub_form?: string; link: string }
  const rows = ctx.registry.table(source.sub_form ? `${source.form}.${source.sub_form}` : source.form)
  if (!rows) return result
  const link = rows.field(source.link)!
  const counted = field.def.field ? rows.field(field.def.field as string) : undefined
  const scope = new TableScope(rows, 'r', ctx.registry)
  let where = ''
  let bindings: unknown[] = []
  if (field.def.filter !== undefined) {
    const prepared = prepareFilter(field.def.filter, rows, ctx.env)
    if (prepared.filter) {
      const sql = compileFilter(prepared.filter as PreparedFilter, scope, ctx.dialect, ctx.registry)
      where = ` AND ${sql.text}`
      bindings = [...sql.bindings]
    }
  }
  const aggregate = String(field.def.aggregate)
  // AVG as SUM / COUNT so the division is exact (see decodeAggregate).
  const column = counted ? id('r', counted.key) : ''
  const expr = aggregate === 'count' ? 'COUNT(*)' : aggregate === 'avg' ? `SUM(${column}) AS total, COUNT(${column})` : `${aggregate.toUpperCase()}(${column})`
  const linkColumn = link.storage.kind === 'values' ? null : id('r', link.key)
  if (!linkColumn) return result // rollups over multi-links are not supported yet (rejected at install)
  for (let i = 0; i < ownerIds.length; i += 500) {
    const chunk = ownerIds.slice(i, i + 500)
    const sql = `SELECT ${linkColumn} AS owner, ${expr} AS value FROM ${scope.from()} WHERE ${linkColumn} IN (${chunk.map(() => '?').join(', ')})${where} GROUP BY ${linkColumn}`
    for (const row of await selectRows(ctx.trx, sql, [...chunk, ...bindings])) {
      result.set(Number(row.owner), decodeAggregate(field, counted, row))
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
