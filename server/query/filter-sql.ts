import type { PreparedCondition, PreparedFilter } from '../../schema/filter/prepare'
import type { FormRegistry } from '../forms/registry'
import type { Dialect } from '../db/dialects/types'
import { codecFor } from '../../schema/values'
import { TableScope } from './scope'
import { FALSE, id, placeholders, raw, Sql, TRUE } from './sql'

/** `%` and `_` in user text are literal characters, not wildcards. */
function likePattern(text: string, mode: 'contains' | 'starts' | 'ends'): string {
  const escaped = text.replace(/[\\%_]/g, (c) => `\\${c}`)
  return mode === 'starts' ? `${escaped}%` : mode === 'ends' ? `%${escaped}` : `%${escaped}%`
}

/** Compiles a prepared filter to a parameterised WHERE expression over a table scope. */
export function compileFilter(filter: PreparedFilter, scope: TableScope, dialect: Dialect, registry: FormRegistry): Sql {
  if ('and' in filter) {
    return filter.and.length ? Sql.join(filter.and.map((f) => compileFilter(f, scope, dialect, registry).group()), ' AND ') : TRUE
  }
  if ('or' in filter) {
    return filter.or.length ? Sql.join(filter.or.map((f) => compileFilter(f, scope, dialect, registry).group()), ' OR ') : FALSE
  }
  if ('not' in filter) {
    // CASE keeps NOT of an unknown (NULL) comparison true, as merchants expect.
    const inner = compileFilter(filter.not, scope, dialect, registry)
    return new Sql(`(CASE WHEN ${inner.text} THEN 0 ELSE 1 END) = 1`, inner.bindings)
  }
  return compileCondition(filter.condition, scope, dialect, registry)
}

function compileCondition(c: PreparedCondition, scope: TableScope, dialect: Dialect, registry: FormRegistry): Sql {
  const kind = c.target.value.kind
  if (c.target.kind === 'parent' && c.target.target.kind === 'field' && c.target.target.field.storage.kind !== 'column') {
    throw new Error('conditions on the parent record work on its stored columns only')
  }
  if (c.target.kind === 'field' && (kind === 'text_list' || kind === 'link_list' || kind === 'files' || kind === 'lines')) {
    return compileChildCondition(c, scope, dialect, registry)
  }
  const column = scope.columnFor(c.target)
  const codec = codecFor(kind)
  const stored = c.values.map((v) => codec.toStored(v, c.target.value))
  const isText = kind === 'text'
  const like = (mode: 'contains' | 'starts' | 'ends', negate: boolean) => {
    const test = `${column} ${negate ? 'NOT ' : ''}${dialect.likeOperator} ? ESCAPE '\\'`
    return new Sql(negate ? `(${test} OR ${column} IS NULL)` : test, [likePattern(String(c.values[0]), mode)])
  }
  switch (c.op) {
    case 'eq':
      return new Sql(`${column} = ?`, stored)
    case 'ne':
      return new Sql(`(${column} <> ? OR ${column} IS NULL)`, stored)
    case 'gt':
      return new Sql(`${column} > ?`, stored)
    case 'gte':
      return new Sql(`${column} >= ?`, stored)
    case 'lt':
      return new Sql(`${column} < ?`, stored)
    case 'lte':
      return new Sql(`${column} <= ?`, stored)
    case 'between':
      return new Sql(`${column} BETWEEN ? AND ?`, stored)
    case 'in': {
      const list = placeholders(stored)
      return new Sql(`${column} IN (${list.text})`, list.bindings)
    }
    case 'not_in': {
      const list = placeholders(stored)
      return new Sql(`(${column} NOT IN (${list.text}) OR ${column} IS NULL)`, list.bindings)
    }
    case 'contains':
      return like('contains', false)
    case 'not_contains':
      return like('contains', true)
    case 'starts_with':
      return like('starts', false)
    case 'ends_with':
      return like('ends', false)
    case 'is_empty':
      return raw(isText ? `(${column} IS NULL OR ${column} = '')` : `${column} IS NULL`)
    case 'is_not_empty':
      return raw(isText ? `(${column} IS NOT NULL AND ${column} <> '')` : `${column} IS NOT NULL`)
    default:
      throw new Error(`operator ${c.op} is not supported on ${kind}`)
  }
}

/** Conditions on values kept in child tables: value lists and sub-form lines. */
function compileChildCondition(c: PreparedCondition, scope: TableScope, dialect: Dialect, registry: FormRegistry): Sql {
  if (c.target.kind !== 'field') throw new Error('child conditions need a field')
  const field = c.target.field
  const alias = scope.nextAlias('c')
  const from = scope.childOf(field, alias)
  const correlated = `${id(alias, 'parent_id')} = ${id(scope.alias, 'id')}`
  const exists = (where: Sql | null) =>
    new Sql(`EXISTS (SELECT 1 FROM ${from.text} WHERE ${correlated}${where ? ` AND ${where.text}` : ''})`, where?.bindings ?? [])
  const notExists = (where: Sql | null) => {
    const e = exists(where)
    return new Sql(`NOT ${e.text}`, e.bindings)
  }

  if (field.lines && (c.op === 'any' || c.op === 'all')) {
    const lineScope = new TableScope(field.lines, alias, registry)
    const where = compileFilter(c.where!, lineScope, dialect, registry)
    if (lineScope.from() !== `${id(field.lines.table)} ${id(alias)}`) {
      // Conditions on the lines' links or lookups need their joins inside the subquery.
      const sub = (negate: boolean) =>
        new Sql(
          `${negate ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${lineScope.from()} WHERE ${correlated} AND ${negate ? `(CASE WHEN ${where.text} THEN 0 ELSE 1 END) = 1` : where.text})`,
          where.bindings,
        )
      return c.op === 'any' ? sub(false) : sub(true)
    }
    return c.op === 'any' ? exists(where) : notExists(new Sql(`(CASE WHEN ${where.text} THEN 0 ELSE 1 END) = 1`, where.bindings))
  }
  const values = c.values.map((v) => codecFor(field.value.kind).toStored([v], field.value)).flat()
  switch (c.op) {
    case 'is_empty':
      return notExists(null)
    case 'is_not_empty':
      return exists(null)
    case 'contains':
    case 'in': {
      const list = placeholders(values)
      return exists(new Sql(`${id(alias, 'value')} IN (${list.text})`, list.bindings))
    }
    case 'not_contains':
    case 'not_in': {
      const list = placeholders(values)
      return notExists(new Sql(`${id(alias, 'value')} IN (${list.text})`, list.bindings))
    }
    default:
      throw new Error(`operator ${c.op} is not supported on ${field.value.kind}`)
  }
}
