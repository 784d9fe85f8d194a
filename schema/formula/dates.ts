/**
 * Calendar arithmetic in the business timezone, Asia/Shanghai: fixed UTC+8 (no DST since 1991),
 * so no tz database is needed and results do not depend on the server's or browser's zone.
 */
export const BUSINESS_OFFSET_MS = 8 * 3_600_000
const OFFSET_MS = BUSINESS_OFFSET_MS
export const DAY_MS = 86_400_000

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

/** A calendar day with no time or zone: days since 1970-01-01. Formula values of type date. */
export class LocalDate {
  constructor(readonly epochDay: number) {}

  /** Overflow rolls over like Excel's DATE: month 13 is January next year, day 0 the last day before. */
  static of(year: number, month: number, day: number): LocalDate {
    return new LocalDate(Math.floor(utcMs(year, month, day) / DAY_MS))
  }

  /** 'YYYY-MM-DD' → LocalDate, or null when the text is not a real calendar date. */
  static parse(text: string): LocalDate | null {
    const match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text.trim())
    if (!match) return null
    const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])]
    const date = LocalDate.of(y, m, d)
    return date.year === y && date.month === m && date.day === d ? date : null
  }

  /** The business day an instant falls on. */
  static fromInstant(instant: Date): LocalDate {
    return new LocalDate(Math.floor((instant.getTime() + OFFSET_MS) / DAY_MS))
  }

  private get utc(): Date {
    return new Date(this.epochDay * DAY_MS)
  }
  get year(): number {
    return this.utc.getUTCFullYear()
  }
  get month(): number {
    return this.utc.getUTCMonth() + 1
  }
  get day(): number {
    return this.utc.getUTCDate()
  }

  /** 00:00 of this day in Asia/Shanghai */
  startInstant(): Date {
    return new Date(this.epochDay * DAY_MS - OFFSET_MS)
  }

  addDays(days: number): LocalDate {
    return new LocalDate(this.epochDay + days)
  }

  /** Like Excel's EDATE: the same day `months` later, clamped to the end of a shorter month. */
  addMonths(months: number): LocalDate {
    const total = this.year * 12 + (this.month - 1) + months
    const year = Math.floor(total / 12)
    const month = total - year * 12 + 1
    return LocalDate.of(year, month, Math.min(this.day, daysInMonth(year, month)))
  }

  toString(): string {
    return `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)}`
  }
}

export function daysInMonth(year: number, month: number): number {
  return new Date(utcMs(year, month + 1, 0)).getUTCDate()
}

/** Date.UTC without its rule that years 0-99 mean 1900-1999. */
function utcMs(year: number, month: number, day: number): number {
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  return date.getTime()
}

/** Wall-clock parts of an instant in Asia/Shanghai. */
export function businessParts(instant: Date): {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
} {
  const wall = new Date(instant.getTime() + OFFSET_MS)
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
  }
}

/** Shift an instant by whole calendar months, keeping the Shanghai wall-clock time. */
export function addMonthsToInstant(instant: Date, months: number): Date {
  const date = LocalDate.fromInstant(instant)
  const timeOfDay = instant.getTime() - date.startInstant().getTime()
  return new Date(date.addMonths(months).startInstant().getTime() + timeOfDay)
}

/** 'YYYY-MM-DD HH:mm:ss' in Asia/Shanghai, how a datetime reads when used as text. */
export function formatInstant(instant: Date): string {
  const p = businessParts(instant)
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`
}

const INSTANT_TEXT =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i

/** ISO 8601 or 'YYYY-MM-DD HH:mm:ss'; text without an offset is Asia/Shanghai time. */
export function parseInstant(text: string): Date | null {
  const match = INSTANT_TEXT.exec(text.trim())
  if (!match) return null
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(match[i] ?? 0))
  const ms = Number((match[7] ?? '0').padEnd(3, '0'))
  const date = LocalDate.parse(`${match[1]}-${match[2]}-${match[3]}`)
  if (!date || h > 23 || mi > 59 || s > 59) return null
  const wallClock = Date.UTC(y, mo - 1, d, h, mi, s, ms)
  const zone = match[8]?.toUpperCase()
  if (!zone) return new Date(wallClock - OFFSET_MS)
  if (zone === 'Z') return new Date(wallClock)
  const digits = zone.slice(1).replace(':', '')
  const minutes = (zone.startsWith('-') ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)))
  return new Date(wallClock - minutes * 60_000)
}
