import type { Knex } from 'knex'
import type { WorkingRecord } from '../../schema/model/compute'
import type { FieldModel, FormModel, TableModel } from '../../schema/model/types'
import { childTable } from '../../schema/model/names'
import type { Dialect } from '../db/dialects/types'
import { quoteIdentifier } from '../db/dialects/types'
import { fieldColumns } from '../forms/ddl'

type Row = Record<string, unknown>

/** Most rows SQLite takes in one multi-row INSERT (its compound-SELECT limit) and a cap on bindings. */
const MAX_ROWS = 500
const MAX_BINDINGS = 30_000

/** The stored columns of a record or line, from canonical values. */
export function storedColumns(table: TableModel, record: WorkingRecord): Row {
  const row: Row = {}
  for (const field of table.fields) {
    const value = record.values[field.key]
    if (field.storage.kind === 'column') row[field.key] = field.codec.toStored(value ?? null, field.value)
    else if (field.storage.kind === 'columns') {
      const parts = field.codec.toStored(value ?? null, field.value) as Row
      for (const p of field.storage.parts) row[`${field.key}_${p.part}`] = parts?.[p.part] ?? null
    }
  }
  return row
}

/** Multi-row INSERTs in chunks; returns the new ids in the order of `rows`. */
export async function insertRows(trx: Knex.Transaction, table: string, rows: Row[], withIds: boolean): Promise<number[]> {
  if (rows.length === 0) return []
  const columns = Math.max(1, Object.keys(rows[0]).length)
  const size = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_BINDINGS / columns)))
  const ids: number[] = []
  const keys = Object.keys(rows[0])
  // On SQLite the INSERT is written here and handed to the driver on the transaction's connection:
  // knex spends longer compiling (or re-scanning the bindings of) a 500-row INSERT than SQLite takes
  // to run it. (Rows of one write carry the same columns.)
  const direct = trx.client.dialect === 'sqlite3' && keys.length > 0 && rows.every((row) => sameKeys(row, keys))
  for (let i = 0; i < rows.length; i += size) {
    const chunk = rows.slice(i, i + size)
    if (direct) {
      const returned = await sqliteAll(trx, insertSql(table, keys, chunk.length, withIds), bindingsOf(chunk, keys))
      if (withIds) ids.push(...returned.map((r) => Number(r.id)).sort((a, b) => a - b))
      continue
    }
    if (!withIds) {
      await trx(table).insert(chunk)
      continue
    }
    const returned = await trx(table).insert(chunk).returning('id')
    // Ids of one statement are assigned in row order; sort, as RETURNING order is not guaranteed.
    ids.push(...returned.map((r: { id: number } | number) => Number(typeof r === 'object' ? r.id : r)).sort((a, b) => a - b))
  }
  return ids
}

/** whether a row has exactly these columns, none undefined (knex would write those as DEFAULT) */
function sameKeys(row: Row, keys: string[]): boolean {
  return Object.keys(row).length === keys.length && keys.every((k) => row[k] !== undefined)
}

/** Runs a statement on the sqlite3 connection of a transaction, answering its rows. */
async function sqliteAll(trx: Knex.Transaction, sql: string, bindings: Knex.Value[]): Promise<Row[]> {
  if (trx.isCompleted()) throw new Error('the transaction is already over')
  const connection = (await trx.client.acquireConnection()) as { all(sql: string, params: unknown[], done: (error: Error | null, rows: Row[]) => void): void }
  return new Promise((resolve, reject) => connection.all(sql, bindings, (error, rows) => (error ? reject(error) : resolve(rows))))
}

function insertSql(table: string, keys: string[], rows: number, returning: boolean): string {
  const tuple = `(${keys.map(() => '?').join(', ')})`
  return `INSERT INTO ${quoteIdentifier(table)} (${keys.map(quoteIdentifier).join(', ')}) VALUES ${Array(rows).fill(tuple).join(', ')}${returning ? ' RETURNING "id"' : ''}`
}

function bindingsOf(rows: Row[], keys: string[]): Knex.Value[] {
  const out = new Array<Knex.Value>(rows.length * keys.length)
  let n = 0
  for (const row of rows) for (const key of keys) out[n++] = row[key] as Knex.Value
  return out
}

function valuesOf(field: FieldModel, record: WorkingRecord): unknown[] {
  return (field.codec.toStored(record.values[field.key], field.value) as unknown[]) ?? []
}

/** Writes value lists (multi-select, multi-links, files) of new records. */
export async function insertValueLists(trx: Knex.Transaction, table: TableModel, ids: number[], records: WorkingRecord[]) {
  for (const field of table.fields) {
    if (field.storage.kind !== 'values') continue
    const rows = records.flatMap((record, i) => valuesOf(field, record).map((value, n) => ({ parent_id: ids[i], line_no: n + 1, value })))
    await insertRows(trx, childTable(table.table, field.key), rows, false)
  }
}

/** Replaces a record's value lists where they changed. */
export async function updateValueLists(trx: Knex.Transaction, table: TableModel, id: number, record: WorkingRecord, before: WorkingRecord) {
  for (const field of table.fields) {
    if (field.storage.kind !== 'values') continue
    const next = valuesOf(field, record)
    if (JSON.stringify(next) === JSON.stringify(valuesOf(field, before))) continue
    const name = childTable(table.table, field.key)
    await trx(name).where({ parent_id: id }).delete()
    await insertRows(trx, name, next.map((value, n) => ({ parent_id: id, line_no: n + 1, value })), false)
  }
}

/** Inserts the lines of new records. */
export async function insertLines(trx: Knex.Transaction, form: FormModel, ids: number[], records: WorkingRecord[]) {
  for (const field of form.fields) {
    if (!field.lines) continue
    const rows = records.flatMap((record, i) =>
      (record.lines[field.key] ?? []).map((line, n) => ({ parent_id: ids[i], line_no: n + 1, ...storedColumns(field.lines!, line) })),
    )
    await insertRows(trx, field.lines.table, rows, false)
  }
}

/**
 * Brings a record's lines to the given list: lines with an id are updated (if changed), lines
 * without one inserted, missing ones deleted; line numbers follow the list's order.
 */
export async function syncLines(trx: Knex.Transaction, field: FieldModel, parentId: number, lines: WorkingRecord[], before: WorkingRecord[]): Promise<{ removed: number[]; changed: boolean }> {
  const table = field.lines!
  const keep = new Set(lines.map((l) => l.id).filter((id): id is number => typeof id === 'number'))
  const removed = before.map((l) => l.id!).filter((id) => !keep.has(id))
  let changed = removed.length > 0
  if (removed.length) await trx(table.table).whereIn('id', removed).delete()
  const previous = new Map(before.map((l, i) => [l.id!, { row: storedColumns(table, l), lineNo: i + 1 }]))
  const inserts: Row[] = []
  for (const [i, line] of lines.entries()) {
    const row = { ...storedColumns(table, line), line_no: i + 1 }
    if (line.id === undefined) {
      inserts.push({ parent_id: parentId, ...row })
      continue
    }
    const old = previous.get(line.id)
    const oldRow: Row = { ...old?.row, line_no: old?.lineNo }
    const diff = Object.fromEntries(Object.entries(row).filter(([k, v]) => String(v ?? '') !== String(oldRow[k] ?? '')))
    if (Object.keys(diff).length === 0) continue
    changed = true
    await trx(table.table).where({ id: line.id, parent_id: parentId }).update(diff)
  }
  if (inserts.length) changed = true
  await insertRows(trx, table.table, inserts, false)
  return { removed, changed }
}

/** Columns whose stored value differs, as an UPDATE's SET list. */
export function changedColumns(table: TableModel, record: WorkingRecord, before: WorkingRecord): Row {
  const next = storedColumns(table, record)
  const old = storedColumns(table, before)
  return Object.fromEntries(Object.entries(next).filter(([k, v]) => String(v ?? '') !== String(old[k] ?? '')))
}

/**
 * Many rows' changes in few statements: rows changing the same columns share one
 * `UPDATE … SET c = CASE id WHEN … END WHERE id IN (…)` per 200 rows.
 */
export async function bulkUpdate(trx: Knex.Transaction, dialect: Dialect, table: TableModel, rows: { id: number; changes: Row }[]): Promise<void> {
  const kinds = new Map(table.fields.flatMap((f) => fieldColumns(f)).map((c) => [c.name, c.kind]))
  const groups = new Map<string, { id: number; changes: Row }[]>()
  for (const row of rows) {
    const signature = Object.keys(row.changes).sort().join(',')
    if (!signature) continue
    if (!groups.has(signature)) groups.set(signature, [])
    groups.get(signature)!.push(row)
  }
  for (const [signature, group] of groups) {
    const columns = signature.split(',')
    for (let i = 0; i < group.length; i += 200) {
      const chunk = group.slice(i, i + 200)
      const bindings: unknown[] = []
      const sets = columns.map((column) => {
        const parameter = dialect.typedParameter(kinds.get(column) ?? 'text')
        const cases = chunk.map((row) => {
          bindings.push(row.id, row.changes[column])
          return `WHEN ? THEN ${parameter}`
        })
        return `${quoteIdentifier(column)} = CASE ${quoteIdentifier('id')} ${cases.join(' ')} END`
      })
      bindings.push(...chunk.map((row) => row.id))
      await trx.raw(`UPDATE ${quoteIdentifier(table.table)} SET ${sets.join(', ')} WHERE ${quoteIdentifier('id')} IN (${chunk.map(() => '?').join(', ')})`, bindings as Knex.RawBinding[])
    }
  }
}
