import { codecFor, type FilterOperator } from '../values'
import type { ModelProblem, TableModel } from '../model/types'
import type { Problem } from '../messages/problem'
import { relativeDate, relativeRange, rangeInstants } from './relative'
import { operatorsFor, resolveTarget, type FilterTarget } from './targets'
import { isCondition, type Filter } from './types'

export type TargetResolver = (table: TableModel, path: string) => FilterTarget | { error: string }

/** What variables mean when a filter runs. `null` while checking a template: shape only. */
export interface FilterEnv {
  now: number
  userId: number | null
  /** record ids for {"$var": "user.shops"} and {"$var": "user.warehouses"} (row scopes) */
  shops?: readonly number[]
  warehouses?: readonly number[]
}

export interface PreparedCondition {
  target: FilterTarget
  op: FilterOperator
  /** canonical API values (normalized by the target's codec); empty for is_empty/is_not_empty */
  values: unknown[]
  /** any/all on a sub-form: the prepared condition on its lines */
  where?: PreparedFilter
  lines?: TableModel
}

export type PreparedFilter =
  | { and: PreparedFilter[] }
  | { or: PreparedFilter[] }
  | { not: PreparedFilter }
  | { condition: PreparedCondition }

const NO_VALUE: FilterOperator[] = ['is_empty', 'is_not_empty']
const LIST_VALUE: FilterOperator[] = ['in', 'not_in']
const MAX_DEPTH = 12
const MAX_LIST = 1000

/**
 * Checks a filter against a form and normalizes its values, resolving variables such as
 * {"$var": "current_user"} and relative dates when an environment is given. The result only holds
 * references into the form model, so SQL built from it can only name columns the form defines.
 */
export function prepareFilter(
  filter: unknown,
  table: TableModel,
  env: FilterEnv | null,
  at = 'filter',
  /** how a condition's `field` is found: the form's fields, or (aggregates' `having`) a query's output columns */
  resolve: TargetResolver = resolveTarget,
): { filter?: PreparedFilter; problems: ModelProblem[] } {
  const problems: ModelProblem[] = []
  const prepared = prepareNode(filter, table, env, at, problems, 0, resolve)
  return problems.length ? { problems } : { filter: prepared, problems }
}

function prepareNode(
  node: unknown,
  table: TableModel,
  env: FilterEnv | null,
  at: string,
  problems: ModelProblem[],
  depth: number,
  resolve: TargetResolver,
): PreparedFilter | undefined {
  const fail = (path: string, message: string | Problem) => {
    problems.push(typeof message === 'string' ? { path, message } : { path, ...message })
    return undefined
  }
  if (depth > MAX_DEPTH) return fail(at, `filters may nest at most ${MAX_DEPTH} levels`)
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return fail(at, 'must be an object')
  const filter = node as Filter & Record<string, unknown>
  const keys = Object.keys(filter)
  if ('and' in filter || 'or' in filter) {
    const op = 'and' in filter ? 'and' : 'or'
    const items = filter[op]
    if (keys.length !== 1) return fail(at, `"${op}" must be the only key of its object`)
    if (!Array.isArray(items)) return fail(`${at}.${op}`, 'must be an array of filters')
    const children = items.map((item, i) => prepareNode(item, table, env, `${at}.${op}[${i}]`, problems, depth + 1, resolve))
    return op === 'and'
      ? { and: children.filter((c): c is PreparedFilter => Boolean(c)) }
      : { or: children.filter((c): c is PreparedFilter => Boolean(c)) }
  }
  if ('not' in filter) {
    if (keys.length !== 1) return fail(at, '"not" must be the only key of its object')
    const child = prepareNode(filter.not, table, env, `${at}.not`, problems, depth + 1, resolve)
    return child && { not: child }
  }
  if (!isCondition(filter)) return fail(at, 'must be {and: [...]}, {or: [...]}, {not: {...}} or {field, op, value}')
  const unknownKey = keys.find((k) => !['field', 'op', 'value', 'where'].includes(k))
  if (unknownKey) return fail(`${at}.${unknownKey}`, `unknown key "${unknownKey}"`)
  if (typeof filter.field !== 'string') return fail(`${at}.field`, 'must be a field key')
  const target = resolve(table, filter.field)
  if ('error' in target) return fail(`${at}.field`, target.error)
  const op = filter.op
  if (!operatorsFor(target).includes(op)) {
    return fail(`${at}.op`, `"${String(op)}" does not apply to "${filter.field}" (use ${operatorsFor(target).join(', ')})`)
  }

  if (op === 'any' || op === 'all') {
    const lines = target.kind === 'field' ? target.field.lines : undefined
    if (!lines) return fail(`${at}.field`, `"${filter.field}" is not a sub-form`)
    if (filter.where === undefined) return fail(`${at}.where`, `"${op}" needs a "where" filter on the lines`)
    const where = prepareNode(filter.where, lines, env, `${at}.where`, problems, depth + 1, resolve)
    return where && { condition: { target, op, values: [], where, lines } }
  }
  if (NO_VALUE.includes(op)) {
    if (filter.value !== undefined) return fail(`${at}.value`, `"${op}" takes no value`)
    return { condition: { target, op, values: [] } }
  }

  const kind = target.value.kind
  const codec = codecFor(kind === 'text_list' ? 'text' : kind === 'link_list' ? 'link' : kind)
  const normalizeOne = (raw: unknown, path: string): unknown[] | undefined => {
    const resolved = resolveVariable(raw, target, env, path, problems)
    if (resolved === undefined) return undefined
    if (resolved === DEFERRED) return [DEFERRED]
    const values: unknown[] = []
    for (const value of resolved) {
      const result = codec.normalize(value, target.value)
      if (!result.ok) return fail(path, result.error)
      if (result.value === null) return fail(path, `use "is_empty" to match blank values`)
      values.push(result.value)
    }
    return values
  }

  if (!('value' in filter)) return fail(`${at}.value`, `"${op}" needs a value`)
  const value = filter.value
  if (LIST_VALUE.includes(op) && isListVariable(value)) {
    // {"$var": "user.warehouses"}: the acting user's assigned records; none assigned matches no record
    if (kind !== 'link' && kind !== 'link_list') return fail(`${at}.value`, `${value.$var} works with "in" on a link field`)
    if (!env) return { condition: { target, op, values: [DEFERRED] } }
    const ids = (value.$var === 'user.shops' ? env.shops : env.warehouses) ?? []
    return { condition: { target, op, values: ids.length ? [...ids] : [0] } }
  }
  if (LIST_VALUE.includes(op)) {
    if (!Array.isArray(value) || value.length === 0) return fail(`${at}.value`, `"${op}" needs a non-empty array`)
    if (value.length > MAX_LIST) return fail(`${at}.value`, `at most ${MAX_LIST} values`)
    const values: unknown[] = []
    for (const [i, item] of value.entries()) {
      const normalized = normalizeOne(item, `${at}.value[${i}]`)
      if (!normalized) return undefined
      values.push(...normalized)
    }
    return { condition: { target, op, values } }
  }
  if (op === 'between') {
    if (!Array.isArray(value) || value.length !== 2) return fail(`${at}.value`, '"between" needs [from, to]')
    const from = normalizeOne(value[0], `${at}.value[0]`)
    const to = normalizeOne(value[1], `${at}.value[1]`)
    if (!from || !to) return undefined
    // A relative range as a bound uses its outer edge.
    return { condition: { target, op, values: [from[0], to[to.length - 1]] } }
  }
  if (['contains', 'not_contains', 'starts_with', 'ends_with'].includes(op) && kind === 'text') {
    if (typeof value !== 'string' || value === '') return fail(`${at}.value`, `"${op}" needs some text`)
    return { condition: { target, op, values: [value] } }
  }
  const normalized = normalizeOne(value, `${at}.value`)
  if (!normalized) return undefined
  if (normalized.length === 2) {
    // eq/ne with a {$range}: inside or outside the range.
    if (op === 'eq') return { condition: { target, op: 'between', values: normalized } }
    if (op === 'ne') return { not: { condition: { target, op: 'between', values: normalized } } }
    return fail(`${at}.value`, `a date range works with "eq", "ne" and "between"; use {"$date": …} with "${op}"`)
  }
  return { condition: { target, op, values: normalized } }
}

function isListVariable(value: unknown): value is { $var: 'user.shops' | 'user.warehouses' } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const keys = Object.keys(value)
  const name = (value as { $var?: unknown }).$var
  return keys.length === 1 && (name === 'user.shops' || name === 'user.warehouses')
}

/** Marks a value that depends on the run-time environment (checked, not resolved). */
const DEFERRED = Symbol('deferred')

/** Variables → concrete values: one value, or [from, to] for a date range. */
function resolveVariable(
  raw: unknown,
  target: FilterTarget,
  env: FilterEnv | null,
  at: string,
  problems: ModelProblem[],
): unknown[] | typeof DEFERRED | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [raw]
  const entries = Object.entries(raw)
  if (entries.length !== 1 || !entries[0][0].startsWith('$')) {
    if (target.value.kind === 'link' || target.value.kind === 'link_list' || target.value.kind === 'user') return [raw] // {id: 3}
    problems.push({ path: at, message: 'must be a value or a variable such as {"$date": "today"}' })
    return undefined
  }
  const [name, argument] = entries[0]
  const kind = target.value.kind
  const isDate = kind === 'date' || kind === 'datetime'
  if (name === '$var') {
    if (argument === 'current_user' && kind === 'user') return env ? (env.userId === null ? [] : [env.userId]) : DEFERRED
    problems.push({ path: at, message: `unknown variable "${String(argument)}"${kind === 'user' ? '' : ' for this field'}` })
    return undefined
  }
  if ((name === '$date' || name === '$range') && !isDate) {
    problems.push({ path: at, message: `${name} only applies to date fields` })
    return undefined
  }
  const now = env?.now ?? Date.now()
  if (name === '$date' && typeof argument === 'string') {
    const date = argument === 'now' && kind === 'datetime' ? null : relativeDate(argument, now)
    if (argument === 'now' && kind === 'datetime') return env ? [new Date(now).toISOString()] : DEFERRED
    if (date === null) {
      problems.push({ path: at, message: `unknown relative date "${argument}"` })
      return undefined
    }
    if (!env) return DEFERRED
    return [kind === 'datetime' ? rangeInstants({ from: date, to: date }).from : date]
  }
  if (name === '$range' && typeof argument === 'string') {
    const range = relativeRange(argument, now)
    if (range === null) {
      problems.push({ path: at, message: `unknown date range "${argument}" (e.g. today, this_month, last_7_days)` })
      return undefined
    }
    if (!env) return [range.from, range.to]
    const bounds = kind === 'datetime' ? rangeInstants(range) : range
    return [bounds.from, bounds.to]
  }
  problems.push({ path: at, message: `unknown variable ${name}` })
  return undefined
}
