import { createHash } from 'node:crypto'
import type { Knex } from 'knex'
import type { FieldModel, FormModel, TableModel } from '../../schema/model/types'
import { childTable } from '../../schema/model/names'
import { quoteIdentifier, type Dialect } from '../db/dialects/types'
import { AppError } from '../lib/errors'

/** Index names must stay under PostgreSQL's 63-character limit and be derivable for dropping. */
export function indexName(table: string, columns: string[], unique: boolean): string {
  const readable = `${unique ? 'ux' : 'ix'}_${table}_${columns.join('_')}`
  if (readable.length <= 60) return readable
  const hash = createHash('sha1').update(readable).digest('hex').slice(0, 10)
  return `${readable.slice(0, 49)}_${hash}`
}

/** The columns a field keeps in its table's row. */
export function fieldColumns(field: FieldModel): { name: string; kind: import('../../schema/fields/types').ColumnKind }[] {
  const storage = field.storage
  if (storage.kind === 'column') return [{ name: field.key, kind: storage.column }]
  if (storage.kind === 'columns') return storage.parts.map((p) => ({ name: `${field.key}_${p.part}`, kind: p.column }))
  return []
}

/** Indexes a field asks for: links are always indexed (joins, integrity checks). */
function fieldIndexes(field: FieldModel): { columns: string[]; unique: boolean }[] {
  if (field.storage.kind !== 'column') return []
  const unique = Boolean(field.def.unique) || field.computed === 'auto_number'
  if (unique) return [{ columns: [field.key], unique: true }]
  if (field.def.index || field.value.kind === 'link' || field.value.kind === 'user') return [{ columns: [field.key], unique: false }]
  return []
}

export function tableIndexes(table: TableModel): { columns: string[]; unique: boolean }[] {
  const indexes = table.fields.flatMap(fieldIndexes)
  // a form's `indexes`, or a sub-form field's for its lines' table
  const declared = table.parent ? table.parent.fields.find((f) => f.lines === table)?.def.indexes : (table as FormModel).def.indexes
  for (const index of (declared ?? []) as { fields: string[]; unique?: boolean }[]) indexes.push({ columns: index.fields, unique: Boolean(index.unique) })
  return indexes
}

export class SchemaBuilder {
  constructor(
    private readonly trx: Knex.Transaction,
    private readonly dialect: Dialect,
  ) {}

  async createForm(form: FormModel): Promise<void> {
    await this.trx.schema.createTable(form.table, (t) => {
      t.increments('id')
      t.integer('version').notNullable().defaultTo(1)
      t.bigInteger('created_at').notNullable()
      t.bigInteger('updated_at').notNullable()
      t.integer('created_by')
      t.integer('updated_by')
      if (form.document) t.text('doc_status').notNullable().defaultTo('draft')
      for (const field of form.fields) for (const c of fieldColumns(field)) this.dialect.addColumn(t, c.name, c.kind)
    })
    await this.createIndexes(form.table, tableIndexes(form))
    await this.dialect.trackWrites(this.trx, form.table)
    for (const field of form.fields) await this.createChildTables(form, field)
  }

  /** Tables for fields that hold many values per record: sub-form lines and value lists. */
  async createChildTables(table: TableModel, field: FieldModel): Promise<void> {
    const name = childTable(table.table, field.key)
    if (field.storage.kind === 'lines' && field.lines) {
      const lines = field.lines
      await this.trx.schema.createTable(name, (t) => {
        t.increments('id')
        t.integer('parent_id').notNullable().references('id').inTable(table.table).onDelete('CASCADE')
        t.integer('line_no').notNullable()
        for (const f of lines.fields) for (const c of fieldColumns(f)) this.dialect.addColumn(t, c.name, c.kind)
      })
      await this.createIndexes(name, [{ columns: ['parent_id', 'line_no'], unique: false }, ...tableIndexes(lines)])
      await this.dialect.trackWrites(this.trx, name)
    } else if (field.storage.kind === 'values') {
      const column = field.storage.column
      await this.trx.schema.createTable(name, (t) => {
        t.increments('id')
        t.integer('parent_id').notNullable().references('id').inTable(table.table).onDelete('CASCADE')
        t.integer('line_no').notNullable()
        this.dialect.addColumn(t, 'value', column)
      })
      await this.createIndexes(name, [
        { columns: ['parent_id', 'line_no'], unique: false },
        { columns: ['value'], unique: false },
      ])
      await this.dialect.trackWrites(this.trx, name)
    }
  }

  /** `indexes: false` when the column is filled afterwards (a conversion): its indexes come once it holds its values. */
  async addFieldColumns(table: TableModel, field: FieldModel, options: { indexes?: boolean } = {}): Promise<void> {
    const columns = fieldColumns(field)
    if (columns.length) {
      await this.trx.schema.alterTable(table.table, (t) => {
        for (const c of columns) this.dialect.addColumn(t, c.name, c.kind)
      })
    }
    if (options.indexes !== false) await this.createIndexes(table.table, fieldIndexes(field))
    await this.createChildTables(table, field)
  }

  async createIndexes(table: string, indexes: { columns: string[]; unique: boolean }[]): Promise<void> {
    for (const index of indexes) {
      const name = indexName(table, index.columns, index.unique)
      const columns = this.dialect.indexColumns(index.columns, index.unique)
      try {
        await this.trx.raw(
          `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${quoteIdentifier(name)} ON ${quoteIdentifier(table)} (${columns})`,
        )
      } catch (error) {
        if (!index.unique || !this.dialect.uniqueViolation(error)) throw error
        throw new AppError(
          422,
          'invalid_template',
          `cannot make ${index.columns.join(' + ')} of ${table.replace(/^f_/, '')} unique: existing records share values; fix them first`,
        )
      }
    }
  }

  async dropIndex(table: string, columns: string[], unique: boolean): Promise<void> {
    const name = indexName(table, columns, unique)
    await this.trx.raw(`DROP INDEX IF EXISTS ${quoteIdentifier(name)}`)
  }
}
