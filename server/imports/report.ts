import ExcelJS from 'exceljs'
import { localize, type Locale, type LocalizedText } from '../../schema/lib/localized'
import type { MessageParams } from '../../schema/messages/problem'
import type { MessageCode } from '../../schema/messages/catalog'
import zhMessages from '../../client/src/i18n/messages.zh-CN'
import enMessages from '../../client/src/i18n/messages.en'
import type { RowError } from './plan'

// The report leaves the app as a file, so the server words it with the client's own catalog.
const MESSAGES: Record<Locale, Record<MessageCode, string>> = { 'zh-CN': zhMessages, en: enMessages }
const HEADERS: Record<Locale, string[]> = {
  'zh-CN': ['行号', '列', '值', '原因'],
  en: ['Row', 'Column', 'Value', 'Reason'],
}

/** A coded problem in the reader's language ({param} filled in; LocalizedText params localized). */
export function wordProblem(code: MessageCode, params: MessageParams, message: string, locale: Locale): string {
  const template = MESSAGES[locale][code]
  if (!template) return message
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (name === 'message') return message
    const param = params[name]
    if (param === undefined) return whole
    return typeof param === 'object' ? localize(param as LocalizedText, locale) : String(param)
  })
}

/** Guards a text cell against being run as a formula when the report is opened. */
function safe(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text
}

function rowsOf(errors: RowError[], locale: Locale): (string | number)[][] {
  return errors.map((e) => [e.row || '', e.column ?? '', e.value ?? '', wordProblem(e.code, e.params, e.message, locale)])
}

/** The per-row report as CSV (UTF-8 with a BOM, so Excel reads Chinese). */
export function reportCsv(errors: RowError[], locale: Locale): Buffer {
  const quote = (v: string | number) => {
    const text = typeof v === 'number' ? String(v) : safe(v)
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
  }
  const lines = [HEADERS[locale], ...rowsOf(errors, locale)].map((row) => row.map(quote).join(','))
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join('\r\n') + '\r\n', 'utf8')])
}

/** The per-row report as an .xlsx workbook. */
export async function reportXlsx(errors: RowError[], locale: Locale): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook()
  const sheet = workbook.addWorksheet(locale === 'en' ? 'Import report' : '导入报告')
  sheet.columns = HEADERS[locale].map((header, i) => ({ header, width: [8, 20, 30, 60][i] }))
  sheet.getRow(1).font = { bold: true }
  for (const row of rowsOf(errors, locale)) sheet.addRow(row.map((v) => (typeof v === 'string' ? safe(v) : v)))
  return Buffer.from(await workbook.xlsx.writeBuffer())
}
