import { parseDecimal } from '../../../schema/lib/decimal'
import { parseDateTimeText } from '../../../schema/lib/time'

/** A parsed cell: its value, or why it could not be read. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string }

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value })
const fail = <T>(message: string): Parsed<T> => ({ ok: false, message })

/**
 * A cell as the merchant meant it. The seller center writes ids as `="2923…"` (so Excel keeps
 * every digit) and phone numbers as `'138…`; exports also carry tabs, BOMs and no-break spaces.
 */
export function cleanCell(raw: string): string {
  let text = raw.replace(/[\u200b-\u200d\ufeff]/g, '').replace(/\u00a0/g, ' ').trim()
  const formula = /^=\s*"([\s\S]*)"$/.exec(text)
  if (formula) text = formula[1].replace(/""/g, '"').trim()
  else if (/^=\s*[\d.]+$/.test(text)) text = text.slice(1).trim()
  if (text.startsWith("'")) text = text.slice(1).trim()
  return text
}

/** Empty, or one of the placeholders exports use for "nothing". */
export function isBlank(text: string | undefined): boolean {
  return text === undefined || text === '' || text === '-' || text === '--' || /^null$/i.test(text)
}

/** Optional text: blank → null. */
export function optionalText(text: string | undefined): string | null {
  return isBlank(text) ? null : text!
}

/** A Taobao id (tid, oid): 1-20 digits, kept as text so ids above 2^53 stay exact. */
export function parseId(text: string | undefined): Parsed<string> {
  if (isBlank(text)) return fail('为空')
  if (/^\d{1,20}$/.test(text!)) return ok(text!)
  if (/^\d+(\.\d+)?e\+?\d+$/i.test(text!)) return fail(`"${text}" 被表格软件存成了科学计数法，后几位已丢失；请重新导出，不要用 Excel 另存`)
  return fail(`"${text}" 不是订单号（应为数字）`)
}

/** Money as exported (`12.50`, sometimes `￥12.50` or `1,299.00`) → a decimal string with 2 places; blank → null. */
export function parseMoney(text: string | undefined): Parsed<string | null> {
  if (isBlank(text)) return ok(null)
  const stripped = text!.replace(/^[￥¥]|元$/g, '').replace(/[,\s]/g, '')
  const parsed = parseDecimal(stripped, 2)
  return parsed.ok ? ok(parsed.value) : fail(`"${text}" 不是金额`)
}

/** A whole count (`3`, `3.0` from spreadsheets) → number; blank → null. */
export function parseCount(text: string | undefined): Parsed<number | null> {
  if (isBlank(text)) return ok(null)
  const match = /^(\d{1,9})(?:\.0*)?$/.exec(text!.replace(/,/g, ''))
  return match ? ok(Number(match[1])) : fail(`"${text}" 不是数量`)
}

const EXCEL_EPOCH_DAYS = 25569 // 1970-01-01 as an Excel serial day
const DAY_MS = 86_400_000

/**
 * A time as exported — `2024-05-01 12:30:45`, also `2024/5/1 12:30`, `2024年5月1日 12:30:45` or an
 * Excel serial day — read as Asia/Shanghai wall-clock time → `yyyy-MM-dd HH:mm:ss`; blank → null.
 */
export function parseTime(text: string | undefined): Parsed<string | null> {
  if (isBlank(text) || /^0{4}-0{2}-0{2}/.test(text!)) return ok(null)
  let source = text!
  if (/^\d{5}(\.\d+)?$/.test(source)) {
    const wall = new Date(Math.round((Number(source) - EXCEL_EPOCH_DAYS) * DAY_MS))
    source = wall.toISOString().slice(0, 19).replace('T', ' ')
  }
  const match = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[\sT]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?$/.exec(source.trim())
  if (!match) return fail(`"${text}" 不是时间`)
  const [y, mo, d, h, mi, s] = match.slice(1).map((part, i) => (part ?? '0').padStart(i === 0 ? 4 : 2, '0'))
  const normalized = `${y}-${mo}-${d} ${h}:${mi}:${s}`
  return parseDateTimeText(normalized) === null ? fail(`"${text}" 不是时间`) : ok(normalized)
}
