import fs from 'node:fs'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import ExcelJS from 'exceljs'
import Papa from 'papaparse'
import { decodeText, type TextEncoding } from './decode'
import { normalizeHeader } from './headers'
import { cleanCell } from './values'

/** One data row: its row number as a spreadsheet shows it (the header is row 1), cells by trimmed header. */
export interface TableRow {
  row: number
  cells: Record<string, string>
}

export interface Table {
  format: 'csv' | 'xlsx'
  encoding: TextEncoding | null
  /** the header row, trimmed, in file order */
  headers: string[]
  rows: TableRow[]
}

/** Thrown for a file that cannot be read as a table at all. */
export class UnreadableFile extends Error {}

/** Caps on one uploaded report; a file past them is refused with a clear error instead of taking the server down. */
export interface TableLimits {
  /** data rows of one file (the header not counted) */
  maxRows: number
}

export const DEFAULT_TABLE_LIMITS: TableLimits = { maxRows: 200_000 }

/** Thrown for a file with more rows than the cap. */
export class TooManyRows extends Error {
  constructor(readonly max: number) {
    super(`the file has more than ${max} rows`)
  }
}

/** Rows read between two yields to the event loop: other requests are answered while a big file is read. */
const YIELD_EVERY = 500
const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Reads an exported report (CSV in any of the seller center's encodings, or XLSX) into rows keyed
 * by trimmed header name — never by position, since the column order changed over the years. The
 * header row is the first of the first 20 rows that holds one of `anchors` (e.g. 订单编号), so a
 * title line above it does no harm. Read as a stream (a workbook is never loaded whole), within
 * `limits`, yielding to other requests as it goes; `onRows` hears how many rows are read so far.
 */
export async function readTable(source: Uint8Array | { path: string }, anchors: string[], limits: TableLimits = DEFAULT_TABLE_LIMITS, onRows?: (rows: number) => void): Promise<Table> {
  const head = 'path' in source ? readHead(source.path) : Buffer.from(source.buffer, source.byteOffset, Math.min(source.byteLength, 4))
  if (head.length === 0) throw new UnreadableFile('文件是空的')
  const collector = new RawCollector(limits, onRows)
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    await xlsxRows(source, collector)
    return { ...capped(tableOf(collector.best(), anchors), limits), format: 'xlsx', encoding: null }
  }
  if (head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0) throw new UnreadableFile('这是旧版 Excel（.xls）文件；请在 Excel 中另存为 .xlsx 或 CSV 后再导入')
  const bytes = 'path' in source ? fs.readFileSync(source.path) : source
  const { text, encoding } = decodeText(bytes)
  await csvRows(text, collector)
  return { ...capped(tableOf(collector.best(), anchors), limits), format: 'csv', encoding }
}

/** The exact cap on data rows (while reading, a few rows more are let through for a title above the header). */
function capped<T extends { rows: unknown[] }>(table: T, limits: TableLimits): T {
  if (table.rows.length > limits.maxRows) throw new TooManyRows(limits.maxRows)
  return table
}

function readHead(file: string): Buffer {
  const head = Buffer.alloc(4)
  const fd = fs.openSync(file, 'r')
  try {
    return head.subarray(0, fs.readSync(fd, head, 0, 4, 0))
  } finally {
    fs.closeSync(fd)
  }
}

/** Raw rows with their spreadsheet row numbers. */
type RawRow = { row: number; cells: string[] }

/** Rows of each sheet as they are read, within the row cap. */
class RawCollector {
  private readonly sheets: RawRow[][] = []
  private current: RawRow[] = []
  private read = 0

  constructor(
    private readonly limits: TableLimits,
    private readonly onRows?: (rows: number) => void,
  ) {}

  sheet() {
    this.current = []
    this.sheets.push(this.current)
  }

  async add(row: RawRow) {
    // a header and a title line above it are not data rows
    if (this.current.length > this.limits.maxRows + 20) throw new TooManyRows(this.limits.maxRows)
    this.current.push(row)
    if (++this.read % YIELD_EVERY === 0) {
      this.onRows?.(this.read)
      await yieldNow()
    }
  }

  /** The report is the sheet with the most rows (exports have one; a merchant may add a notes sheet). */
  best(): RawRow[] {
    return this.sheets.reduce<RawRow[]>((best, rows) => (rows.length > best.length ? rows : best), [])
  }
}

async function csvRows(text: string, collector: RawCollector): Promise<void> {
  collector.sheet()
  // parsed in chunks from a stream, so a big file does not hold the event loop
  const parser = Papa.parse(Papa.NODE_STREAM_INPUT, { skipEmptyLines: false, delimitersToGuess: [',', '\t', ';', '|'] }) as Readable & NodeJS.WritableStream
  const chunks = (function* () {
    for (let i = 0; i < text.length; i += 256 * 1024) yield text.slice(i, i + 256 * 1024)
  })()
  let row = 0
  const rows = new Writable({
    objectMode: true,
    write(cells: string[], _encoding, done) {
      row++
      collector.add({ row, cells: cells.map((c) => String(c ?? '')) }).then(() => done(), done)
    },
  })
  await pipeline(Readable.from(chunks), parser as unknown as Writable, rows)
}

async function xlsxRows(source: Uint8Array | { path: string }, collector: RawCollector): Promise<void> {
  const input = 'path' in source ? source.path : Readable.from([Buffer.from(source.buffer, source.byteOffset, source.byteLength)])
  // styles are cached so date-formatted numbers arrive as dates
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit', entries: 'ignore' })
  let sheets = 0
  try {
    for await (const worksheet of reader) {
      sheets++
      collector.sheet()
      for await (const row of worksheet) {
        const values = row.values as ExcelJS.CellValue[]
        const cells: string[] = []
        for (let c = 1; c < values.length; c++) cells.push(cellText(values[c]))
        if (cells.some((c) => c !== '')) await collector.add({ row: row.number, cells })
      }
    }
  } catch (error) {
    if (error instanceof TooManyRows) throw error
    throw new UnreadableFile(`无法读取 XLSX 文件：${(error as Error).message}`)
  }
  if (sheets === 0) throw new UnreadableFile('XLSX 文件里没有工作表')
}

/** An XLSX cell as the text a CSV export would have held. */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return String(value)
  if (typeof value === 'number') {
    // A long id stored as a number has already lost digits: shown in E notation so it is refused, never guessed.
    return Number.isInteger(value) && !Number.isSafeInteger(value) ? value.toExponential() : String(value)
  }
  // exceljs gives dates as UTC instants of the wall-clock time typed in the sheet.
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString().slice(0, 19).replace('T', ' ')
  if ('richText' in value) return value.richText.map((part) => part.text).join('')
  if ('formula' in value || 'sharedFormula' in value) {
    const result = (value as { result?: ExcelJS.CellValue }).result
    if (result !== undefined && result !== null && typeof result !== 'object') return cellText(result)
    const formula = String((value as { formula?: string }).formula ?? '')
    const literal = /^"([\s\S]*)"$/.exec(formula.trim())
    return literal ? literal[1].replace(/""/g, '"') : ''
  }
  if ('text' in value) return String(value.text)
  if ('error' in value) return ''
  return ''
}

function tableOf(raw: RawRow[], anchors: string[]): Omit<Table, 'format' | 'encoding'> {
  const wanted = new Set(anchors.map(normalizeHeader))
  const isBlankRow = (r: RawRow) => r.cells.every((c) => cleanCell(c) === '')
  const headerAt = raw.slice(0, 20).findIndex((r) => r.cells.some((c) => wanted.has(normalizeHeader(c))))
  const start = headerAt >= 0 ? headerAt : raw.findIndex((r) => !isBlankRow(r))
  if (start < 0) return { headers: [], rows: [] }
  const headers = raw[start].cells.map((c) => c.replace(/[\u200b-\u200d\ufeff]/g, '').trim())
  const rows: TableRow[] = []
  for (const r of raw.slice(start + 1)) {
    if (isBlankRow(r)) continue
    const cells: Record<string, string> = {}
    headers.forEach((header, i) => {
      // A repeated header keeps its first column.
      if (header && !(header in cells)) cells[header] = cleanCell(r.cells[i] ?? '')
    })
    rows.push({ row: r.row, cells })
  }
  return { headers, rows }
}
