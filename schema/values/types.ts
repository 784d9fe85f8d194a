import type { ResolvedValue, ValueKind } from '../fields/types'
import type { Problem } from '../messages/problem'

export type Normalized = { ok: true; value: unknown } | { ok: false; error: Problem }

export const FILTER_OPERATORS = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'not_in',
  'contains',
  'not_contains',
  'starts_with',
  'ends_with',
  'is_empty',
  'is_not_empty',
  'between',
  'any',
  'all',
] as const
export type FilterOperator = (typeof FILTER_OPERATORS)[number]

/** The formula engine's view of a value kind (null: not usable in formulas). */
export type FormulaValueType = 'number' | 'text' | 'boolean' | 'date' | 'datetime'

/**
 * One value kind: how API input is read, how the value is stored and loaded, and what filters
 * and formulas can do with it. Field types pick a kind; they never re-implement these.
 */
export interface ValueCodec {
  kind: ValueKind
  /** API/JSON input → the canonical API value, or the problem with it */
  normalize(input: unknown, value: ResolvedValue): Normalized
  isEmpty(value: unknown): boolean
  /** canonical value → what the database column(s) hold */
  toStored(value: unknown, resolved: ResolvedValue): unknown
  /** database value → canonical API value */
  fromStored(stored: unknown, resolved: ResolvedValue): unknown
  formulaType: FormulaValueType | null
  filterOperators: readonly FilterOperator[]
  /** JSON Schema of the value in API responses */
  openApi(resolved: ResolvedValue): Record<string, unknown>
}

export type { ResolvedValue, ValueKind }
