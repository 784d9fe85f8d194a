import { Decimal, fromScaledInteger, parseDecimal, toScaledInteger } from '../lib/decimal'
import { problem } from '../messages/problem'
import { businessDate, formatDateTime, parseDateText, parseDateTimeText } from '../lib/time'
import type { FilterOperator, ValueCodec } from './types'

const EMPTY_OPS: FilterOperator[] = ['is_empty', 'is_not_empty']
const ORDERED_OPS: FilterOperator[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'between', ...EMPTY_OPS]
const TEXT_OPS: FilterOperator[] = [
  'eq',
  'ne',
  'in',
  'not_in',
  'contains',
  'not_contains',
  'starts_with',
  'ends_with',
  'gt',
  'gte',
  'lt',
  'lte',
  ...EMPTY_OPS,
]

const isBlank = (v: unknown) => v === null || v === undefined || v === ''

export const textCodec: ValueCodec = {
  kind: 'text',
  normalize(input) {
    if (isBlank(input)) return { ok: true, value: null }
    if (typeof input === 'string') return { ok: true, value: input }
    // Ids and codes often arrive as numbers (from Excel or JSON); keep their digits exactly.
    if (typeof input === 'number' && Number.isFinite(input)) return { ok: true, value: String(input) }
    if (typeof input === 'bigint') return { ok: true, value: input.toString() }
    return { ok: false, error: problem('must_be_text', 'must be text') }
  },
  isEmpty: isBlank,
  toStored: (v) => (isBlank(v) ? null : v),
  fromStored: (v) => (isBlank(v) ? null : String(v)),
  formulaType: 'text',
  filterOperators: TEXT_OPS,
  openApi: () => ({ type: ['string', 'null'] }),
}

export const decimalCodec: ValueCodec = {
  kind: 'decimal',
  normalize(input, resolved) {
    if (isBlank(input)) return { ok: true, value: null }
    const parsed = parseDecimal(input, resolved.scale ?? 0)
    return parsed.ok ? { ok: true, value: parsed.value } : { ok: false, error: parsed.error }
  },
  isEmpty: isBlank,
  toStored: (v, r) => (isBlank(v) ? null : toScaledInteger(v as string, r.scale ?? 0)),
  fromStored: (v, r) => (v === null || v === undefined ? null : fromScaledInteger(v as number | string, r.scale ?? 0)),
  formulaType: 'number',
  filterOperators: ORDERED_OPS,
  openApi: (r) => ({
    type: ['string', 'null'],
    pattern: r.scale ? `^-?\\d+\\.\\d{${r.scale}}$` : '^-?\\d+$',
    description: `decimal string with ${r.scale ?? 0} decimals; requests may send a number`,
  }),
}

export const booleanCodec: ValueCodec = {
  kind: 'boolean',
  normalize(input) {
    if (input === null || input === undefined || input === '') return { ok: true, value: null }
    if (typeof input === 'boolean') return { ok: true, value: input }
    if (input === 1 || input === '1' || input === 'true') return { ok: true, value: true }
    if (input === 0 || input === '0' || input === 'false') return { ok: true, value: false }
    return { ok: false, error: problem('must_be_boolean', 'must be true or false') }
  },
  isEmpty: (v) => v === null || v === undefined,
  toStored: (v) => (v === null || v === undefined ? null : Boolean(v)),
  // SQLite keeps booleans as 0/1.
  fromStored: (v) => (v === null || v === undefined ? null : v === true || v === 1 || v === '1'),
  formulaType: 'boolean',
  filterOperators: ['eq', 'ne', ...EMPTY_OPS],
  openApi: () => ({ type: ['boolean', 'null'] }),
}

export const dateCodec: ValueCodec = {
  kind: 'date',
  normalize(input) {
    if (isBlank(input)) return { ok: true, value: null }
    if (typeof input !== 'string') return { ok: false, error: problem('must_be_date', 'must be a date like 2026-11-27') }
    const date = parseDateText(input)
    if (date) return { ok: true, value: date }
    // A full timestamp is accepted and reduced to its business day.
    const ms = parseDateTimeText(input)
    return ms === null ? { ok: false, error: problem('not_a_date', `"${input}" is not a date like 2026-11-27`, { value: input }) } : { ok: true, value: businessDate(ms) }
  },
  isEmpty: isBlank,
  toStored: (v) => (isBlank(v) ? null : v),
  fromStored(v) {
    if (isBlank(v)) return null
    if (v instanceof Date) return v.toISOString().slice(0, 10)
    return String(v).slice(0, 10)
  },
  formulaType: 'date',
  filterOperators: ORDERED_OPS,
  openApi: () => ({ type: ['string', 'null'], format: 'date' }),
}

export const datetimeCodec: ValueCodec = {
  kind: 'datetime',
  normalize(input) {
    if (isBlank(input)) return { ok: true, value: null }
    if (input instanceof Date && !Number.isNaN(input.getTime())) return { ok: true, value: formatDateTime(input.getTime()) }
    if (typeof input !== 'string') return { ok: false, error: problem('must_be_datetime', 'must be a date-time like 2026-11-27 10:00:00') }
    const ms = parseDateTimeText(input)
    return ms === null
      ? { ok: false, error: problem('not_a_datetime', `"${input}" is not a date-time like 2026-11-27 10:00:00`, { value: input }) }
      : { ok: true, value: formatDateTime(ms) }
  },
  isEmpty: isBlank,
  toStored: (v) => (isBlank(v) ? null : parseDateTimeText(v as string)),
  fromStored: (v) => (v === null || v === undefined ? null : formatDateTime(Number(v))),
  formulaType: 'datetime',
  filterOperators: ORDERED_OPS,
  openApi: () => ({ type: ['string', 'null'], format: 'date-time' }),
}

/** Compare two canonical decimal strings (for min/max checks). */
export function compareDecimal(a: string | number, b: string | number): number {
  return new Decimal(String(a)).comparedTo(new Decimal(String(b)))
}
