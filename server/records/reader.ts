import { linesHidden } from '../access/policy'
import type { Knex } from 'knex'
import type { FieldModel, FormModel, TableModel } from '../../schema/model/types'
import { childTable } from '../../schema/model/names'
import { evaluateInto } from '../../schema/model/formula-values'
import { FormulaError } from '../../schema/formula'
import { formatDateTime } from '../../schema/lib/time'
import type { FormRegistry } from '../forms/registry'
import { displayFieldOf, TableScope } from '../query/scope'
import { id, selectRows } from '../query/sql'
import type { ApiRecord } from './types'

type Row = Record<string, unknown>

export interface ReadOptions {
  lines: boolean
  hidden?: ReadonlySet<string>
  now?: number
}

/** Text that names a record, from its display field's stored value. */
function displayText(field: FieldModel | undefined, stored: unknown): string | null {
  if (stored === null || stored === undefined) return null
  if (!field) return String(stored)
  const value = field.codec.fromStored(stored, field.value)
  return value === null ? null : typeof value === 'object' ? JSON.stringify(value) : String(value)
}

/**
 * Turns rows into API records: decodes stored values, names linked records, and attaches what
 * lives in child tables (value lists, files, lines). One query per child table per page.
 */
export class RecordReader {
  constructor(
    private readonly knex: Knex,
    private readonly registry: FormRegistry,
  ) {}

  /** Column expressions a query selects so rows can be decoded: the table's own, names, lookups. */
  selectList(scope: TableScope, table: TableModel): string[] {
    const columns = [`${id(scope.alias)}.*`]
    for (const field of table.fields) {
      if (field.value.kind === 'link' || field.value.kind === 'user') {
        if (field.storage.kind === 'column') columns.push(`${scope.displayColumn(field).expr} AS ${id(`${field.key}__display`)}`)
      }
      if (field.computed === 'lookup') {
        const column = scope.lookupColumn(field)
        if (column) columns.push(`${column} AS ${id(field.key)}`)
      }
    }
    return columns
  }

  async load(form: FormModel, ids: number[], options: ReadOptions): Promise<ApiRecord[]> {
    if (ids.length === 0) return []
    const scope = new TableScope(form, 't', this.registry)
    const select = this.selectList(scope, form)
    const rows: Row[] = []
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500)
      const sql = `SELECT ${select.join(', ')} FROM ${scope.from()} WHERE ${id('t', 'id')} IN (${chunk.map(() => '?').join(', ')})`
      rows.push(...(await selectRows(this.knex, sql, chunk)))
    }
    const byId = new Map(rows.map((r) => [Number(r.id), r]))
    return this.decode(form, ids.map((i) => byId.get(i)).filter((r): r is Row => Boolean(r)), options)
  }

  async decode(form: FormModel, rows: Row[], options: ReadOptions): Promise<ApiRecord[]> {
    const records = rows.map((row) => {
      const record: ApiRecord = {
        id: Number(row.id),
        version: Number(row.version),
        created_at: formatDateTime(Number(row.created_at)),
        updated_at: formatDateTime(Number(row.updated_at)),
        created_by: row.created_by == null ? null : Number(row.created_by),
        updated_by: row.updated_by == null ? null : Number(row.updated_by),
      }
      if (form.document) record.doc_status = row.doc_status
      this.decodeFields(form, row, record, options)
      return record
    })
    await this.attachUsers(records)
    await this.attachChildren(form, records, options)
    this.computeVolatile(form, records, options)
    return records
  }

  private decodeFields(table: TableModel, row: Row, record: Record<string, unknown>, options: ReadOptions) {
    for (const field of table.fields) {
      if (options.hidden?.has(field.key)) continue
      const storage = field.storage
      if (field.value.kind === 'link' || field.value.kind === 'user') {
        const value = row[field.key]
        record[field.key] = value == null ? null : { id: Number(value), display: this.linkDisplay(field, row) }
      } else if (storage.kind === 'column' || field.computed === 'lookup') {
        record[field.key] = field.codec.fromStored(row[field.key], field.value)
      } else if (storage.kind === 'columns') {
        const parts = Object.fromEntries(storage.parts.map((p) => [p.part, row[`${field.key}_${p.part}`]]))
        record[field.key] = field.codec.fromStored(parts, field.value)
      }
    }
  }

  private linkDisplay(field: FieldModel, row: Row): string | null {
    const stored = row[`${field.key}__display`]
    if (field.value.kind === 'user') return stored == null ? null : String(stored)
    const target = this.registry.table(field.value.target!)
    return displayText(target ? displayFieldOf(field, target) : undefined, stored)
  }

  /** created_by / updated_by as {id, display}. */
  private async attachUsers(records: ApiRecord[]) {
    const ids = [...new Set(records.flatMap((r) => [r.created_by, r.updated_by]).filter((v): v is number => typeof v === 'number'))]
    const names = new Map<number, string>()
    if (ids.length) {
      for (const u of await this.knex('zg_users').whereIn('id', ids).select('id', 'display_name')) names.set(Number(u.id), u.display_name)
    }
    for (const r of records) {
      for (const key of ['created_by', 'updated_by']) {
        const userId = r[key] as number | null
        r[key] = userId === null ? null : { id: userId, display: names.get(userId) ?? null }
      }
    }
  }

  private async attachChildren(table: TableModel, records: Record<string, unknown>[], options: ReadOptions) {
    if (records.length === 0) return
    const ids = records.map((r) => r.id as number)
    const byParent = (rows: Row[]) => {
      const map = new Map<number, Row[]>()
      for (const row of rows) map.set(Number(row.parent_id), [...(map.get(Number(row.parent_id)) ?? []), row])
      return map
    }
    for (const field of table.fields) {
      if (options.hidden?.has(field.key)) continue
      if (field.storage.kind === 'values') {
        const rows = await this.childRows(childTable(table.table, field.key), ids)
        const grouped = byParent(rows)
        const described = await this.describeValues(field, rows.map((r) => r.value))
        for (const r of records) {
          const values = (grouped.get(r.id as number) ?? []).map((row) => field.codec.fromStored([row.value], field.value) as unknown[]).flat()
          r[field.key] = described ? values.map((v) => described.get(Number(v)) ?? { id: v, display: null }) : values
        }
      } else if (field.lines && options.lines) {
        const lines = field.lines
        const scope = new TableScope(lines, 'l', this.registry)
        const select = this.selectList(scope, lines)
        const rows: Row[] = []
        for (let i = 0; i < ids.length; i += 500) {
          const chunk = ids.slice(i, i + 500)
          const sql = `SELECT ${select.join(', ')} FROM ${scope.from()} WHERE ${id('l', 'parent_id')} IN (${chunk.map(() => '?').join(', ')}) ORDER BY ${id('l', 'parent_id')}, ${id('l', 'line_no')}`
          rows.push(...(await selectRows(this.knex, sql, chunk)))
        }
        const grouped = byParent(rows)
        const lineOptions = { ...options, hidden: options.hidden ? linesHidden(options.hidden, field.key) : undefined }
        for (const r of records) {
          r[field.key] = (grouped.get(r.id as number) ?? []).map((row) => {
            const line: Record<string, unknown> = { id: Number(row.id), line_no: Number(row.line_no) }
            this.decodeFields(lines, row, line, lineOptions)
            return line
          })
        }
      }
    }
  }

  private async childRows(table: string, parentIds: number[]): Promise<Row[]> {
    const rows: Row[] = []
    for (let i = 0; i < parentIds.length; i += 500) {
      rows.push(...(await this.knex(table).whereIn('parent_id', parentIds.slice(i, i + 500)).orderBy(['parent_id', 'line_no']).select('parent_id', 'value')))
    }
    return rows
  }

  /** Linked records' names and file descriptors, by id. */
  private async describeValues(field: FieldModel, values: unknown[]): Promise<Map<number, unknown> | null> {
    const ids = [...new Set(values.map(Number))]
    if (field.value.kind === 'files') {
      const files = ids.length ? await this.knex('zg_files').whereIn('id', ids).select('id', 'name', 'mime', 'size') : []
      return new Map(
        files.map((f) => [Number(f.id), { id: Number(f.id), name: f.name, mime: f.mime, size: Number(f.size), url: `/api/files/${f.id}` }]),
      )
    }
    if (field.value.kind !== 'link_list') return null
    const target = this.registry.table(field.value.target!)
    const display = target ? displayFieldOf(field, target) : undefined
    const rows = ids.length && target ? await this.knex(target.table).whereIn('id', ids).select('id', ...(display ? [display.key] : [])) : []
    return new Map(rows.map((row: Row) => [Number(row.id), { id: Number(row.id), display: display ? displayText(display, row[display.key]) : String(row.id) }]))
  }

  /** Formulas that read the clock (TODAY, NOW) are computed as they are read. */
  private computeVolatile(table: TableModel, records: Record<string, unknown>[], options: ReadOptions) {
    const volatile = table.fields.filter((f) => f.computed === 'formula' && f.storage.kind === 'none' && !options.hidden?.has(f.key))
    const now = new Date(options.now ?? Date.now())
    for (const record of records) {
      for (const field of volatile) {
        try {
          record[field.key] = evaluateInto(
            field.formula!,
            (dependency) => {
              const [head, member] = dependency.split('.')
              const source = table.field(head)
              if (member === undefined) return { value: plainValue(record[head]), resolved: source?.value }
              const lines = Array.isArray(record[head]) ? (record[head] as Record<string, unknown>[]) : []
              return { list: lines.map((l) => plainValue(l[member])), resolved: source?.lines?.field(member)?.value }
            },
            field.value,
            now,
          )
        } catch (error) {
          if (!(error instanceof FormulaError)) throw error
          record[field.key] = null
        }
      }
      for (const field of table.fields) {
        if (field.lines && Array.isArray(record[field.key])) this.computeVolatile(field.lines, record[field.key] as Record<string, unknown>[], options)
      }
    }
  }
}

/** {id, display} → id, for formulas. */
function plainValue(value: unknown): unknown {
  return typeof value === 'object' && value !== null && 'id' in value ? (value as { id: unknown }).id : value
}
