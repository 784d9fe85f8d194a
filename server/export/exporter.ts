import { once } from 'node:events'
import type { Writable } from 'node:stream'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { localize } from '../../schema/lib/localized'
import { formatDateTime } from '../../schema/lib/time'
import type { FormModel } from '../../schema/model/types'
import type { Actor } from '../access/actor'
import type { AppContext } from '../context'
import type { RecordsService } from '../records/service'
import type { ApiRecord, ListResult } from '../records/types'
import { csvLine, csvText, xlsxValue } from './cells'
import { defaultColumnIds, resolveColumns, type ExportColumn } from './columns'
import { Views } from '../views/service'
import { planExport, type ExportRequest } from './request'

/** Records are read a page at a time by keyset: memory stays flat whatever the row count. */
const PAGE = 500

/** An export checked and started (its first page read): what to name it and how to write it. */
export interface PreparedExport {
  /** `<form label>-<yyyymmdd-hhmm>.xlsx`, in Shanghai time */
  fileName: string
  /** the same with the form key, for clients that cannot read RFC 5987 names */
  asciiName: string
  contentType: string
  /** streams the whole file into `out` (and ends it); resolves with the number of records written */
  write(out: Writable): Promise<number>
}

/**
 * Exports a form's records as the caller may read them (through the records service: row scope,
 * hidden fields). Everything that can be refused — the form, the view, the columns, the filter
 * and the sort — is checked here, before a byte of the file is sent.
 */
export async function prepareExport(ctx: AppContext, actor: Actor, formKey: string, request: ExportRequest, now = Date.now()): Promise<PreparedExport> {
  const form = ctx.registry.require(formKey)
  ctx.access.check(actor, 'read', form)
  ctx.access.check(actor, 'export', form)
  const hidden = ctx.access.hiddenFields(actor, form)
  const plan = await planExport(form, request, actor, (f, key, who) => new Views(ctx).definition(who, f.key, key))
  const columns = resolveColumns(ctx.registry, form, plan.columns ?? defaultColumnIds(form, hidden), {
    locale: request.locale,
    hidden,
    lenient: plan.lenientColumns,
  })
  const service = ctx.records.as(actor)
  const lines = columns.some((c) => c.lines)
  const first = await service.list(form.key, { filter: plan.filter, sort: plan.sort, limit: PAGE, lines, total: false })
  const stamp = formatDateTime(now).slice(0, 16).replace(/[-:]/g, '').replace('T', '-')
  const label = localize(form.def.label, request.locale).replace(/[\\/:*?"<>|\r\n]/g, '_')
  const ext = request.format
  return {
    fileName: `${label}-${stamp}.${ext}`,
    asciiName: `${form.key}-${stamp}.${ext}`,
    contentType: ext === 'xlsx' ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : `text/csv; charset=${request.encoding === 'gbk' ? 'gbk' : 'utf-8'}`,
    write: (out) => {
      const records = pages(service, form.key, first, { filter: plan.filter, sort: plan.sort, lines })
      return ext === 'xlsx' ? writeXlsx(out, form, columns, records, label) : writeCsv(out, columns, records, request.encoding)
    },
  }
}

/** `Content-Disposition` with the Chinese name (RFC 5987/6266) and an ASCII fallback. */
export function contentDisposition(prepared: Pick<PreparedExport, 'fileName' | 'asciiName'>): string {
  return `attachment; filename="${prepared.asciiName}"; filename*=UTF-8''${encodeURIComponent(prepared.fileName)}`
}

async function* pages(service: RecordsService, form: string, first: ListResult, query: { filter: unknown; sort: string | string[] | undefined; lines: boolean }): AsyncGenerator<ApiRecord[]> {
  let page = first
  for (;;) {
    yield page.data
    if (!page.next_cursor) return
    page = await service.list(form, { ...query, cursor: page.next_cursor, limit: PAGE, total: false })
  }
}

/**
 * A record's rows: one, or one per sub-form line when line columns are exported — the record's
 * own cells on its first row only, so sums over the sheet count each record once and a reader
 * (the importer) knows a line row by its empty record cells.
 */
function rowsOf(record: ApiRecord, columns: ExportColumn[]): ReturnType<ExportColumn['cell']>[][] {
  const subForms = [...new Set(columns.map((c) => c.lines).filter((l): l is string => Boolean(l)))]
  const lineCount = Math.max(1, ...subForms.map((s) => (Array.isArray(record[s]) ? (record[s] as unknown[]).length : 0)))
  const rows = []
  for (let i = 0; i < lineCount; i++) {
    rows.push(
      columns.map((c) => {
        if (!c.lines) return i === 0 ? c.cell(record) : null
        const line = (record[c.lines] as Record<string, unknown>[] | undefined)?.[i]
        return line ? c.cell(line) : null
      }),
    )
  }
  return rows
}

/**
 * Waits while the consumer is behind, so rows are not piled up in memory; stops the export when
 * the consumer is gone (a cancelled download), instead of reading the rest for nobody.
 */
async function drained(out: Writable): Promise<void> {
  if (out.writableNeedDrain && !out.destroyed) {
    const ac = new AbortController()
    await Promise.race([once(out, 'drain', { signal: ac.signal }), once(out, 'close', { signal: ac.signal })]).finally(() => ac.abort())
  }
  if (out.destroyed) throw new Error('the download was cancelled')
}

async function writeCsv(out: Writable, columns: ExportColumn[], records: AsyncIterable<ApiRecord[]>, encoding: ExportRequest['encoding']): Promise<number> {
  const encode = (text: string) => (encoding === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(text, 'utf8'))
  // The BOM tells Excel the file is UTF-8; without it Chinese shows as mojibake. GBK has none.
  out.write(encode((encoding === 'gbk' ? '' : '\uFEFF') + csvLine(columns.map((c) => csvText({ type: 'text', text: c.header })))))
  let count = 0
  for await (const page of records) {
    let chunk = ''
    for (const record of page) {
      for (const row of rowsOf(record, columns)) chunk += csvLine(row.map(csvText))
    }
    count += page.length
    out.write(encode(chunk))
    await drained(out)
  }
  out.end()
  await finished(out)
  return count
}

async function writeXlsx(out: Writable, form: FormModel, columns: ExportColumn[], records: AsyncIterable<ApiRecord[]>, sheetName: string): Promise<number> {
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false })
  book.creator = 'Zhanggui'
  const sheet = book.addWorksheet(sheetName.replace(/[[\]:*?/\\]/g, '_').slice(0, 31) || form.key, { views: [{ state: 'frozen', ySplit: 1 }] })
  sheet.columns = columns.map((c) => ({ width: Math.min(40, Math.max(10, [...c.header].length * 2 + 2)) }))
  const header = sheet.addRow(columns.map((c) => c.header))
  header.font = { bold: true }
  header.commit()
  let count = 0
  for await (const page of records) {
    for (const record of page) {
      for (const cells of rowsOf(record, columns)) {
        const values = cells.map(xlsxValue)
        const row = sheet.addRow(values.map((v) => v.value))
        values.forEach((v, i) => {
          if (v.numFmt) row.getCell(i + 1).numFmt = v.numFmt
        })
        row.commit()
      }
    }
    count += page.length
    await drained(out)
  }
  sheet.commit()
  const done = finished(out)
  await book.commit()
  await done
  return count
}

function finished(out: Writable): Promise<void> {
  if (out.writableFinished) return Promise.resolve()
  return new Promise((resolve, reject) => {
    out.once('finish', resolve)
    out.once('error', reject)
    out.once('close', resolve)
  })
}
