import { Decimal } from '../lib/decimal'
import { parseDateTimeText } from '../lib/time'
import type { PreparedCondition, PreparedFilter } from './prepare'

/**
 * Evaluates a prepared filter against canonical values in memory — for rollup filters over the
 * lines being written, before they reach the database. Same semantics as the SQL compiler.
 */
export function matchesFilter(filter: PreparedFilter, read: (column: string) => unknown): boolean {
  if ('and' in filter) return filter.and.every((f) => matchesFilter(f, read))
  if ('or' in filter) return filter.or.some((f) => matchesFilter(f, read))
  if ('not' in filter) return !matchesFilter(filter.not, read)
  return matchesCondition(filter.condition, read)
}

function comparable(value: unknown, kind: string): number | string | boolean | null {
  if (value === null || value === undefined || value === '') return null
  if (kind === 'decimal') return new Decimal(String(value)).toNumber()
  if (kind === 'datetime') return parseDateTimeText(String(value))
  if (typeof value === 'boolean' || typeof value === 'number') return value
  return String(value)
}

function compare(a: number | string | boolean, b: number | string | boolean, kind: string): number {
  if (kind === 'decimal') return new Decimal(String(a)).comparedTo(new Decimal(String(b)))
  return a < b ? -1 : a > b ? 1 : 0
}

function matchesCondition(c: PreparedCondition, read: (column: string) => unknown): boolean {
  const kind = c.target.value.kind
  const raw = read(c.target.column)
  if (kind === 'text_list' || kind === 'link_list' || kind === 'files' || kind === 'lines') {
    const list = Array.isArray(raw) ? raw : []
    switch (c.op) {
      case 'is_empty':
        return list.length === 0
      case 'is_not_empty':
        return list.length > 0
      case 'contains':
      case 'in':
        return c.values.some((v) => list.includes(v))
      case 'not_contains':
      case 'not_in':
        return !c.values.some((v) => list.includes(v))
      default:
        return false
    }
  }
  const value = comparable(raw, kind)
  const values = c.values.map((v) => comparable(v, kind))
  const text = typeof value === 'string' ? value.toLowerCase() : ''
  const needle = typeof values[0] === 'string' ? values[0].toLowerCase() : ''
  if (c.op === 'is_empty') return value === null
  if (c.op === 'is_not_empty') return value !== null
  // A blank value matches no comparison, but does count as "not equal to / not in / not containing".
  if (value === null) return c.op === 'ne' || c.op === 'not_in' || c.op === 'not_contains'
  switch (c.op) {
    case 'eq':
      return compare(value, values[0]!, kind) === 0
    case 'ne':
      return compare(value, values[0]!, kind) !== 0
    case 'gt':
      return compare(value, values[0]!, kind) > 0
    case 'gte':
      return compare(value, values[0]!, kind) >= 0
    case 'lt':
      return compare(value, values[0]!, kind) < 0
    case 'lte':
      return compare(value, values[0]!, kind) <= 0
    case 'in':
      return values.some((v) => compare(value, v!, kind) === 0)
    case 'not_in':
      return !values.some((v) => compare(value, v!, kind) === 0)
    case 'between':
      return compare(value, values[0]!, kind) >= 0 && compare(value, values[1]!, kind) <= 0
    case 'contains':
      return text.includes(needle)
    case 'not_contains':
      return !text.includes(needle)
    case 'starts_with':
      return text.startsWith(needle)
    case 'ends_with':
      return text.endsWith(needle)
    default:
      return false
  }
}
