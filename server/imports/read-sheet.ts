import fs from 'node:fs'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import Papa from 'papaparse'
import { problem, type Problem } from '../../schema/messages/problem'
import { badRequest } from '../lib/errors'
import type { ImportLimits } from './limits'

/** A cell as read: CSV gives text; XLSX also numbers, booleans and dates (wall-clock time in UTC parts). */
export type Cell = string | number | boolean | Date | null

export interface SheetRow {
  /** the row number a spreadsheet shows (the header is row 1 when it is the first line) */
  row: number
  cells: Cell[]
}

/** A cell the reader set aside (too long to be a value). */
export interface CellProblem {
  row: number
  column: number
  problem: Problem
}

export interface Sheet {
  format: 'csv' | 'xlsx'
  encoding: 'utf-8' | 'gbk' | null
  headers: string[]
  rows: SheetRow[]
  cellProblems: CellProblem[]
}

/**
 * Reads an uploaded .xlsx or .csv as a stream, row by row, within the caps: the first non-blank
 * row is the header, blank rows are skipped, a cell longer than the cap is set aside and reported.
 */
export async function readSheet(file: string, limits: ImportLimits): Promise<Sheet> {
  const head = Buffer.alloc(4)
  const fd = fs.openSync(file, 'r')
  const read = fs.readSync(fd, head, 0, 4, 0)
  fs.closeSync(fd)
  if (read === 0) throw badRequest('the file is empty').because('import_empty_file')
  const collector = new RowCollector(limits)
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    await readXlsx(file, collector)
    return collector.sheet('xlsx', null)
  }
  if (head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0) throw badRequest('old .xls files are not read; save it as .xlsx or CSV').because('import_old_xls')
  const encoding = await detectEncoding(file)
  await readCsv(file, encoding, collector)
  return collector.sheet('csv', encoding === 'utf-8-bom' ? 'utf-8' : encoding)
}

class RowCollector {
  headers: string[] | null = null
  rows: SheetRow[] = []
  cellProblems: CellProblem[] = []
  constructor(private readonly limits: ImportLimits) {}

  add(row: number, raw: Cell[]) {
    const cells = raw.map((cell, column) => {
      if (typeof cell === 'string' && cell.length > this.limits.maxCellChars) {
        const max = this.limits.maxCellChars
        this.cellProblems.push({ row, column, problem: problem('import_cell_too_long', `the cell is too long (${cell.length} characters, at most ${max})`, { max, length: cell.length }) })
        return null
      }
      return typeof cell === 'string' ? cell.replace(/[\u200b-\u200d\ufeff]/g, '') : cell
    })
    if (cells.every((c) => c === null || (typeof c === 'string' && c.trim() === ''))) return
    if (!this.headers) {
      this.headers = cells.map((c) => (c === null ? '' : String(c).trim()))
      return
    }
    if (this.rows.length >= this.limits.maxRows) throw badRequest(`the file has more than ${this.limits.maxRows} rows`).because('import_too_many_rows', { max: this.limits.maxRows })
    this.rows.push({ row, cells })
  }

  sheet(format: Sheet['format'], encoding: Sheet['encoding']): Sheet {
    return { format, encoding, headers: this.headers ?? [], rows: this.rows, cellProblems: this.cellProblems }
  }
}

type Encoding = 'utf-8' | 'utf-8-bom' | 'gbk'

/**
 * A BOM decides; otherwise bytes that are valid UTF-8 are UTF-8 (Chinese GBK text practically
 * never is) and the rest is read as GBK (GB18030) — unless it holds NUL bytes or sequences GBK
 * cannot decode either: then it is not a text file we can read, and we say so.
 */
async function detectEncoding(file: string): Promise<Encoding> {
  const utf8 = new TextDecoder('utf-8', { fatal: true })
  let first = true
  let valid = true
  let binary = false
  for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>) {
    if (first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) return 'utf-8-bom'
    if ((first && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))) || chunk.includes(0)) binary = true
    first = false
    if (binary) break
    if (valid) {
      try {
        utf8.decode(chunk, { stream: true })
      } catch {
        valid = false
      }
    }
  }
  if (!binary && valid) {
    try {
      utf8.decode()
      return 'utf-8'
    } catch {
      valid = false
    }
  }
  if (!binary && (await decodesAsGbk(file))) return 'gbk'
  throw badRequest('the file is neither UTF-8 nor GBK text, nor an .xlsx workbook').because('import_bad_encoding')
}

async function decodesAsGbk(file: string): Promise<boolean> {
  const decoder = iconv.getDecoder('gb18030')
  for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>) if (decoder.write(chunk).includes('\ufffd')) return false
  return !(decoder.end() ?? '').includes('\ufffd')
}

async function readCsv(file: string, encoding: Encoding, collector: RowCollector): Promise<void> {
  // large chunks: papaparse re-reads a row that spans chunks, which is quadratic for a huge cell
  const source = fs.createReadStream(file, { highWaterMark: 1024 * 1024, ...(encoding === 'utf-8-bom' ? { start: 3 } : {}) })
  const decoder: Transform = encoding === 'gbk' ? (iconv.decodeStream('gb18030') as unknown as Transform) : utf8Stream()
  const parser = Papa.parse(Papa.NODE_STREAM_INPUT, { skipEmptyLines: false }) as Readable & NodeJS.WritableStream
  let row = 0
  const rows = new Transform({
    objectMode: true,
    transform(cells: string[], _encoding, done) {
      row++
      try {
        collector.add(row, cells)
        done()
      } catch (error) {
        done(error as Error)
      }
    },
  })
  await pipeline(source, decoder, parser as unknown as Transform, rows)
}

function utf8Stream(): Transform {
  const decoder = new TextDecoder('utf-8')
  return new Transform({
    decodeStrings: true,
    transform(chunk: Buffer, _encoding, done) {
      done(null, decoder.decode(chunk, { stream: true }))
    },
    flush(done) {
      done(null, decoder.decode())
    },
  })
}

async function readXlsx(file: string, collector: RowCollector): Promise<void> {
  // styles are cached so date-formatted numbers arrive as dates
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit', entries: 'ignore' })
  try {
    for await (const worksheet of reader) {
      for await (const row of worksheet) {
        const values = row.values as ExcelJS.CellValue[]
        collector.add(row.number, Array.from({ length: Math.max(0, values.length - 1) }, (_, i) => xlsxCell(values[i + 1])))
      }
      // the first sheet is the data; others (notes, lists) are left alone
      break
    }
  } catch (error) {
    if ((error as { status?: number }).status) throw error
    throw badRequest(`the workbook cannot be read: ${(error as Error).message}`).because('import_bad_workbook')
  }
}

/** An XLSX cell as a plain value: formulas by their result, rich text and links by their text. */
export function xlsxCell(value: ExcelJS.CellValue | undefined): Cell {
  if (value === null || value === undefined) return null
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value
  if ('richText' in value) return value.richText.map((part) => part.text).join('')
  if ('formula' in value || 'sharedFormula' in value) {
    const result = (value as { result?: ExcelJS.CellValue }).result
    return result === undefined || (typeof result === 'object' && result !== null && !(result instanceof Date)) ? null : xlsxCell(result)
  }
  if ('text' in value) return String((value as { text: unknown }).text)
  return null
}
