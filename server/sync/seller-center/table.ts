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

/**
 * Reads an exported report (CSV in any of the seller center's encodings, or XLSX) into rows keyed
 * by trimmed header name — never by position, since the column order changed over the years. The
 * header row is the first of the first 20 rows that holds one of `anchors` (e.g. 订单编号), so a
 * title line above it does no harm.
 */
export async function readTable(buffer: Uint8Array, anchors: string[]): Promise<Table> {
  const bytes = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  if (bytes.length === 0) throw new UnreadableFile('文件是空的')
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return { ...tableOf(await xlsxRows(bytes), anchors), format: 'xlsx', encoding: null }
  if (bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0) throw new UnreadableFile('这是旧版 Excel（.xls）文件；请在 Excel 中另存为 .xlsx 或 CSV 后再导入')
  const { text, encoding } = decodeText(bytes)
  return { ...tableOf(csvRows(text), anchors), format: 'csv', encoding }
}

/** Raw rows with their spreadsheet row numbers. */
type RawRow = { row: number; cells: string[] }

function csvRows(text: string): RawRow[] {
  const parsed = Papa.parse<string[]>(text, { skipEmptyLines: false, delimitersToGuess: [',', '\t', ';', '|'] })
  return parsed.data.map((cells, i) => ({ row: i + 1, cells: cells.map((c) => String(c ?? '')) }))
}

async function xlsxRows(bytes: Buffer): Promise<RawRow[]> {
  const workbook = new ExcelJS.Workbook()
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer)
  } catch (error) {
    throw new UnreadableFile(`无法读取 XLSX 文件：${(error as Error).message}`)
  }
  const sheets: RawRow[][] = workbook.worksheets.map((sheet) => {
    const rows: RawRow[] = []
    sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
      const cells: string[] = []
      for (let c = 1; c <= row.cellCount; c++) cells.push(cellText(row.getCell(c).value))
      rows.push({ row: rowNumber, cells })
    })
    return rows
  })
  if (sheets.length === 0) throw new UnreadableFile('XLSX 文件里没有工作表')
  // The report is the sheet with the most rows (exports have one; a merchant may add a notes sheet).
  return sheets.reduce((best, rows) => (rows.length > best.length ? rows : best))
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
