import { addDays, formatDateTime, parseDateText, startOfBusinessDay } from '../../schema/lib/time'
import { badRequest } from '../lib/errors'

/** A report's days, inclusive, as Asia/Shanghai calendar dates and the instants that bound them. */
export interface ReportPeriod {
  from: string
  to: string
  /** first instant of `from` (inclusive) */
  start: string
  /** first instant after `to` (exclusive) */
  end: string
}

/** A required YYYY-MM-DD query parameter, refused with a coded 400 when absent or not a date. */
export function dateParam(query: Record<string, unknown>, name: string): string {
  const raw = query[name]
  if (raw === undefined || raw === '') throw badRequest(`${name} (YYYY-MM-DD) is required`).because('report_date_required', { param: name })
  const text = typeof raw === 'string' ? raw : ''
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseDateText(text) : null
  if (!date) throw badRequest(`${name} is not a date: ${String(raw)}`).because('report_bad_date', { param: name, value: String(raw) })
  return date
}

export function periodParams(query: Record<string, unknown>): ReportPeriod {
  const from = dateParam(query, 'from')
  const to = dateParam(query, 'to')
  if (from > to) throw badRequest(`from ${from} is after to ${to}`).because('report_bad_range', { from, to })
  return { from, to, start: instant(from), end: instant(addDays(to, 1)) }
}

/** Everything posted up to the end of the day `at` (Asia/Shanghai). */
export function untilEndOf(at: string): string {
  return instant(addDays(at, 1))
}

export function instant(date: string): string {
  return formatDateTime(startOfBusinessDay(date))
}

/** The Asia/Shanghai month "YYYY-MM" of a stored date-time text ("2026-11-30T23:59:00.000+08:00"). */
export function monthOf(postedAt: string): string {
  return postedAt.slice(0, 7)
}
