// schema imports by path: this pure module is unit-tested outside the client's aliases
import type { Filter } from '../../../../schema/filter/types'
import type { FilterOperator } from '../../../../schema/values/types'

/** What the builder reads of a field (a FieldContext of fields/types). */
interface FieldContext {
  key: string
  def: object
  info: { kind: string; filter_operators: readonly FilterOperator[] }
}

/**
 * The filter builder's model: conditions joined by AND or OR at the top, each on one field with
 * an operator its kind allows. A relative date is its own choice (`range`), written as
 * `{"op": "eq", "value": {"$range": …}}`. Parts the builder cannot show as a row (nested groups)
 * are kept as they are.
 */
export type BuilderOp = FilterOperator | 'range' | 'var'

/**
 * Variables a role's row scope compares with (the roles' scopes only): the user themselves for a
 * user field, the shops or warehouses assigned to the user for a link to shops or warehouses.
 * Written `{"op": "eq", "value": {"$var": "current_user"}}` or `{"op": "in", "value": {"$var": "user.shops"}}`.
 */
export const SCOPE_VARIABLES = ['current_user', 'user.shops', 'user.warehouses'] as const
export type ScopeVariable = (typeof SCOPE_VARIABLES)[number]

/** The variables a field can be compared with: none, or the one its kind and target fit. */
export function variablesFor(ctx: FieldContext): ScopeVariable[] {
  if (ctx.info.kind === 'user') return ['current_user']
  if (ctx.info.kind !== 'link') return []
  const target = (ctx.info as { target?: string }).target
  if (target === 'shops') return ['user.shops']
  if (target === 'warehouses') return ['user.warehouses']
  return []
}

export interface BuilderRow {
  field: string
  op: BuilderOp
  value: unknown
}

export interface BuilderModel {
  join: 'and' | 'or'
  rows: BuilderRow[]
  /** parts kept as written */
  other: Filter[]
}

export const RELATIVE_RANGES = ['today', 'yesterday', 'this_week', 'last_week', 'last_7_days', 'last_30_days', 'this_month', 'last_month', 'this_year'] as const

const PREFERRED: FilterOperator[] = ['contains', 'eq', 'ne', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'between', 'not_contains', 'starts_with', 'ends_with', 'is_empty', 'is_not_empty']

export const isDateKind = (ctx: FieldContext) => ctx.info.kind === 'date' || ctx.info.kind === 'datetime'
export const hasOptions = (ctx: FieldContext) => Array.isArray((ctx.def as { options?: unknown }).options)

/** Operators offered for a field, the most useful first. */
export function operatorsFor(ctx: FieldContext): BuilderOp[] {
  const allowed = new Set(ctx.info.filter_operators)
  let ops = PREFERRED.filter((op) => allowed.has(op))
  if (isDateKind(ctx)) ops = ops.filter((op) => !['in', 'not_in', 'ne'].includes(op))
  // one record or user is picked at a time
  if (ctx.info.kind === 'link' || ctx.info.kind === 'user') ops = ops.filter((op) => op !== 'in' && op !== 'not_in')
  if (ctx.info.kind === 'text' && hasOptions(ctx)) ops = ops.filter((op) => ['in', 'not_in', 'eq', 'ne', 'is_empty', 'is_not_empty'].includes(op))
  return isDateKind(ctx) ? ['range', ...ops] : ops
}

export const needsValue = (op: BuilderOp) => op !== 'is_empty' && op !== 'is_not_empty'

/** The first operator when a field is picked. */
export function defaultRow(ctx: FieldContext): BuilderRow {
  const op = operatorsFor(ctx)[0] ?? 'eq'
  return { field: ctx.key, op, value: op === 'range' ? 'today' : op === 'in' || op === 'not_in' ? [] : op === 'between' ? [null, null] : null }
}

function isVariable(value: unknown): value is { $var: string } {
  return typeof value === 'object' && value !== null && typeof (value as { $var?: unknown }).$var === 'string'
}

function isRange(value: unknown): value is { $range: string } {
  return typeof value === 'object' && value !== null && typeof (value as { $range?: unknown }).$range === 'string'
}

export function toModel(filter: Filter | null | undefined, known: (field: string) => boolean): BuilderModel {
  const model: BuilderModel = { join: 'and', rows: [], other: [] }
  if (!filter) return model
  let parts: Filter[] = [filter]
  if ('and' in filter) parts = filter.and
  else if ('or' in filter) {
    model.join = 'or'
    parts = filter.or
  }
  for (const part of parts) {
    if ('field' in part && known(part.field) && !part.where) {
      if (isVariable(part.value)) model.rows.push({ field: part.field, op: 'var', value: part.value.$var })
      else if (part.op === 'eq' && isRange(part.value)) model.rows.push({ field: part.field, op: 'range', value: part.value.$range })
      else model.rows.push({ field: part.field, op: part.op, value: part.value })
    } else model.other.push(part)
  }
  return model
}

function complete(row: BuilderRow): boolean {
  if (!row.field) return false
  if (!needsValue(row.op)) return true
  const v = row.value
  if (v === null || v === undefined || v === '') return false
  if (Array.isArray(v)) return row.op === 'between' ? v.length === 2 && v.every((x) => x !== null && x !== '') : v.length > 0
  return true
}

/** The filter the model writes (rows not filled in are left out); null when there is none. */
export function toFilter(model: BuilderModel): Filter | null {
  const parts: Filter[] = [
    ...model.rows.filter(complete).map((row): Filter => {
      if (row.op === 'range') return { field: row.field, op: 'eq', value: { $range: String(row.value) } }
      if (row.op === 'var') return { field: row.field, op: row.value === 'current_user' ? 'eq' : 'in', value: { $var: String(row.value) } }
      return needsValue(row.op) ? { field: row.field, op: row.op, value: row.value } : { field: row.field, op: row.op }
    }),
    ...model.other,
  ]
  if (!parts.length) return null
  if (parts.length === 1) return parts[0]
  return model.join === 'or' ? { or: parts } : { and: parts }
}
