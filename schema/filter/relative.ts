import { addDays, businessDate, formatDateTime, startOfBusinessDay } from '../lib/time'

/**
 * Relative dates in filters, evaluated in the business time zone (Asia/Shanghai):
 *   {"$date": "today" | "yesterday" | "tomorrow" | "now" | "start_of_week" | "start_of_month" |
 *             "end_of_month" | "start_of_year" | "-7d" | "+2w" | "-1m" | "-1y"}
 *   {"$range": "today" | "yesterday" | "this_week" | "last_week" | "this_month" | "last_month" |
 *              "this_year" | "last_year" | "last_7_days" | "next_30_days" …}
 * Weeks start on Monday.
 */
export type DateRange = { from: string; to: string }

function weekday(date: string): number {
  // 0 = Monday … 6 = Sunday
  return (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7
}

function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number)
  const total = y * 12 + (m - 1) + months
  const year = Math.floor(total / 12)
  const month = (total % 12) + 1
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate()
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, lastDay)).padStart(2, '0')}`
}

const startOfMonth = (date: string) => `${date.slice(0, 8)}01`
const endOfMonth = (date: string) => addDays(addMonths(startOfMonth(date), 1), -1)

/** A relative date as a calendar day, or null if the expression is not understood. */
export function relativeDate(expression: string, nowMs: number): string | null {
  const today = businessDate(nowMs)
  switch (expression) {
    case 'today':
    case 'now':
      return today
    case 'yesterday':
      return addDays(today, -1)
    case 'tomorrow':
      return addDays(today, 1)
    case 'start_of_week':
      return addDays(today, -weekday(today))
    case 'start_of_month':
      return startOfMonth(today)
    case 'end_of_month':
      return endOfMonth(today)
    case 'start_of_year':
      return `${today.slice(0, 4)}-01-01`
  }
  const match = /^([+-])(\d{1,4})([dwmy])$/.exec(expression)
  if (!match) return null
  const n = Number(match[2]) * (match[1] === '-' ? -1 : 1)
  switch (match[3]) {
    case 'd':
      return addDays(today, n)
    case 'w':
      return addDays(today, n * 7)
    case 'm':
      return addMonths(today, n)
    default:
      return addMonths(today, n * 12)
  }
}

export function relativeRange(expression: string, nowMs: number): DateRange | null {
  const today = businessDate(nowMs)
  const week = addDays(today, -weekday(today))
  switch (expression) {
    case 'today':
      return { from: today, to: today }
    case 'yesterday':
      return { from: addDays(today, -1), to: addDays(today, -1) }
    case 'this_week':
      return { from: week, to: addDays(week, 6) }
    case 'last_week':
      return { from: addDays(week, -7), to: addDays(week, -1) }
    case 'this_month':
      return { from: startOfMonth(today), to: endOfMonth(today) }
    case 'last_month': {
      const start = addMonths(startOfMonth(today), -1)
      return { from: start, to: endOfMonth(start) }
    }
    case 'this_year':
      return { from: `${today.slice(0, 4)}-01-01`, to: `${today.slice(0, 4)}-12-31` }
    case 'last_year': {
      const year = String(Number(today.slice(0, 4)) - 1).padStart(4, '0')
      return { from: `${year}-01-01`, to: `${year}-12-31` }
    }
  }
  const match = /^(last|next)_(\d{1,4})_days$/.exec(expression)
  if (!match) return null
  const n = Number(match[2])
  if (n < 1) return null
  // "last 7 days" is today and the 6 days before it.
  return match[1] === 'last' ? { from: addDays(today, 1 - n), to: today } : { from: today, to: addDays(today, n - 1) }
}

/** The first and last instant of a range of days, for datetime columns. */
export function rangeInstants(range: DateRange): { from: string; to: string } {
  return {
    from: formatDateTime(startOfBusinessDay(range.from)),
    to: formatDateTime(startOfBusinessDay(addDays(range.to, 1)) - 1),
  }
}
