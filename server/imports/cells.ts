import type { FieldModel } from '../../schema/model/types'
import { localize } from '../../schema/lib/localized'
import { isValidCalendarDate } from '../../schema/lib/time'
import { problem, type Problem } from '../../schema/messages/problem'
import type { Cell } from './read-sheet'

/**
 * Spreadsheet cells → the API input the records service reads (its codecs then normalize and
 * validate it, exactly as for a request). Only what spreadsheets write differently from the API
 * is handled here: Chinese date formats, Excel serials and dates, ¥ and thousands separators,
 * accounting negatives, option labels, 是/否.
 */
export type CellRead = { ok: true; value: unknown } | { ok: false; error: Problem }

const ok = (value: unknown): CellRead => ({ ok: true, value })

/** Full-width digits, signs and punctuation as their ASCII twins (U+FF01–FF5E). */
export function halfWidth(text: string): string {
  return text.replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ')
}

/** A cell as text (what a CSV would hold), for text fields, previews and reports. */
export function cellText(cell: Cell): string {
  if (cell === null) return ''
  if (cell instanceof Date) return wallClock(cell).replace(/ 00:00:00$/, '')
  if (typeof cell === 'number') return Number.isInteger(cell) ? String(cell) : String(Number(cell.toPrecision(15)))
  return String(cell).trim()
}

const pad = (n: number) => String(n).padStart(2, '0')

/** exceljs gives dates as UTC instants whose UTC parts are the wall-clock time typed in the sheet. */
function wallClock(date: Date): string {
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
}

const EXCEL_EPOCH_DAYS = 25569 // 1970-01-01 as an Excel serial day
const DAY_MS = 86_400_000

/** An Excel serial day (1 = 1900-01-01) as wall-clock time. */
function fromSerial(serial: number): string | null {
  if (!(serial > 0 && serial < 2_958_466)) return null
  return wallClock(new Date(Math.round((serial - EXCEL_EPOCH_DAYS) * DAY_MS / 1000) * 1000))
}

const DATE_PATTERN = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT]+(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})(?:\.\d+)?)?\s*秒?)?$/
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/

/** '2026-01-05', '2026/1/5', '2026.1.5', '2026年1月5日', '20260105', with an optional time → wall-clock parts. */
function parseWallClock(text: string): { date: string; time: string | null } | null {
  const compact = COMPACT_DATE.exec(text)
  const match = compact ?? DATE_PATTERN.exec(text)
  if (!match) return null
  const [y, mo, d] = [1, 2, 3].map((i) => Number(match[i]))
  if (!isValidCalendarDate(y, mo, d)) return null
  const date = `${y}-${pad(mo)}-${pad(d)}`
  if (compact || match[4] === undefined) return { date, time: null }
  const [h, mi, s] = [4, 5, 6].map((i) => Number(match[i] ?? 0))
  if (h > 23 || mi > 59 || s > 59) return null
  return { date, time: `${pad(h)}:${pad(mi)}:${pad(s)}` }
}

function readDate(cell: Cell, datetime: boolean): CellRead {
  let text: string
  if (cell instanceof Date) text = wallClock(cell)
  else if (typeof cell === 'number') {
    const serial = fromSerial(cell)
    if (serial === null) return { ok: false, error: problem(datetime ? 'not_a_datetime' : 'not_a_date', `"${cell}" is not a date`, { value: String(cell) }) }
    text = serial
  } else text = halfWidth(String(cell).trim())
  if (/^\d{5}(\.\d+)?$/.test(text)) text = fromSerial(Number(text)) ?? text
  const parts = parseWallClock(text)
  // Anything else (ISO with an offset…) goes to the codec as it is, which accepts or words the error.
  if (!parts) return ok(text)
  if (!datetime) return ok(parts.date)
  return ok(`${parts.date} ${parts.time ?? '00:00:00'}`)
}

/** ¥1,200.00, ￥１，２００, 1 200, (1,200.00) → '-1200.00'; numbers stay exact to 15 digits. */
function readDecimal(cell: Cell): CellRead {
  if (typeof cell === 'number') return ok(Number.isInteger(cell) ? String(cell) : String(Number(cell.toPrecision(15))))
  if (typeof cell !== 'string') return ok(cell)
  let text = halfWidth(cell).replace(/[\s\u00a0]/g, '')
  let negative = false
  const accounting = /^\((.*)\)$/.exec(text)
  if (accounting) {
    text = accounting[1]
    negative = true
  }
  text = text.replace(/^([+-]?)[¥￥$]/, '$1').replace(/元$/, '').replace(/,/g, '')
  if (negative && !text.startsWith('-')) text = `-${text}`
  return ok(text)
}

const TRUE_WORDS = new Set(['是', 'true', '1', '√', '✓', '✔', 'y', 'yes', '对', '有'])
const FALSE_WORDS = new Set(['否', 'false', '0', '×', '✗', '✘', 'n', 'no', '错', '无'])

function readBoolean(cell: Cell): CellRead {
  if (typeof cell === 'boolean') return ok(cell)
  const text = cellText(cell).toLowerCase()
  if (text === '') return ok(null)
  if (TRUE_WORDS.has(text)) return ok(true)
  if (FALSE_WORDS.has(text)) return ok(false)
  return { ok: false, error: problem('import_not_a_checkbox', `"${text}" is not 是/否`, { value: text }) }
}

/** Splits a multi-value cell on , ， 、 ; ；. */
export function splitList(text: string): string[] {
  return text
    .split(/[,，、;；]/)
    .map((part) => part.trim())
    .filter(Boolean)
}

/** An option by its value or its label in either language; unknown text is left for the codec to refuse. */
function optionOf(field: FieldModel, text: string): string {
  const options = (field.def.options as { value: string; label: unknown }[] | undefined) ?? []
  const wanted = text.toLowerCase()
  const found =
    options.find((o) => o.value === text) ??
    options.find((o) => localize(o.label as never, 'zh-CN') === text || localize(o.label as never, 'en').toLowerCase() === wanted) ??
    options.find((o) => o.value.toLowerCase() === wanted)
  return found ? found.value : text
}

/** Reads one cell for a field (links are resolved by the caller, which looks them up in bulk). */
export function readCell(field: FieldModel, cell: Cell): CellRead {
  if (cell === null || (typeof cell === 'string' && cell.trim() === '')) return ok(null)
  switch (field.def.type) {
    case 'select':
      return ok(optionOf(field, cellText(cell)))
    case 'multi_select':
      return ok(splitList(cellText(cell)).map((part) => optionOf(field, part)))
  }
  switch (field.value.kind) {
    case 'text':
      return ok(typeof cell === 'string' ? cell.trim() : cellText(cell))
    case 'decimal':
      return readDecimal(cell)
    case 'boolean':
      return readBoolean(cell)
    case 'date':
      return readDate(cell, false)
    case 'datetime':
      return readDate(cell, true)
    case 'text_list':
      return ok(splitList(cellText(cell)))
    default:
      return ok(cellText(cell))
  }
}
