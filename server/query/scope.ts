import type { FilterTarget } from '../../schema/filter/targets'
import type { FieldModel, TableModel } from '../../schema/model/types'
import { childTable } from '../../schema/model/names'
import type { FormRegistry } from '../forms/registry'
import { badRequest } from '../lib/errors'
import { id, Sql } from './sql'

/** The field that names records of `table` when linked from `link`: its display_field or title. */
export function displayFieldOf(link: FieldModel, table: TableModel): FieldModel | undefined {
  const key = (link.def.display_field as string | undefined) ?? ('titleField' in table ? (table as { titleField: string }).titleField : undefined)
  const display = key ? table.field(key) : undefined
  return display && display.storage.kind === 'column' ? display : undefined
}

export interface Join {
  alias: string
  sql: string
}

/**
 * The FROM clause of a query over one table: its alias, the joins that links and lookups need,
 * and the SQL expression behind each filter or sort target.
 */
export class TableScope {
  private readonly joins: Map<string, Join>
  private counter = 0
  private parentJoin: TableScope | undefined

  constructor(
    readonly table: TableModel,
    readonly alias: string,
    private readonly registry: FormRegistry,
    /** a parent's scope adds its joins to the line scope that owns it */
    owner?: TableScope,
  ) {
    this.joins = owner ? owner.joins : new Map()
  }

  from(): string {
    return [`${id(this.table.table)} ${id(this.alias)}`, ...[...this.joins.values()].map((j) => j.sql)].join(' ')
  }

  /** LEFT JOIN the record a single link (or user) field points at; reused per field. */
  joinFor(field: FieldModel): { alias: string; table: TableModel | null } {
    const existing = this.joins.get(`${this.alias}.${field.key}`)
    const target = field.value.kind === 'user' ? null : this.registry.table(field.value.target!) ?? null
    if (existing) return { alias: existing.alias, table: target }
    const alias = `${this.alias}_j${++this.counter}`
    const targetTable = field.value.kind === 'user' ? 'zg_users' : target!.table
    this.joins.set(`${this.alias}.${field.key}`, {
      alias,
      sql: `LEFT JOIN ${id(targetTable)} ${id(alias)} ON ${id(alias, 'id')} = ${id(this.alias, field.key)}`,
    })
    return { alias, table: target }
  }

  /** The column (of the joined record) that names a linked record, and the field it belongs to. */
  displayColumn(field: FieldModel): { expr: string; field?: FieldModel } {
    const { alias, table } = this.joinFor(field)
    if (!table) return { expr: id(alias, 'display_name') }
    const display = displayFieldOf(field, table)
    return display ? { expr: id(alias, display.key), field: display } : { expr: id(alias, 'id') }
  }

  /** The SQL expression for a lookup field: the linked record's column. */
  lookupColumn(field: FieldModel): string | null {
    const link = this.table.field(field.def.link as string)
    if (!link) return null
    const { alias, table } = this.joinFor(link)
    const target = table?.field(field.def.field as string)
    if (!table || !target) return null
    if (target.storage.kind === 'column') return id(alias, target.key)
    // A lookup of a lookup: follow the linked record's own link, one join further.
    if (target.computed === 'lookup') return new TableScope(table, alias, this.registry, this).lookupColumn(target)
    return null
  }

  /** The record a line belongs to, joined once. */
  parentScope(): TableScope {
    if (!this.table.parent) throw badRequest('only sub-form lines have a parent')
    if (!this.parentJoin) {
      const alias = `${this.alias}_p`
      this.joins.set('$parent', { alias, sql: `JOIN ${id(this.table.parent.table)} ${id(alias)} ON ${id(alias, 'id')} = ${id(this.alias, 'parent_id')}` })
      this.parentJoin = new TableScope(this.table.parent, alias, this.registry, this)
    }
    return this.parentJoin
  }

  /** The expression a filter condition compares. */
  columnFor(target: FilterTarget): string {
    if (target.kind === 'parent') return this.parentScope().columnFor(target.target)
    if (target.kind !== 'field') return id(this.alias, target.column)
    const field = target.field
    if (field.computed === 'lookup') {
      const column = this.lookupColumn(field)
      if (column) return column
    }
    if (field.storage.kind !== 'column') throw badRequest(`"${field.key}" is computed when read and cannot be filtered or sorted on`).because('not_filterable', { field: field.def.label })
    return id(this.alias, field.key)
  }

  /** A child table (values or lines) of a field, correlated to this scope's rows. */
  childOf(field: FieldModel, childAlias: string): Sql {
    return new Sql(`${id(childTable(this.table.table, field.key))} ${id(childAlias)}`)
  }

  nextAlias(prefix: string): string {
    return `${prefix}${++this.counter}`
  }
}
