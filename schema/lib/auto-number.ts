import { businessDate } from './time'

/**
 * Auto-number patterns like `RK{YYYYMMDD}{0000}`: literal text, date parts in the business time
 * zone, and one counter whose width is its number of zeros. The counter restarts whenever the
 * date parts change (daily for {YYYYMMDD}, monthly for {YYYYMM}, never without a date part).
 */
type Token = { literal: string } | { date: DatePart } | { counter: number }
type DatePart = 'YYYY' | 'YY' | 'MM' | 'DD'

const DATE_PARTS = new Set<string>(['YYYY', 'YY', 'MM', 'DD'])

export interface AutoNumberPattern {
  tokens: Token[]
}

export function parseAutoNumberPattern(pattern: string): AutoNumberPattern | { error: string } {
  const tokens: Token[] = []
  let counters = 0
  const re = /\{([^}]*)\}|([^{}]+)|([{}])/g
  for (const match of pattern.matchAll(re)) {
    if (match[3]) return { error: `unbalanced "${match[3]}" in pattern "${pattern}"` }
    if (match[2]) {
      tokens.push({ literal: match[2] })
      continue
    }
    const inner = match[1]
    if (/^0+$/.test(inner)) {
      if (inner.length > 12) return { error: 'the counter may have at most 12 digits' }
      tokens.push({ counter: inner.length })
      counters++
      continue
    }
    // {YYYYMMDD}, {YYMM}… are runs of date parts.
    const parts = inner.match(/YYYY|YY|MM|DD|./g) ?? []
    if (parts.length === 0 || parts.some((p) => !DATE_PARTS.has(p))) {
      return { error: `unknown part "{${inner}}" in pattern "${pattern}" (use YYYY, YY, MM, DD or 0000)` }
    }
    for (const part of parts) tokens.push({ date: part as DatePart })
  }
  if (counters !== 1) return { error: `pattern "${pattern}" needs exactly one counter such as {0000}` }
  return { tokens }
}

function datePart(part: DatePart, day: string): string {
  const [yyyy, mm, dd] = day.split('-')
  return { YYYY: yyyy, YY: yyyy.slice(2), MM: mm, DD: dd }[part]
}

/** The period the counter belongs to at `epochMs`, e.g. "20261127" for a daily pattern. */
export function autoNumberPeriod(pattern: AutoNumberPattern, epochMs: number): string {
  const day = businessDate(epochMs)
  return pattern.tokens.map((t) => ('date' in t ? datePart(t.date, day) : '')).join('')
}

export function formatAutoNumber(pattern: AutoNumberPattern, epochMs: number, counter: number): string {
  const day = businessDate(epochMs)
  return pattern.tokens
    .map((t) => ('literal' in t ? t.literal : 'date' in t ? datePart(t.date, day) : String(counter).padStart(t.counter, '0')))
    .join('')
}
