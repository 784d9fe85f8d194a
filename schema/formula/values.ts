import Decimal from 'decimal.js'
import { LocalDate, formatInstant, parseInstant } from './dates'
import { evalError } from './errors'
import type { FormulaType, FormulaValue } from './types'

/**
 * The engine's own Decimal constructor, so its precision neither depends on nor changes the
 * app-wide Decimal settings. 34 significant digits (IEEE decimal128) for intermediate results;
 * ROUND_HALF_UP is half away from zero (Excel's ROUND); MOD takes the divisor's sign, like Excel.
 */
export const D = Decimal.clone({
  precision: 34,
  rounding: Decimal.ROUND_HALF_UP,
  modulo: Decimal.ROUND_FLOOR,
  toExpNeg: -40,
  toExpPos: 40,
})
export const ZERO = new D(0)

/**
 * Values while a formula runs. Dates are LocalDate here (not 'YYYY-MM-DD' strings) so a date is
 * never confused with text; numbers are always instances of D. Lists come from sub-form columns.
 */
export type Scalar = Decimal | string | boolean | Date | LocalDate | null
export type Value = Scalar | Scalar[]

export const isNumber = (value: unknown): value is Decimal => Decimal.isDecimal(value)
export const isBlank = (value: Value): boolean => value === null || value === ''

export function describe(value: Value): string {
  if (value === null) return 'blank'
  if (Array.isArray(value)) return 'a list'
  if (isNumber(value)) return 'a number'
  if (typeof value === 'string') return `text ${JSON.stringify(value)}`
  if (typeof value === 'boolean') return 'a boolean'
  return value instanceof LocalDate ? 'a date' : 'a datetime'
}

const NUMERIC_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i

function parseNumber(text: string): Decimal | null {
  const trimmed = text.trim().replace(/,/g, '')
  return NUMERIC_TEXT.test(trimmed) ? new D(trimmed) : null
}

// ---- runtime coercions (static checking already rejected the impossible cases; these catch `any`) ----

export function toNumber(value: Value): Decimal | null {
  if (value === null || isNumber(value)) return value
  if (typeof value === 'string') {
    const parsed = parseNumber(value)
    if (parsed) return parsed
  }
  if (typeof value === 'boolean') return new D(value ? 1 : 0)
  throw evalError(`expected a number, got ${describe(value)}`)
}

/** Arithmetic: blank counts as 0. */
export function toNumberOrZero(value: Value): Decimal {
  return toNumber(value) ?? ZERO
}

/** A whole number for arguments like ROUND's digits or LEFT's length (truncated, like Excel). */
export function toInteger(value: Value, what: string): number {
  const number = toNumberOrZero(value).trunc()
  if (number.abs().greaterThan(1e9)) throw evalError(`${what} is out of range`)
  return number.toNumber()
}

export function toText(value: Value): string {
  if (value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
  if (isNumber(value)) return value.toFixed()
  if (value instanceof LocalDate) return value.toString()
  if (value instanceof Date) return formatInstant(value)
  throw evalError('expected text, got a list')
}

export function toBoolean(value: Value): boolean {
  if (value === null) return false
  if (typeof value === 'boolean') return value
  if (isNumber(value)) return !value.isZero()
  throw evalError(`expected TRUE or FALSE, got ${describe(value)}`)
}

export function toDate(value: Value): LocalDate | null {
  if (value === null || value instanceof LocalDate) return value
  if (value instanceof Date) return LocalDate.fromInstant(value)
  if (typeof value === 'string') {
    const parsed = LocalDate.parse(value)
    if (parsed) return parsed
  }
  throw evalError(`expected a date, got ${describe(value)}`)
}

export function toInstant(value: Value): Date | null {
  if (value === null || value instanceof Date) return value
  const date = toDate(value)
  return date && date.startInstant()
}

// ---- boundary: caller values in, results out ----

/** A value from FormulaValues, read as the static type the scope declared for it. */
export function fromInput(raw: unknown, type: FormulaType, key: string): Scalar {
  if (raw === undefined || raw === null) return null
  const fail = (): never => {
    const expected = type === 'any' || type === 'null' ? 'a formula value' : `a ${type}`
    throw evalError(`field "${key}" should hold ${expected}, got ${typeof raw === 'object' ? String(raw) : JSON.stringify(raw)}`)
  }
  const numeric =
    typeof raw === 'number' ? (Number.isFinite(raw) ? new D(String(raw)) : fail()) : Decimal.isDecimal(raw) ? new D(raw) : null
  switch (type) {
    case 'number':
      if (numeric || raw === '') return numeric
      return (typeof raw === 'string' && parseNumber(raw)) || fail()
    case 'text':
      if (typeof raw === 'string') return raw
      if (numeric) return numeric.toFixed()
      return typeof raw === 'boolean' ? toText(raw) : fail()
    case 'boolean':
      return typeof raw === 'boolean' ? raw : fail()
    case 'date':
      if (raw === '') return null
      if (raw instanceof LocalDate) return raw
      if (raw instanceof Date) return LocalDate.fromInstant(raw)
      return (typeof raw === 'string' && LocalDate.parse(raw)) || fail()
    case 'datetime':
      if (raw === '') return null
      if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? fail() : raw
      if (typeof raw === 'number') return new Date(raw)
      return (typeof raw === 'string' && parseInstant(raw)) || fail()
    default:
      if (numeric) return numeric
      if (typeof raw === 'string' || typeof raw === 'boolean' || raw instanceof Date || raw instanceof LocalDate) return raw
      return fail()
  }
}

/** Internal value → the public FormulaValue (app-wide Decimal, dates as 'YYYY-MM-DD'). */
export function toOutput(value: Value): FormulaValue {
  if (Array.isArray(value)) throw evalError('a formula cannot produce a list')
  if (isNumber(value)) return new Decimal(value)
  if (value instanceof LocalDate) return value.toString()
  return value
}

// ---- comparison ----

function temporalMs(value: LocalDate | Date): number {
  return value instanceof LocalDate ? value.startInstant().getTime() : value.getTime()
}

/**
 * Excel-style ordering: -1, 0 or 1. Text compares case-insensitively (as Excel's = and < do).
 * Blank equals 0, "" and FALSE, and sorts before every date.
 */
export function compareValues(a: Scalar, b: Scalar): number {
  if (a === null && b === null) return 0
  if (a === null) return -compareValues(b, a)
  if (b === null) {
    if (isNumber(a)) return a.cmp(ZERO)
    if (typeof a === 'string') return a === '' ? 0 : 1
    if (typeof a === 'boolean') return a ? 1 : 0
    return 1
  }
  if (isNumber(a) && isNumber(b)) return a.cmp(b)
  if (typeof a === 'string' && typeof b === 'string') {
    const [x, y] = [a.toLowerCase(), b.toLowerCase()]
    return x < y ? -1 : x > y ? 1 : 0
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  if ((a instanceof LocalDate || a instanceof Date) && (b instanceof LocalDate || b instanceof Date)) {
    return Math.sign(temporalMs(a) - temporalMs(b))
  }
  throw evalError(`cannot compare ${describe(a)} with ${describe(b)}`)
}
