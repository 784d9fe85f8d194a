import type { FieldDefinition } from '../../schema/fields/types'
import type { FieldModel, FormModel, TableModel } from '../../schema/model/types'
import type { ModelProblem } from '../../schema/model/types'
import { fieldColumns, tableIndexes, type SchemaBuilder } from './ddl'

/** A field removed from a form: hidden, its column and data kept until an explicit purge. */
export interface RetiredField {
  table: string
  def: FieldDefinition
}

/** What a field keeps in the database; two definitions with the same shape can share a column. */
function storageShape(field: FieldModel | undefined): string {
  if (!field) return 'none'
  const s = field.storage
  if (s.kind === 'values') return `values:${s.column}`
  if (s.kind === 'lines') return 'lines'
  return JSON.stringify(fieldColumns(field).map((c) => [c.name, c.kind === 'long_text' ? 'text' : c.kind]))
}

/**
 * Moves an installed form's tables to a new definition without losing data: new fields get
 * columns, removed fields are retired (data kept), label and option changes need no DDL. Changes
 * that would need a data conversion are refused with a message naming the field.
 */
export async function migrateForm(
  builder: SchemaBuilder,
  before: FormModel,
  after: FormModel,
  retired: RetiredField[],
  at: string,
): Promise<{ retired: RetiredField[]; problems: ModelProblem[] }> {
  const problems: ModelProblem[] = []
  let stillRetired = [...retired]
  await migrateTable(before, after, at)

  async function migrateTable(old: TableModel, next: TableModel, path: string) {
    for (const [i, field] of next.fields.entries()) {
      const previous = old.field(field.key)
      const fieldAt = `${path}.fields[${i}]`
      if (!previous) {
        const wasRetired = stillRetired.find((r) => r.table === next.path && r.def.key === field.key)
        if (wasRetired) {
          // Bringing a removed field back: its column and data are still there.
          stillRetired = stillRetired.filter((r) => r !== wasRetired)
          if (wasRetired.def.type !== field.def.type) {
            problems.push({ path: `${fieldAt}.key`, message: `"${field.key}" belonged to a removed ${wasRetired.def.type} field whose data is kept; choose another key` })
          }
          continue
        }
        await builder.addFieldColumns(next, field)
        continue
      }
      if (storageShape(previous) !== storageShape(field)) {
        problems.push({
          path: `${fieldAt}.type`,
          message: `changing "${field.key}" from ${previous.def.type} to ${field.def.type} would need its data converted; add a new field instead`,
        })
        continue
      }
      if (previous.lines && field.lines) await migrateTable(previous.lines, field.lines, fieldAt)
    }
    for (const field of old.fields) {
      if (!next.field(field.key)) stillRetired.push({ table: old.path, def: field.def })
    }
    await syncIndexes(old, next)
  }

  async function syncIndexes(old: TableModel, next: TableModel) {
    const key = (i: { columns: string[]; unique: boolean }) => `${i.unique}:${i.columns.join(',')}`
    const oldIndexes = new Map(tableIndexes(old).map((i) => [key(i), i]))
    const newIndexes = new Map(tableIndexes(next).map((i) => [key(i), i]))
    for (const [k, index] of oldIndexes) {
      // Indexes of retired fields stay: their columns are still there.
      const columnsLive = index.columns.every((c) => next.fields.some((f) => fieldColumns(f).some((col) => col.name === c)))
      if (!newIndexes.has(k) && columnsLive) await builder.dropIndex(next.table, index.columns, index.unique)
    }
    const fresh = [...newIndexes].filter(([k]) => !oldIndexes.has(k)).map(([, i]) => i)
    await builder.createIndexes(next.table, fresh)
  }

  return { retired: stillRetired, problems }
}
