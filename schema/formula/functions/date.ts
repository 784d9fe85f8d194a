import { LocalDate, addMonthsToInstant } from '../dates'
import { evalError } from '../errors'
import { D, toDate, toInteger, toText } from '../values'
import type { Scalar, Value } from '../values'
import { DATE, NUMBER, TEXT, type FunctionDef } from './types'

/** Complete months from start to end (Excel DATEDIF "M"): Jan 31 → Feb 28 is 0 months. */
function completeMonths(start: LocalDate, end: LocalDate): number {
  const months = (end.year - start.year) * 12 + (end.month - start.month)
  return end.day < start.day ? months - 1 : months
}

const DATEDIF_UNITS = ['Y', 'M', 'D', 'YM', 'YD', 'MD']

function datedif(start: LocalDate, end: LocalDate, unit: string): number {
  if (start.epochDay > end.epochDay) throw evalError('DATEDIF start date is after the end date')
  const months = completeMonths(start, end)
  switch (unit) {
    case 'D':
      return end.epochDay - start.epochDay
    case 'M':
      return months
    case 'Y':
      return Math.floor(months / 12)
    case 'YM':
      return months % 12
    case 'MD':
      return end.epochDay - start.addMonths(months).epochDay
    case 'YD': {
      const years = Math.floor(months / 12)
      return end.epochDay - start.addMonths(years * 12).epochDay
    }
    default:
      throw evalError(`DATEDIF unit must be one of ${DATEDIF_UNITS.map((u) => `"${u}"`).join(', ')}, got ${JSON.stringify(unit)}`)
  }
}

const DATEADD_UNITS: Record<string, { months?: number; days?: number }> = {
  Y: { months: 12 },
  M: { months: 1 },
  W: { days: 7 },
  D: { days: 1 },
}

function dateAdd(value: Value, amount: number, unit: string): Scalar {
  const step = Object.hasOwn(DATEADD_UNITS, unit) ? DATEADD_UNITS[unit] : undefined
  if (!step) throw evalError(`DATEADD unit must be one of "Y", "M", "W", "D", got ${JSON.stringify(unit)}`)
  if (value === null) return null
  if (value instanceof Date) {
    return step.months
      ? addMonthsToInstant(value, amount * step.months)
      : new Date(value.getTime() + amount * (step.days ?? 0) * 86_400_000)
  }
  const date = toDate(value)!
  return step.months ? date.addMonths(amount * step.months) : date.addDays(amount * (step.days ?? 0))
}

const unitOf = (value: Value) => toText(value).trim().toUpperCase()

export const DATE_FUNCTIONS: FunctionDef[] = [
  {
    name: 'TODAY',
    category: 'date',
    syntax: 'TODAY()',
    example: 'TODAY() - {下单日期}',
    description: { 'zh-CN': '今天（北京时间）', en: "Today's date (China time)" },
    params: [],
    returns: 'date',
    volatile: true,
    evaluate: (_args, ctx) => LocalDate.fromInstant(ctx.now),
  },
  {
    name: 'NOW',
    category: 'date',
    syntax: 'NOW()',
    example: 'NOW()',
    description: { 'zh-CN': '当前日期时间', en: 'The current date and time' },
    params: [],
    returns: 'datetime',
    volatile: true,
    evaluate: (_args, ctx) => new Date(ctx.now.getTime()),
  },
  {
    name: 'DATE',
    category: 'date',
    syntax: 'DATE(year, month, day)',
    example: 'DATE(2026, 12, 31)',
    description: { 'zh-CN': '由年、月、日组成日期，超出的月/日自动进位', en: 'A date from year, month and day; overflowing months/days roll over' },
    params: [{ accepts: NUMBER }, { accepts: NUMBER }, { accepts: NUMBER }],
    returns: 'date',
    evaluate: ([y, m, d]) => {
      let year = toInteger(y, 'year')
      if (year >= 0 && year < 1900) year += 1900 // as Excel does: DATE(26, 1, 1) is 1926-01-01
      const date = LocalDate.of(year, toInteger(m, 'month'), toInteger(d, 'day'))
      if (date.year < 1900 || date.year > 9999) throw evalError('DATE is out of range (years 1900 to 9999)')
      return date
    },
  },
  {
    name: 'DATEVALUE',
    category: 'date',
    syntax: 'DATEVALUE(text)',
    example: 'DATEVALUE("2026-11-11")',
    description: { 'zh-CN': '把 "YYYY-MM-DD" 文本转为日期', en: 'Converts "YYYY-MM-DD" text to a date' },
    params: [{ accepts: TEXT }],
    returns: 'date',
    evaluate: ([text]) => {
      const value = toText(text)
      if (value.trim() === '') return null
      const date = LocalDate.parse(value)
      if (!date) throw evalError(`DATEVALUE cannot read ${JSON.stringify(value)} as a date (use YYYY-MM-DD)`)
      return date
    },
  },
  ...(['YEAR', 'MONTH', 'DAY'] as const).map(
    (name): FunctionDef => ({
      name,
      category: 'date',
      syntax: `${name}(date)`,
      example: `${name}({下单日期})`,
      description: {
        'zh-CN': { YEAR: '日期的年份', MONTH: '日期的月份（1-12）', DAY: '日期是当月第几天' }[name],
        en: { YEAR: 'The year of a date', MONTH: 'The month of a date (1-12)', DAY: 'The day of the month of a date' }[name],
      },
      params: [{ accepts: DATE }],
      returns: 'number',
      evaluate: ([value]) => {
        const date = toDate(value)
        if (!date) return null
        return new D(name === 'YEAR' ? date.year : name === 'MONTH' ? date.month : date.day)
      },
    }),
  ),
  {
    name: 'DATEDIF',
    category: 'date',
    syntax: 'DATEDIF(start, end, unit)',
    example: 'DATEDIF({下单日期}, TODAY(), "D")',
    description: {
      'zh-CN': '两个日期相差的整年 "Y"、整月 "M" 或天数 "D"（另有 "YM"、"YD"、"MD"）',
      en: 'Complete years "Y", months "M" or days "D" between two dates (also "YM", "YD", "MD")',
    },
    params: [{ accepts: DATE }, { accepts: DATE }, { accepts: TEXT }],
    returns: (args, h) => {
      const unit = args[2].node
      if (unit.kind === 'string' && !DATEDIF_UNITS.includes(unit.value.trim().toUpperCase())) {
        h.fail(`DATEDIF unit must be one of ${DATEDIF_UNITS.map((u) => `"${u}"`).join(', ')}, got ${JSON.stringify(unit.value)}`, unit)
      }
      return 'number'
    },
    evaluate: ([start, end, unit]) => {
      const [from, to] = [toDate(start), toDate(end)]
      return from && to ? new D(datedif(from, to, unitOf(unit))) : null
    },
  },
  {
    name: 'DAYS',
    category: 'date',
    syntax: 'DAYS(end, start)',
    example: 'DAYS({发货日期}, {下单日期})',
    description: { 'zh-CN': '两个日期相差的天数（结束减开始）', en: 'Days from start to end (end minus start)' },
    params: [{ accepts: DATE }, { accepts: DATE }],
    returns: 'number',
    evaluate: ([end, start]) => {
      const [to, from] = [toDate(end), toDate(start)]
      return from && to ? new D(to.epochDay - from.epochDay) : null
    },
  },
  {
    name: 'EDATE',
    category: 'date',
    syntax: 'EDATE(start, months)',
    example: 'EDATE({签约日期}, 12)',
    description: { 'zh-CN': '若干个月之后（或之前）的同一天，月末自动对齐', en: 'The same day some months later (or earlier), clamped to month end' },
    params: [{ accepts: DATE }, { accepts: NUMBER }],
    returns: 'date',
    evaluate: ([start, months]) => toDate(start)?.addMonths(toInteger(months, 'months')) ?? null,
  },
  {
    name: 'DATEADD',
    category: 'date',
    syntax: 'DATEADD(date, amount, unit)',
    example: 'DATEADD({下单日期}, 7, "D")',
    description: {
      'zh-CN': '日期加上若干年 "Y"、月 "M"、周 "W" 或天 "D"（可为负数）',
      en: 'Adds years "Y", months "M", weeks "W" or days "D" (may be negative) to a date',
    },
    params: [{ accepts: DATE }, { accepts: NUMBER }, { accepts: TEXT }],
    returns: (args, h) => {
      const unit = args[2].node
      if (unit.kind === 'string' && !Object.hasOwn(DATEADD_UNITS, unit.value.trim().toUpperCase())) {
        h.fail(`DATEADD unit must be one of "Y", "M", "W", "D", got ${JSON.stringify(unit.value)}`, unit)
      }
      const type = args[0].type
      return type === 'date' || type === 'datetime' ? type : 'any'
    },
    evaluate: ([value, amount, unit]) => dateAdd(value, toInteger(amount, 'amount'), unitOf(unit)),
  },
]
