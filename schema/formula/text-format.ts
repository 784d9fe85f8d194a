import type Decimal from 'decimal.js'
import dayjs from 'dayjs'
import utc from 'dayjs/plugin/utc.js'
import { BUSINESS_OFFSET_MS, DAY_MS, LocalDate } from './dates'
import { evalError } from './errors'
import { D, toNumber, toText, type Scalar } from './values'

// Idempotent, and leaves ordinary (local-time) dayjs objects as they were for the rest of the app.
dayjs.extend(utc)

/**
 * Excel's TEXT(value, format) for the formats merchants use:
 * numbers: "0", "0.00", "#,##0.00", "0%", "¥#,##0.00", "#,##0,"(thousands), "0.00;-0.00;0"(sections);
 * dates: Excel codes, case-insensitive: "yyyy-mm-dd", "YYYY年MM月DD日", "yyyy/m/d hh:mm:ss", "mmm d", "AM/PM".
 */
export function formatText(value: Scalar, format: string): string {
  if (/^(general|g|@)$/i.test(format.trim())) return toText(value)
  if (value instanceof LocalDate || value instanceof Date) {
    if (!isDateFormat(format)) throw evalError(`TEXT format ${JSON.stringify(format)} is for numbers, got a date`)
    return formatDate(value, format)
  }
  if (value === null && isDateFormat(format)) return ''
  let number: Decimal | null
  try {
    number = toNumber(value)
  } catch {
    return toText(value) // TEXT("abc", "0") is "abc", as in Excel
  }
  if (isDateFormat(format)) throw evalError(`TEXT format ${JSON.stringify(format)} is for dates, got a number`)
  return formatNumber(number ?? new D(0), format)
}

// ---- format tokens ----

type Token = { kind: 'literal'; text: string } | { kind: 'code'; text: string }

/** Split a format section into codes and literal text ("quoted", \x escaped, [$-804] dropped). */
function tokenize(format: string, codeChars: RegExp): Token[] {
  const tokens: Token[] = []
  const literal = (text: string) => {
    const last = tokens[tokens.length - 1]
    if (last?.kind === 'literal') last.text += text
    else tokens.push({ kind: 'literal', text })
  }
  for (let i = 0; i < format.length; i++) {
    const c = format[i]
    if (c === '"') {
      const close = format.indexOf('"', i + 1)
      const end = close === -1 ? format.length : close
      literal(format.slice(i + 1, end))
      i = end
    } else if (c === '\\' && i + 1 < format.length) {
      literal(format[++i])
    } else if (c === '[') {
      const close = format.indexOf(']', i)
      i = close === -1 ? format.length : close
    } else if (c === '_' && i + 1 < format.length) {
      literal(' ') // _x leaves room for the width of x
      i++
    } else if (c === '*' && i + 1 < format.length) {
      i++ // *x repeats x to fill a cell; there is no cell here
    } else if (/^(AM\/PM|A\/P)/i.test(format.slice(i))) {
      const text = /^AM\/PM/i.test(format.slice(i)) ? 'AM/PM' : 'A/P'
      tokens.push({ kind: 'code', text })
      i += text.length - 1
    } else if (codeChars.test(c)) {
      let j = i
      while (j + 1 < format.length && format[j + 1].toLowerCase() === c.toLowerCase()) j++
      tokens.push({ kind: 'code', text: format.slice(i, j + 1) })
      i = j
    } else {
      literal(c)
    }
  }
  return tokens
}

function sections(format: string): string[] {
  const parts: string[] = []
  let current = ''
  let quoted = false
  for (const c of format) {
    if (c === '"') quoted = !quoted
    if (c === ';' && !quoted) {
      parts.push(current)
      current = ''
    } else current += c
  }
  parts.push(current)
  return parts
}

function isDateFormat(format: string): boolean {
  const codes = tokenize(sections(format)[0], /[ydhsm0#?]/i).filter((t) => t.kind === 'code')
  return codes.length > 0 && codes.every((t) => /^[ydhsma]/i.test(t.text))
}

// ---- numbers ----

function formatNumber(value: Decimal, format: string): string {
  const parts = sections(format)
  let section = parts[0]
  let sign = value.isNegative() && !value.isZero() ? '-' : ''
  if (value.isNegative() && !value.isZero() && parts.length >= 2) {
    section = parts[1]
    sign = ''
  } else if (value.isZero() && parts.length >= 3) {
    section = parts[2]
  }
  // Each char is its own token here ('0', '#', ',' ...), so runs are not merged.
  const tokens = tokenize(section, /[0#?.,%]/).flatMap((t) =>
    t.kind === 'code' ? [...t.text].map((c): Token => ({ kind: 'code', text: c })) : [t],
  )
  const placeholders = tokens.map((t, i) => (t.kind === 'code' && /[0#?]/.test(t.text) ? i : -1)).filter((i) => i >= 0)
  if (placeholders.length === 0) return tokens.map((t) => t.text).join('')
  const [first, last] = [placeholders[0], placeholders[placeholders.length - 1]]
  const body = tokens.slice(first, last + 1)
  if (body.some((t) => t.kind === 'literal')) throw evalError(`unsupported TEXT format ${JSON.stringify(format)}`)
  const pattern = body.map((t) => t.text).join('')
  const percents = tokens.filter((t) => t.kind === 'code' && t.text === '%').length
  // Commas right after the last digit placeholder ("#,##0,") divide by 1000 each.
  let scaleCommas = 0
  for (let i = last + 1; i < tokens.length && tokens[i].kind === 'code' && tokens[i].text === ','; i++) scaleCommas++

  const [intPattern, fracPattern = ''] = pattern.split('.')
  const minInt = (intPattern.match(/0/g) ?? []).length
  const grouped = /[0#?],+[0#?]/.test(intPattern)
  const minFrac = (fracPattern.match(/0/g) ?? []).length
  const maxFrac = (fracPattern.match(/[0#?]/g) ?? []).length

  const scaled = value.abs().mul(new D(100).pow(percents)).div(new D(1000).pow(scaleCommas))
  let [intDigits, fracDigits = ''] = scaled.toFixed(maxFrac, D.ROUND_HALF_UP).split('.')
  while (fracDigits.length > minFrac && fracDigits.endsWith('0')) fracDigits = fracDigits.slice(0, -1)
  if (intDigits === '0' && minInt === 0) intDigits = ''
  intDigits = intDigits.padStart(minInt, '0')
  if (grouped) intDigits = intDigits.replace(/\B(?=(\d{3})+$)/g, ',')
  const number = intDigits + (fracPattern !== '' ? `.${fracDigits}` : '')
  if (/^[0.,]*$/.test(number)) sign = '' // "-0.00" reads as 0.00

  const before = tokens.slice(0, first).map((t) => t.text).join('')
  const after = tokens.slice(last + 1 + scaleCommas).map((t) => t.text).join('')
  return `${sign}${before}${number}${after}` // like Excel, TEXT(5, "#.##") is "5."
}

// ---- dates ----

function formatDate(value: LocalDate | Date, format: string): string {
  const tokens = tokenize(sections(format)[0], /[ydhsm]/i)
  const codes = tokens.filter((t) => t.kind === 'code' && !t.text.includes('/'))
  const twelveHour = tokens.some((t) => t.kind === 'code' && t.text.includes('/'))
  const letter = (token: Token | undefined) => token?.text[0].toLowerCase()
  const pattern = tokens
    .map((token) => {
      // dayjs prints [bracketed] text as is
      if (token.kind === 'literal') return token.text.replace(/[^\]]+/g, '[$&]')
      if (token.text.includes('/')) return 'A'
      const code = token.text.toLowerCase()
      const n = Math.min(code.length, 4)
      const index = codes.indexOf(token)
      // Excel: m right after an hour or right before seconds means minutes, otherwise month.
      const minute = code[0] === 'm' && (letter(codes[index - 1]) === 'h' || letter(codes[index + 1]) === 's')
      if (code[0] === 'y') return n <= 2 ? 'YY' : 'YYYY'
      if (minute) return n === 1 ? 'm' : 'mm'
      if (code[0] === 'm') return ['M', 'MM', 'MMM', 'MMMM'][n - 1]
      if (code[0] === 'd') return ['D', 'DD', 'ddd', 'dddd'][n - 1]
      if (code[0] === 'h') return twelveHour ? (n === 1 ? 'h' : 'hh') : n === 1 ? 'H' : 'HH'
      return n === 1 ? 's' : 'ss'
    })
    .join('')
  // Format the Shanghai wall-clock time as if it were UTC: independent of the host's timezone.
  const wallClockMs = value instanceof LocalDate ? value.epochDay * DAY_MS : value.getTime() + BUSINESS_OFFSET_MS
  return dayjs.utc(wallClockMs).locale('en').format(pattern)
}
