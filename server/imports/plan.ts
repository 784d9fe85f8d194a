import type { FieldModel, FormModel } from '../../schema/model/types'
import { localize } from '../../schema/lib/localized'
import type { MessageCode } from '../../schema/messages/catalog'
import { problem, type MessageParams, type Problem } from '../../schema/messages/problem'
import { badRequest } from '../lib/errors'
import type { ImportItem, RecordsService } from '../records/service'
import { cellText, readCell, splitList } from './cells'
import { importTargets, keyCandidates, type ImportTarget, type Mapping } from './mapping'
import type { Sheet } from './read-sheet'

/** One problem of one row: where (spreadsheet row, header text, field path), what, and why. */
export interface RowError {
  row: number
  column: string | null
  field: string | null
  value: string | null
  code: MessageCode
  params: MessageParams
  message: string
}

/** A record the file describes: its input and the rows it came from (its own, then each line's). */
export interface PlannedRecord {
  item: ImportItem
  row: number
  lineRows: Record<string, number[]>
}

export interface ImportPlan {
  records: PlannedRecord[]
  errors: RowError[]
  /** header text by field path, to name the column of a problem */
  columnOf: Map<string, string>
}

export interface PlanOptions {
  mapping: Mapping
  key: string | null
}

/**
 * Checks the mapping against the form, before any row is read: every mapped path can be
 * imported and is mapped once, required fields have a column, the update key is usable.
 */
export function checkMapping(form: FormModel, headers: string[], options: PlanOptions): Map<string, ImportTarget> {
  const targets = new Map(importTargets(form).map((t) => [t.path, t]))
  const used = new Map<string, ImportTarget>()
  for (const header of headers) {
    const path = options.mapping[header]
    if (path === null || path === undefined) continue
    const target = targets.get(path)
    if (!target) throw badRequest(`column "${header}" is mapped to "${path}", which cannot be imported`).because('import_unknown_target', { header, path })
    if (used.has(path)) throw badRequest(`"${path}" is mapped to more than one column`).because('import_target_twice', { path })
    used.set(path, target)
  }
  const mappedSubs = new Set([...used.values()].flatMap((t) => (t.sub ? [t.sub.key] : [])))
  for (const target of targets.values()) {
    const def = target.field.def
    if (!target.required || def.default !== undefined || used.has(target.path)) continue
    if (target.sub && !mappedSubs.has(target.sub.key)) continue
    const label = target.sub ? `${localize(target.sub.def.label)}.${localize(def.label)}` : localize(def.label)
    // an update may leave a required field as it is; a new record needs it
    if (!options.key) throw badRequest(`required field "${label}" is not mapped`).because('import_required_unmapped', { field: label })
  }
  if (options.key) {
    if (!keyCandidates(form).includes(options.key)) throw badRequest(`records cannot be updated by "${options.key}"`).because('import_bad_key', { field: options.key })
    if (![...headers].some((h) => options.mapping[h] === options.key)) throw badRequest(`updating by "${options.key}", but no column is mapped to it`).because('import_key_unmapped', { field: options.key })
  }
  return used
}

/**
 * Turns the rows of a sheet into records: cells read by field type, links looked up in bulk by
 * the linked form's title or unique fields, rows sharing a key (or continuation rows with empty
 * record columns) gathered as one record's lines, existing records found by the key.
 */
export async function planImport(records: RecordsService, form: FormModel, sheet: Sheet, options: PlanOptions): Promise<ImportPlan> {
  const used = checkMapping(form, sheet.headers, options)
  const errors: RowError[] = []
  const columnOf = new Map<string, string>()
  const columns: { index: number; header: string; target: ImportTarget }[] = []
  sheet.headers.forEach((header, index) => {
    const path = options.mapping[header]
    const target = path ? used.get(path) : undefined
    if (target && !columnOf.has(target.path)) {
      columnOf.set(target.path, header)
      columns.push({ index, header, target })
    }
  })
  for (const p of sheet.cellProblems) {
    errors.push({ row: p.row, column: sheet.headers[p.column] ?? null, field: options.mapping[sheet.headers[p.column]] ?? null, value: null, ...p.problem })
  }
  const fail = (row: number, column: (typeof columns)[number] | null, value: string | null, { code, params, message }: Problem) =>
    errors.push({ row, column: column?.header ?? null, field: column?.target.path ?? null, value, code, params, message })

  // 1. links: every name in the file, looked up once per linked form (unique fields first, then the title)
  const linkColumns = columns.filter((c) => c.target.field.value.kind === 'link' || c.target.field.value.kind === 'link_list')
  const linkTexts = new Map<FieldModel, Set<string>>(linkColumns.map((c) => [c.target.field, new Set<string>()]))
  for (const { cells } of sheet.rows) {
    for (const column of linkColumns) {
      const text = cellText(cells[column.index] ?? null)
      if (text === '') continue
      const set = linkTexts.get(column.target.field)!
      for (const name of column.target.field.value.kind === 'link' ? [text] : splitList(text)) set.add(name)
    }
  }
  const linkIds = new Map<FieldModel, Map<string, number[]>>()
  for (const [field, texts] of linkTexts) if (texts.size) linkIds.set(field, await lookUp(records, String(field.value.target), [...texts]))

  // 2. rows → records (and lines); a row's values are read as it is reached and not kept
  const parentPaths = columns.filter((c) => !c.target.sub).map((c) => c.target.path)
  const subs = [...new Set(columns.flatMap((c) => (c.target.sub ? [c.target.sub.key] : [])))]
  const keyColumn = options.key ? columns.find((c) => c.target.path === options.key)! : null
  const planned: PlannedRecord[] = []
  const byKey = new Map<string, PlannedRecord>()
  const keyTexts = new Map<PlannedRecord, string>()
  // a record's own texts, kept only where continuation rows are compared with them
  const firstTexts = new Map<PlannedRecord, Map<string, string>>()
  const uniqueSeen = new Map<string, Map<string, number>>()
  const uniquePaths = parentPaths.filter((p) => p !== options.key && form.field(p)?.def.unique)
  let previous: PlannedRecord | null = null
  for (const { row, cells } of sheet.rows) {
    const values = new Map<string, unknown>()
    const texts = new Map<string, string>()
    for (const column of columns) {
      const cell = cells[column.index] ?? null
      const text = cellText(cell)
      if (text === '') continue
      texts.set(column.target.path, text)
      const field = column.target.field
      const ids = linkIds.get(field)
      if (ids) {
        const target = records.formModel(String(field.value.target))
        const found: number[] = []
        for (const name of field.value.kind === 'link' ? [text] : splitList(text)) {
          const matches = ids.get(name) ?? []
          if (matches.length === 1) found.push(matches[0])
          else if (matches.length === 0) fail(row, column, name, problem('import_link_not_found', `no ${target.key} record "${name}"`, { value: name, form: target.def.label }))
          else fail(row, column, name, problem('import_link_ambiguous', `${matches.length} ${target.key} records are called "${name}"`, { value: name, form: target.def.label, count: matches.length }))
        }
        values.set(column.target.path, field.value.kind === 'link' ? (found[0] ?? null) : found)
        continue
      }
      const result = readCell(field, cell)
      if (!result.ok) fail(row, column, text, result.error)
      else if (result.value !== null) values.set(column.target.path, result.value)
    }
    const hasParent = parentPaths.some((p) => texts.has(p))
    const keyText = keyColumn ? (texts.get(keyColumn.target.path) ?? '') : ''
    let record: PlannedRecord | undefined = keyText ? byKey.get(keyText) : !hasParent && subs.length && previous ? previous : undefined
    if (record && subs.length === 0) {
      fail(row, keyColumn, keyText, problem('import_duplicate_key', `"${keyText}" repeats row ${record.row}`, { value: keyText, row: record.row }))
      continue
    }
    if (record) {
      // a continuation row: its record columns are empty or repeat the record's own
      const first = firstTexts.get(record)!
      for (const path of parentPaths) {
        const text = texts.get(path)
        if (text !== undefined && text !== first.get(path)) fail(row, columns.find((c) => c.target.path === path)!, text, problem('import_parent_conflict', `this is a line of the record on row ${record.row}, but differs from it`, { row: record.row }))
      }
    } else {
      const input: Record<string, unknown> = {}
      for (const path of parentPaths) if (values.has(path)) input[path] = values.get(path)
      record = { item: { input }, row, lineRows: {} }
      planned.push(record)
      if (subs.length) firstTexts.set(record, new Map(parentPaths.flatMap((p) => (texts.has(p) ? [[p, texts.get(p)!]] : []))))
      if (keyText) {
        byKey.set(keyText, record)
        keyTexts.set(record, keyText)
      }
      for (const path of uniquePaths) {
        const text = texts.get(path)
        if (text === undefined) continue
        const seen = uniqueSeen.get(path) ?? new Map<string, number>()
        uniqueSeen.set(path, seen)
        if (seen.has(text)) fail(row, columns.find((c) => c.target.path === path)!, text, problem('import_duplicate_value', `"${text}" must be unique; row ${seen.get(text)} has it too`, { value: text, row: seen.get(text)! }))
        else seen.set(text, row)
      }
    }
    previous = record
    for (const sub of subs) {
      const line: Record<string, unknown> = {}
      for (const column of columns) if (column.target.sub?.key === sub && values.has(column.target.path)) line[column.target.field.key] = values.get(column.target.path)
      if (Object.keys(line).length === 0) continue
      const lines = (record.item.input[sub] as Record<string, unknown>[] | undefined) ?? []
      lines.push(line)
      record.item.input[sub] = lines
      ;(record.lineRows[sub] ??= []).push(row)
    }
  }

  // 3. existing records by the key
  if (keyColumn) {
    const field = keyColumn.target.field
    const canonical = (text: string) => {
      const read = readCell(field, text)
      const normalized = read.ok ? field.codec.normalize(read.value, field.value) : null
      return normalized?.ok ? String(normalized.value) : text
    }
    const keyed = planned.flatMap((p) => {
      const text = keyTexts.get(p)
      return text ? [{ p, key: canonical(text), text }] : []
    })
    const found = await records.matchValues(form.key, field.key, keyed.map((k) => k.key))
    for (const { p, key, text } of keyed) {
      const ids = found.get(key) ?? []
      if (ids.length === 1) p.item.id = ids[0]
      else if (ids.length > 1) fail(p.row, keyColumn, text, problem('import_key_ambiguous', `${ids.length} records hold "${text}"`, { value: text, count: ids.length }))
    }
  }
  return { records: planned, errors, columnOf }
}

/** Linked records by name: each unique text field of the linked form, then its title field. */
async function lookUp(records: RecordsService, formKey: string, names: string[]): Promise<Map<string, number[]>> {
  const form = records.formModel(formKey)
  const fields = form.fields.filter((f) => f.storage.kind === 'column' && f.value.kind === 'text' && (f.def.unique || f.key === form.titleField))
  fields.sort((a, b) => Number(Boolean(b.def.unique)) - Number(Boolean(a.def.unique)))
  const found = new Map<string, number[]>()
  let left = names
  for (const field of fields) {
    if (!left.length) break
    const matches = await records.matchValues(formKey, field.key, left)
    for (const [text, ids] of matches) found.set(text, ids)
    left = left.filter((n) => !found.has(n))
  }
  return found
}
