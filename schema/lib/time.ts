/**
 * Business time. Merchants work in Asia/Shanghai, which has been UTC+8 without daylight saving
 * since 1991, so a fixed offset is exact for every date an ERP handles and needs no tz database.
 * Datetimes are stored as UTC epoch milliseconds; dates as 'YYYY-MM-DD' calendar days.
 */
export const BUSINESS_UTC_OFFSET_MINUTES = 8 * 60
const OFFSET_MS = BUSINESS_UTC_OFFSET_MINUTES * 60_000
const DAY_MS = 86_400_000

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/
const DATETIME_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

export function isValidCalendarDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || y < 1 || y > 9999) return false
  const probe = new Date(Date.UTC(y, m - 1, d))
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d
}

/** 'YYYY-MM-DD' (a calendar date, no zone) or null when it is not a real date. */
export function parseDateText(text: string): string | null {
  const match = DATE_TEXT.exec(text.trim())
  if (!match) return null
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])]
  return isValidCalendarDate(y, m, d) ? `${match[1]}-${match[2]}-${match[3]}` : null
}

/**
 * ISO 8601 with or without an offset, or 'YYYY-MM-DD HH:mm:ss' (Taobao's format). Text without an
 * offset is read as Asia/Shanghai time. Returns epoch milliseconds or null.
 */
export function parseDateTimeText(text: string): number | null {
  const match = DATETIME_TEXT.exec(text.trim())
  if (!match) {
    const dateOnly = parseDateText(text)
    return dateOnly === null ? null : startOfBusinessDay(dateOnly)
  }
  const [y, mo, d, h, mi] = [1, 2, 3, 4, 5].map((i) => Number(match[i]))
  const s = Number(match[6] ?? 0)
  const ms = Number((match[7] ?? '0').padEnd(3, '0'))
  if (!isValidCalendarDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return null
  const wallClock = Date.UTC(y, mo - 1, d, h, mi, s, ms)
  const zone = match[8]
  if (!zone) return wallClock - OFFSET_MS
  if (zone.toUpperCase() === 'Z') return wallClock
  const sign = zone.startsWith('-') ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  const offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)))
  return wallClock - offsetMinutes * 60_000
}

/** Epoch ms → '2026-11-27T10:00:00.000+08:00'. */
export function formatDateTime(epochMs: number): string {
  const wall = new Date(epochMs + OFFSET_MS)
  return (
    `${wall.getUTCFullYear()}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}` +
    `T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}` +
    `.${pad(wall.getUTCMilliseconds(), 3)}+08:00`
  )
}

/** Epoch ms → the business calendar day it falls on. */
export function businessDate(epochMs: number): string {
  const wall = new Date(epochMs + OFFSET_MS)
  return `${wall.getUTCFullYear()}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}`
}

/** 'YYYY-MM-DD' → epoch ms of 00:00 that day in Asia/Shanghai. */
export function startOfBusinessDay(date: string): number {
  const [y, m, d] = date.split('-').map(Number)
  return Date.UTC(y, m - 1, d) - OFFSET_MS
}

/** Add whole days to a calendar date. */
export function addDays(date: string, days: number): string {
  return businessDate(startOfBusinessDay(date) + days * DAY_MS)
}
