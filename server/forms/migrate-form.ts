import type { Knex } from 'knex'
import { fieldType } from '../../schema/fields/registry'
import { systemColumns } from '../../schema/filter/targets'
import type { FieldDefinition } from '../../schema/fields/types'
import type { FieldModel, FormModel, TableModel } from '../../schema/model/types'
import type { ModelProblem } from '../../schema/model/types'
import type { Dialect } from '../db/dialects/types'
import { applyConversion, conversionKind, previewConversion, type ConversionImpact } from './convert'
import { fieldColumns, tableIndexes, type SchemaBuilder } from './ddl'

/** A field removed from a form: hidden, its column and data kept until an explicit purge. */
export interface RetiredField {
  table: string
  def: FieldDefinition
}

/** What a form change does to stored data, shown before it is applied. */
export interface FormImpact {
  add_columns: { table: string; field: string }[]
  retire_fields: { table: string; field: string }[]
  restore_fields: { table: string; field: string }[]
  conversions: ConversionImpact[]
  /** stored computed fields whose values are (re)computed for every record */
  recompute: { table: string; field: string }[]
  /** new required fields with a default: existing records get the default */
  fill_defaults: { table: string; field: string; value: unknown }[]
}

export const emptyImpact = (): FormImpact => ({ add_columns: [], retire_fields: [], restore_fields: [], conversions: [], recompute: [], fill_defaults: [] })

/** What a field keeps in the database; two definitions with the same shape can share a column. */
function storageShape(field: FieldModel | undefined): string {
  if (!field) return 'none'
  const s = field.storage
  if (s.kind === 'values') return `values:${s.column}`
  if (s.kind === 'lines') return 'lines'
  return JSON.stringify(fieldColumns(field).map((c) => [c.name, c.kind === 'long_text' ? 'text' : c.kind]))
}

const isStoredComputed = (f: FieldModel) => Boolean(f.computed && f.computed !== 'copy' && f.computed !== 'auto_number' && f.storage.kind !== 'none')

/** Whether a stored computed field must be recomputed for existing rows after the change. */
function needsRecompute(previous: FieldModel | undefined, field: FieldModel): boolean {
  if (!isStoredComputed(field)) return false
  if (!previous) return true
  const relevant = (f: FieldModel) => JSON.stringify([f.def.type, f.def.formula, f.def.source, f.def.filter, f.def.aggregate, f.def.scale, f.dependsOn])
  return relevant(previous) !== relevant(field)
}

export interface MigrationTarget {
  /** null: plan only (a dry run), nothing is changed */
  builder: SchemaBuilder | null
  knex: Knex
  dialect: Dialect
}

/**
 * Moves an installed form's tables to a new definition without losing data: new fields get
 * columns, removed fields are retired (data kept), a field whose type changed has its values
 * converted (old values kept in a hidden backup column), label and option changes need no DDL.
 * With no builder it only reports the impact. Changes it cannot carry out are problems naming
 * the field.
 */
export async function migrateForm(
  target: MigrationTarget,
  before: FormModel,
  after: FormModel,
  retired: RetiredField[],
  at: string,
): Promise<{ retired: RetiredField[]; problems: ModelProblem[]; impact: FormImpact }> {
  const problems: ModelProblem[] = []
  const impact = emptyImpact()
  const { builder } = target
  let stillRetired = [...retired]
  await migrateTable(before, after, at)

  async function migrateTable(old: TableModel, next: TableModel, path: string) {
    const converted = new Set<string>()
    for (const [i, field] of next.fields.entries()) {
      const previous = old.field(field.key)
      const fieldAt = `${path}.fields[${i}]`
      const ref = { table: next.path, field: field.key }
      if (!previous) {
        const wasRetired = stillRetired.find((r) => r.table === next.path && r.def.key === field.key)
        if (wasRetired) {
          // Bringing a removed field back: its column and data are still there.
          stillRetired = stillRetired.filter((r) => r !== wasRetired)
          if (wasRetired.def.type !== field.def.type) {
            problems.push({ path: `${fieldAt}.key`, message: `"${field.key}" belonged to a removed ${wasRetired.def.type} field whose data is kept; choose another key` })
          } else if (retiredScale(wasRetired.def, field) !== field.value.scale) {
            // Decimals are stored as scaled integers: read with other decimal places they would change.
            problems.push({
              path: `${fieldAt}.scale`,
              message: `"${field.key}" belonged to a removed field with ${retiredScale(wasRetired.def, field)} decimal places, whose data is kept; bring it back with those, then change them`,
            })
          }
          impact.restore_fields.push(ref)
          // A stored formula brought back holds values of its old formula.
          if (needsRecompute(undefined, field)) impact.recompute.push(ref)
          continue
        }
        if (fieldColumns(field).length || field.storage.kind === 'values' || field.storage.kind === 'lines') impact.add_columns.push(ref)
        if (builder) await builder.addFieldColumns(next, field)
        if (needsRecompute(undefined, field)) impact.recompute.push(ref)
        if (field.def.default !== undefined && !field.computed && field.storage.kind === 'column') {
          impact.fill_defaults.push({ ...ref, value: field.def.default })
          if (builder) await fillDefault(target.knex, next, field)
        }
        continue
      }
      const retyped = previous.def.type !== field.def.type || previous.value.scale !== field.value.scale
      if (storageShape(previous) !== storageShape(field) || (retyped && previous.storage.kind === 'column')) {
        const kind = conversionKind(previous, field)
        if (!kind) {
          problems.push({
            path: `${fieldAt}.type`,
            message: `changing "${field.key}" from ${previous.def.type} to ${field.def.type} cannot convert its data; add a new field instead`,
          })
          continue
        }
        converted.add(field.key)
        const backup = backupName(field.key, stillRetired, next.path)
        const conversion = builder
          ? await applyConversion(target.knex as Knex.Transaction, target.dialect, builder, old, next, previous, field, backup)
          : await previewConversion(target.knex, old, previous, field)
        impact.conversions.push(conversion)
        // The backup is a retired field: hidden, its column and every old value kept until a purge.
        if (builder) stillRetired.push({ table: next.path, def: { ...previous.def, key: backup, hidden: true, backup_of: field.key } })
        if (kind === 'recompute') impact.recompute.push(ref)
        continue
      }
      if (needsRecompute(previous, field)) impact.recompute.push(ref)
      if (previous.lines && field.lines) await migrateTable(previous.lines, field.lines, fieldAt)
    }
    for (const field of old.fields) {
      if (!next.field(field.key)) {
        stillRetired.push({ table: old.path, def: field.def })
        impact.retire_fields.push({ table: old.path, field: field.key })
      }
    }
    if (builder) await syncIndexes(old, next, converted)
  }

  async function syncIndexes(old: TableModel, next: TableModel, converted: Set<string>) {
    const key = (i: { columns: string[]; unique: boolean }) => `${i.unique}:${i.columns.join(',')}`
    // A converted column's indexes were dropped with its old column: they count as new.
    const oldIndexes = new Map(tableIndexes(old).filter((i) => !i.columns.some((c) => converted.has(c))).map((i) => [key(i), i]))
    const newIndexes = new Map(tableIndexes(next).map((i) => [key(i), i]))
    for (const [k, index] of oldIndexes) {
      // Indexes of retired fields stay: their columns are still there.
      const columnsLive = index.columns.every((c) => c in systemColumns(next) || next.fields.some((f) => fieldColumns(f).some((col) => col.name === c)))
      if (!newIndexes.has(k) && columnsLive) await builder!.dropIndex(next.table, index.columns, index.unique)
    }
    const fresh = [...newIndexes].filter(([k]) => !oldIndexes.has(k)).map(([, i]) => i)
    await builder!.createIndexes(next.table, fresh)
  }

  return { retired: stillRetired, problems, impact }
}

/** The decimal places a removed field of the same type kept its values with (stored as scaled integers). */
function retiredScale(def: FieldDefinition, field: FieldModel): number | undefined {
  if (field.value.kind !== 'decimal' || field.computed) return field.value.scale
  // number and money resolve from their own definition alone.
  return fieldType(def.type)?.resolve(def, undefined as never).value.scale
}

/** `<key>__bak<n>`: a column name no field can take (keys have no double underscore). */
function backupName(key: string, retired: RetiredField[], table: string): string {
  let n = 1
  while (retired.some((r) => r.table === table && r.def.key === `${key}__bak${n}`)) n++
  return `${key}__bak${n}`
}

/** Existing records get a new field's default, so a new required field holds for them too. */
async function fillDefault(knex: Knex, table: TableModel, field: FieldModel) {
  const normalized = field.codec.normalize(field.def.default, field.value)
  if (!normalized.ok || normalized.value === null) return
  await knex(table.table).update({ [field.key]: field.codec.toStored(normalized.value, field.value) as Knex.Value })
}
