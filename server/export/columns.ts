import type { FieldDefinition } from '../../schema/fields/types'
import { localize, type Locale } from '../../schema/lib/localized'
import type { FieldModel, FormModel, TableModel } from '../../schema/model/types'
import type { FormRegistry } from '../forms/registry'
import { fieldProblem, ValidationError, type FieldProblem } from '../lib/errors'

/**
 * What one spreadsheet cell holds, before a writer turns it into an Excel cell or CSV text.
 * Numbers stay exact decimal text until the writer decides how to write them.
 */
export type Cell =
  | { type: 'number'; text: string; scale: number; money: boolean }
  | { type: 'date'; text: string }
  | { type: 'datetime'; text: string }
  | { type: 'text'; text: string }
  | null

/** One column of the file: its header and how to read its cell from a record (or a sub-form line). */
export interface ExportColumn {
  /** the name a request uses: `no`, `address.city`, `lines.qty` */
  id: string
  header: string
  /** set on sub-form line columns: the sub-form's key (their cells come from the lines) */
  lines?: string
  cell(source: Record<string, unknown>): Cell
}

type Words = Record<'yes' | 'no' | 'id' | 'created_at' | 'updated_at' | 'created_by' | 'updated_by' | 'doc_status' | 'draft' | 'submitted' | 'void' | 'province' | 'city' | 'district' | 'detail', string>

// The file leaves the app as it is, so the server words it in the caller's language.
const WORDS: Record<Locale, Words> = {
  'zh-CN': {
    yes: '是',
    no: '否',
    id: 'ID',
    created_at: '创建时间',
    updated_at: '修改时间',
    created_by: '创建人',
    updated_by: '修改人',
    doc_status: '单据状态',
    draft: '草稿',
    submitted: '已提交',
    void: '已作废',
    province: '省',
    city: '市',
    district: '区县',
    detail: '详细地址',
  },
  en: {
    yes: 'Yes',
    no: 'No',
    id: 'ID',
    created_at: 'Created at',
    updated_at: 'Updated at',
    created_by: 'Created by',
    updated_by: 'Updated by',
    doc_status: 'Document status',
    draft: 'Draft',
    submitted: 'Submitted',
    void: 'Void',
    province: 'province',
    city: 'city',
    district: 'district',
    detail: 'street',
  },
}

/** Joins the items of a multi-value cell, as Chinese lists are written. */
export const LIST_SEPARATOR = '、'
const ADDRESS_PARTS = ['province', 'city', 'district', 'detail'] as const

const text = (value: string | null | undefined): Cell => (value === null || value === undefined || value === '' ? null : { type: 'text', text: value })
const displayOf = (value: unknown): string | null =>
  value && typeof value === 'object' && 'display' in value ? ((value as { display: unknown }).display == null ? null : String((value as { display: unknown }).display)) : null

/**
 * The columns a grid would show without a view: every visible field except sub-forms (the same
 * rule as the client's columnIds).
 */
export function defaultColumnIds(form: FormModel, hidden: ReadonlySet<string>): string[] {
  return form.fields.filter((f) => !f.def.hidden && f.storage.kind !== 'lines' && !hidden.has(f.key)).map((f) => f.key)
}

/**
 * Resolves column names into columns. A sub-form names all of its lines' visible fields (one row
 * per line, see docs/import-export.md#export). Fields hidden from the caller are unknown to them;
 * `lenient` (a view's columns, written for everybody) leaves them out instead of refusing.
 */
export function resolveColumns(
  registry: FormRegistry,
  form: FormModel,
  ids: string[],
  options: { locale: Locale; hidden: ReadonlySet<string>; lenient?: boolean },
): ExportColumn[] {
  const { locale, hidden } = options
  const words = WORDS[locale]
  const problems: FieldProblem[] = []
  const columns: ExportColumn[] = []
  const seen = new Set<string>()
  const add = (column: ExportColumn) => {
    if (seen.has(column.id)) return
    seen.add(column.id)
    columns.push(column)
  }
  for (const id of ids) {
    const system = systemColumn(form, id, words)
    if (system) {
      add(system)
      continue
    }
    const [key, part, ...rest] = id.split('.')
    const field = hidden.has(key) ? undefined : form.field(key)
    if (field && rest.length === 0) {
      if (part === undefined && field.lines) {
        for (const line of field.lines.fields) {
          if (!line.def.hidden && !hiddenLine(hidden, key, line.key)) add(lineColumn(registry, field, line, locale, words))
        }
        continue
      }
      if (part === undefined) {
        add(fieldColumn(registry, form, field, field.key, localize(field.def.label, locale), locale, words))
        continue
      }
      if (field.value.kind === 'address' && (ADDRESS_PARTS as readonly string[]).includes(part)) {
        const p = part as (typeof ADDRESS_PARTS)[number]
        add({ id, header: `${localize(field.def.label, locale)}·${words[p]}`, cell: (r) => text(((r[key] ?? {}) as Record<string, string | null>)[p]) })
        continue
      }
      const line = field.lines?.field(part)
      if (line && !hiddenLine(hidden, key, part)) {
        add(lineColumn(registry, field, line, locale, words))
        continue
      }
    }
    if (!options.lenient) problems.push(fieldProblem('fields', 'unknown_field', `unknown field "${id}"`, { field: id }))
  }
  if (problems.length) throw new ValidationError(problems)
  return columns
}

/** The reader leaves a line field out when its key (or its path) is hidden: so does the file. */
const hiddenLine = (hidden: ReadonlySet<string>, sub: string, key: string) => hidden.has(key) || hidden.has(`${sub}.${key}`)

function systemColumn(form: FormModel, id: string, words: Words): ExportColumn | null {
  switch (id) {
    case 'id':
      return { id, header: words.id, cell: (r) => ({ type: 'number', text: String(r.id), scale: 0, money: false }) }
    case 'created_at':
    case 'updated_at':
      return { id, header: words[id], cell: (r) => (typeof r[id] === 'string' ? { type: 'datetime', text: r[id] as string } : null) }
    case 'created_by':
    case 'updated_by':
      return { id, header: words[id], cell: (r) => text(displayOf(r[id])) }
    case 'doc_status':
      if (!form.document) return null
      return { id, header: words.doc_status, cell: (r) => text(words[r.doc_status as 'draft'] ?? (r.doc_status as string | null)) }
    default:
      return null
  }
}

function lineColumn(registry: FormRegistry, sub: FieldModel, line: FieldModel, locale: Locale, words: Words): ExportColumn {
  const header = `${localize(sub.def.label, locale)}·${localize(line.def.label, locale)}`
  return { ...fieldColumn(registry, sub.lines!, line, `${sub.key}.${line.key}`, header, locale, words), lines: sub.key }
}

/**
 * The definition whose options and labels a value follows: a lookup or copy of a select shows the
 * select's labels.
 */
function sourceDefinition(registry: FormRegistry, table: TableModel, field: FieldModel): FieldDefinition {
  let def = field.def
  let within: TableModel | undefined = table
  for (let hop = 0; hop < 4 && within && (def.type === 'lookup' || def.type === 'copy'); hop++) {
    const link = within.field(String(def.link))
    within = link?.value.target ? registry.table(link.value.target) : undefined
    const source = within?.field(String(def.field))
    if (!source) break
    def = source.def
  }
  return def
}

function fieldColumn(registry: FormRegistry, table: TableModel, field: FieldModel, id: string, header: string, locale: Locale, words: Words): ExportColumn {
  const key = field.key
  const def = sourceDefinition(registry, table, field)
  const options = new Map(((def.options as { value: string; label: Parameters<typeof localize>[0] }[] | undefined) ?? []).map((o) => [o.value, localize(o.label, locale)]))
  const label = (value: unknown) => (typeof value === 'string' ? (options.get(value) ?? value) : String(value))
  const { value } = field
  const cell = (read: (v: unknown) => Cell) => (source: Record<string, unknown>) => {
    const v = source[key]
    return v === null || v === undefined ? null : read(v)
  }
  switch (value.kind) {
    case 'decimal':
      return { id, header, cell: cell((v) => ({ type: 'number', text: String(v), scale: value.scale ?? 0, money: Boolean(value.money) })) }
    case 'date':
      return { id, header, cell: cell((v) => ({ type: 'date', text: String(v) })) }
    case 'datetime':
      return { id, header, cell: cell((v) => ({ type: 'datetime', text: String(v) })) }
    case 'boolean':
      return { id, header, cell: cell((v) => text(v ? words.yes : words.no)) }
    case 'link':
    case 'user':
      return { id, header, cell: cell((v) => text(displayOf(v))) }
    case 'text_list':
      return { id, header, cell: cell((v) => text((v as unknown[]).map(label).join(LIST_SEPARATOR))) }
    case 'link_list':
      return { id, header, cell: cell((v) => text((v as unknown[]).map((item) => displayOf(item) ?? '').join(LIST_SEPARATOR))) }
    case 'files':
      return { id, header, cell: cell((v) => text((v as { name?: string }[]).map((f) => f.name ?? '').join(LIST_SEPARATOR))) }
    case 'address':
      return {
        id,
        header,
        cell: cell((v) =>
          text(
            ADDRESS_PARTS.map((p) => (v as Record<string, string | null>)[p])
              .filter(Boolean)
              .join(' '),
          ),
        ),
      }
    default:
      return { id, header, cell: cell((v) => text(options.size ? label(v) : typeof v === 'object' ? JSON.stringify(v) : String(v))) }
  }
}
