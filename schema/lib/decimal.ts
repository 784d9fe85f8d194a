import Decimal from 'decimal.js'
import { problem, type Problem } from '../messages/problem'

/**
 * Exact decimals for money and quantities. Values cross the API as decimal strings at the field's
 * scale ("200.07") and are stored as scaled integers (分 for money), so no float ever touches them.
 */
export { Decimal }

const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)$/

export type DecimalParse = { ok: true; value: string } | { ok: false; error: Problem }

const tooManyDecimals = (scale: number) =>
  problem('too_many_decimals', `has more than ${scale} decimal place${scale === 1 ? '' : 's'}`, { max: scale })

const PLAIN = /^([+-]?)(\d+)(?:\.(\d*))?$/

/**
 * The common case without decimal.js: plain digits whose scaled value has at most 15 digits
 * (exact in a JS number). Returns null when the slow, general path must decide.
 */
function parsePlain(text: string, scale: number): DecimalParse | null {
  const match = PLAIN.exec(text)
  if (!match) return null
  const fraction = (match[3] ?? '').replace(/0+$/, '')
  if (fraction.length > scale) return { ok: false, error: tooManyDecimals(scale) }
  const integer = match[2].replace(/^0+(?=\d)/, '')
  if (integer.length + scale > 15) return null
  const zero = /^0*$/.test(integer + fraction)
  const sign = match[1] === '-' && !zero ? '-' : ''
  return { ok: true, value: scale ? `${sign}${integer}.${fraction.padEnd(scale, '0')}` : `${sign}${integer}` }
}

/** Parse API input (string or number) into the canonical string at `scale` decimals. */
export function parseDecimal(input: unknown, scale: number): DecimalParse {
  if (typeof input === 'string' || (typeof input === 'number' && Number.isFinite(input))) {
    const fast = parsePlain(typeof input === 'string' ? input.trim() : String(input), scale)
    if (fast) return fast
  }
  let text: string
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { ok: false, error: problem('number_not_finite', 'must be a finite number') }
    text = String(input)
    // String(1e21) is "1e+21": JS numbers that large are not exact anyway.
    if (/e/i.test(text)) return { ok: false, error: problem('number_out_of_range', 'number is out of range; send it as a decimal string') }
  } else if (typeof input === 'string') {
    text = input.trim().replace(/,/g, '')
  } else {
    return { ok: false, error: problem('must_be_number', 'must be a number or a decimal string') }
  }
  if (!DECIMAL_TEXT.test(text)) return { ok: false, error: problem('not_a_number', `"${String(input)}" is not a number`, { value: String(input) }) }
  const value = new Decimal(text)
  if (value.decimalPlaces() > scale) {
    return { ok: false, error: tooManyDecimals(scale) }
  }
  if (value.abs().greaterThanOrEqualTo(MAX_ABS_UNSCALED(scale))) return { ok: false, error: problem('number_too_large', 'is too large') }
  return { ok: true, value: value.toFixed(scale) }
}

const limits = new Map<number, Decimal>()

/** Largest magnitude that still fits a signed 64-bit integer once scaled, and stays exact in JS. */
function MAX_ABS_UNSCALED(scale: number): Decimal {
  let limit = limits.get(scale)
  if (!limit) {
    limit = new Decimal(Number.MAX_SAFE_INTEGER).div(new Decimal(10).pow(scale))
    limits.set(scale, limit)
  }
  return limit
}

const CANONICAL = /^(-?)(\d+)(?:\.(\d+))?$/

/** Canonical decimal string → scaled integer for a BIGINT column ("200.07", 2 → 20007). */
export function toScaledInteger(value: string | Decimal, scale: number): number {
  if (typeof value === 'string') {
    const match = CANONICAL.exec(value)
    const fraction = match?.[3] ?? ''
    if (match && fraction.length <= scale && match[2].length + scale <= 15) {
      const digits = Number(match[2] + fraction.padEnd(scale, '0'))
      return match[1] && digits !== 0 ? -digits : digits
    }
  }
  const scaled = new Decimal(value).mul(new Decimal(10).pow(scale))
  if (!scaled.isInteger()) throw new Error(`${value.toString()} has more than ${scale} decimals`)
  return scaled.toNumber()
}

/** BIGINT column value (number from SQLite, string from PostgreSQL) → canonical decimal string. */
export function fromScaledInteger(stored: number | string | bigint, scale: number): string {
  const text = typeof stored === 'number' ? (Number.isSafeInteger(stored) ? String(stored) : '') : typeof stored === 'bigint' ? stored.toString() : /^-?\d+$/.test(stored) ? stored : ''
  if (text) {
    const negative = text.startsWith('-')
    const digits = (negative ? text.slice(1) : text).padStart(scale + 1, '0')
    const body = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits
    return negative && /[1-9]/.test(digits) ? `-${body}` : body
  }
  return new Decimal(String(stored)).div(new Decimal(10).pow(scale)).toFixed(scale)
}

/** Round a computed value to a field's scale (half away from zero, like Excel's ROUND). */
export function roundToScale(value: Decimal.Value, scale: number): string {
  return new Decimal(value).toDecimalPlaces(scale, Decimal.ROUND_HALF_UP).toFixed(scale)
}
