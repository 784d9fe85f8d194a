import type { Cell } from './columns'

/**
 * Text a spreadsheet would read as a formula when it opens the file: `=`, `+`, `-`, `@`, and a
 * leading tab or carriage return (OWASP "CSV injection").
 */
const FORMULA_START = /^[=+\-@\t\r]/

export function looksLikeFormula(text: string): boolean {
  return FORMULA_START.test(text)
}

/**
 * A double holds every decimal of up to 15 significant digits exactly (and shows it back the
 * same); beyond that Excel would show a different number, so such values are written as text.
 */
export function fitsExcelNumber(decimal: string): boolean {
  const digits = decimal.replace(/^[-+]/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '')
  return /^\d*$/.test(digits) && digits.length <= 15
}

/** 'YYYY-MM-DD…' → its wall-clock parts; datetimes from the API are Asia/Shanghai time (+08:00). */
const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2}))?/

/**
 * A date or datetime as exceljs wants it: exceljs writes a Date's UTC parts as the cell's
 * wall-clock value, so the Date is built from the Shanghai wall-clock parts as if they were UTC.
 */
export function excelDate(text: string): Date | null {
  const m = WALL_CLOCK.exec(text)
  if (!m) return null
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0))
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s))
}

export function numberFormat(scale: number): string {
  return scale > 0 ? `#,##0.${'0'.repeat(scale)}` : '#,##0'
}

export const DATE_FORMAT = 'yyyy-mm-dd'
export const DATETIME_FORMAT = 'yyyy-mm-dd hh:mm:ss'

/** An xlsx cell: a real number, a real date, or a string cell (strings are never formulas in xlsx). */
export function xlsxValue(cell: Cell): { value: string | number | Date | null; numFmt?: string } {
  if (cell === null) return { value: null }
  switch (cell.type) {
    case 'number':
      return fitsExcelNumber(cell.text) ? { value: Number(cell.text), numFmt: numberFormat(cell.scale) } : { value: cell.text }
    case 'date': {
      const date = excelDate(cell.text)
      return date ? { value: date, numFmt: DATE_FORMAT } : { value: cell.text }
    }
    case 'datetime': {
      const date = excelDate(cell.text)
      return date ? { value: date, numFmt: DATETIME_FORMAT } : { value: cell.text }
    }
    default:
      return { value: cell.text }
  }
}

/**
 * A CSV field's text: numbers exact and plain (Excel reads them as numbers), dates and datetimes
 * as Shanghai wall-clock text, and text that would start a formula behind a `'`.
 */
export function csvText(cell: Cell): string {
  if (cell === null) return ''
  switch (cell.type) {
    case 'number':
      return cell.text
    case 'date':
      return cell.text.slice(0, 10)
    case 'datetime':
      return cell.text.length >= 19 ? `${cell.text.slice(0, 10)} ${cell.text.slice(11, 19)}` : cell.text
    default:
      return looksLikeFormula(cell.text) ? `'${cell.text}` : cell.text
  }
}

/** RFC 4180: a field with a comma, quote, CR or LF is quoted, its quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export function csvLine(texts: string[]): string {
  return `${texts.map(csvField).join(',')}\r\n`
}
