import type { Knex } from 'knex'
import type { FieldModel, TableModel } from '../../schema/model/types'
import { roundToScale } from '../../schema/lib/decimal'
import { allSpellings, localize, type LocalizedText } from '../../schema/lib/localized'
import { childTable } from '../../schema/model/names'
import { quoteIdentifier, type Dialect } from '../db/dialects/types'
import { bulkUpdate } from '../records/writer'
import { fieldColumns, tableIndexes, type SchemaBuilder } from './ddl'

/** What changing one field's type does to its stored values (the designer's preview). */
export interface ConversionImpact {
  table: string
  field: string
  from: string
  to: string
  rows: number
  convertible: number
  unconvertible: { count: number; sample: string[] }
  /** the hidden column that keeps every old value, once applied */
  backup?: string
}

type Options = { value: string; label: LocalizedText }[]
const optionsOf = (field: FieldModel) => (field.def.options as Options | undefined) ?? null

/**
 * Whether a field's type change can convert its values: one stored column to one column (text,
 * numbers, money, dates, selects, checkboxes…) or to a list (single → multi select). Computed
 * targets (a formula) are recomputed instead; other shapes (address parts, sub-forms) cannot.
 */
export function conversionKind(from: FieldModel, to: FieldModel): 'column' | 'to_list' | 'recompute' | null {
  if (from.storage.kind !== 'column') return null
  if (to.computed && to.computed !== 'copy' && (to.storage.kind === 'column' || to.storage.kind === 'none')) return 'recompute'
  if (to.storage.kind === 'column') return 'column'
  if (to.storage.kind === 'values') return 'to_list'
  return null
}

/** The old value as a person reads it: a select's option label, a checkbox's 是/否. */
function asText(value: unknown, from: FieldModel): unknown {
  if (value === null || value === undefined) return null
  const options = optionsOf(from)
  if (options && typeof value === 'string') {
    const option = options.find((o) => o.value === value)
    return option ? localize(option.label) : value
  }
  return value
}

/** Matches text to an option by its value or any spelling of its label. */
function toOption(text: string, options: Options): string | null {
  const t = text.trim()
  return (options.find((o) => o.value === t) ?? options.find((o) => allSpellings(o.label).includes(t)))?.value ?? null
}

/** Converts one canonical old value; `undefined` when it cannot be. */
export function convertValue(value: unknown, from: FieldModel, to: FieldModel): { ok: true; value: unknown } | { ok: false } {
  if (value === null || value === undefined || value === '') return { ok: true, value: to.storage.kind === 'values' ? [] : null }
  const targetOptions = optionsOf(to)
  const list = to.storage.kind === 'values'
  let input: unknown
  if (targetOptions && typeof value === 'string' && optionsOf(from)) {
    // select → select (or multi): keep the value when the new options have it, else match its label.
    input = targetOptions.some((o) => o.value === value) ? value : toOption(String(asText(value, from)), targetOptions)
  } else if (targetOptions) {
    input = toOption(String(asText(value, from)), targetOptions)
  } else {
    input = asText(value, from)
    if (typeof input === 'boolean' && to.value.kind === 'text') input = input ? '是' : '否'
    if (typeof input === 'string' && to.value.kind === 'boolean') input = { 是: 'true', 否: 'false', 'yes': 'true', 'no': 'false' }[input.trim().toLowerCase()] ?? input.trim()
    if (typeof input === 'string' && to.value.kind === 'decimal') input = input.trim().replace(/^[¥￥]/, '').replace(/[,，]/g, '')
    // A number or money given fewer decimal places is rescaled, rounded as formulas round.
    if (typeof input === 'string' && from.value.kind === 'decimal' && to.value.kind === 'decimal') input = roundToScale(input, to.value.scale ?? 0)
  }
  if (input === null || input === undefined) return { ok: false }
  if (list) input = [input]
  const normalized = to.codec.normalize(input, to.value)
  if (!normalized.ok) return { ok: false }
  if (to.type.check?.(normalized.value, to.def)) return { ok: false }
  return { ok: true, value: normalized.value }
}

const showStored = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value))

/** Reads a table's values of a field in id order, a page at a time (100k rows stay small in memory). */
async function* storedValues(knex: Knex, table: string, column: string): AsyncGenerator<{ id: number; stored: unknown }[]> {
  let after = 0
  for (;;) {
    const rows = await knex(table).where('id', '>', after).whereNotNull(column).orderBy('id').limit(5000).select('id', column)
    if (!rows.length) return
    yield rows.map((r: Record<string, unknown>) => ({ id: Number(r.id), stored: r[column] }))
    after = Number(rows[rows.length - 1].id)
  }
}

/** Counts what would convert, without writing. */
export async function previewConversion(knex: Knex, table: TableModel, from: FieldModel, to: FieldModel): Promise<ConversionImpact> {
  const impact: ConversionImpact = { table: table.path, field: to.key, from: from.def.type, to: to.def.type, rows: 0, convertible: 0, unconvertible: { count: 0, sample: [] } }
  const recompute = conversionKind(from, to) === 'recompute'
  for await (const rows of storedValues(knex, table.table, from.key)) {
    for (const row of rows) {
      impact.rows++
      const result = recompute ? { ok: true } : convertValue(from.codec.fromStored(row.stored, from.value), from, to)
      if (result.ok) impact.convertible++
      else {
        impact.unconvertible.count++
        const shown = showStored(asText(from.codec.fromStored(row.stored, from.value), from))
        if (impact.unconvertible.sample.length < 5 && !impact.unconvertible.sample.includes(shown)) impact.unconvertible.sample.push(shown)
      }
    }
  }
  return impact
}

/**
 * Converts a field's values in place: the old column is renamed to a hidden backup column that
 * keeps every old value (so a value that cannot convert is never lost), a new column of the new
 * type is added and filled in batches. Runs inside the caller's transaction.
 */
export async function applyConversion(
  trx: Knex.Transaction,
  dialect: Dialect,
  builder: SchemaBuilder,
  oldTable: TableModel,
  table: TableModel,
  from: FieldModel,
  to: FieldModel,
  backupColumn: string,
): Promise<ConversionImpact> {
  const impact = await previewConversion(trx, table, from, to)
  impact.backup = backupColumn
  // Indexes on the old column would follow the rename and keep their names; drop them first.
  for (const index of tableIndexes(oldTable).filter((i) => i.columns.includes(from.key))) await builder.dropIndex(table.table, index.columns, index.unique)
  await trx.raw(`ALTER TABLE ${quoteIdentifier(table.table)} RENAME COLUMN ${quoteIdentifier(from.key)} TO ${quoteIdentifier(backupColumn)}`)
  // Its indexes are made after the fill (migrateForm's syncIndexes), so values that became equal
  // under a unique index are refused by name (422) rather than failing an update midway.
  await builder.addFieldColumns(table, to, { indexes: false })
  if (conversionKind(from, to) === 'recompute') return impact

  const [column] = fieldColumns(to)
  for await (const rows of storedValues(trx, table.table, backupColumn)) {
    const updates: { id: number; changes: Record<string, unknown> }[] = []
    const listRows: { parent_id: number; line_no: number; value: unknown }[] = []
    for (const row of rows) {
      const result = convertValue(from.codec.fromStored(row.stored, from.value), from, to)
      if (!result.ok) continue
      if (column) updates.push({ id: row.id, changes: { [column.name]: to.codec.toStored(result.value, to.value) } })
      else for (const [n, value] of ((to.codec.toStored(result.value, to.value) as unknown[]) ?? []).entries()) listRows.push({ parent_id: row.id, line_no: n + 1, value })
    }
    if (updates.length) await bulkUpdate(trx, dialect, table, updates)
    for (let i = 0; i < listRows.length; i += 300) await trx(childTable(table.table, to.key)).insert(listRows.slice(i, i + 300))
  }
  return impact
}
