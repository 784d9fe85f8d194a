import { localize, type Locale } from '@schema/lib/localized'
import type { AuditEntry } from '@/api/audit'
import type { FieldDefinition, FieldInfo, FormInfo } from '@/api/types'
import { formatDateTime, formatDecimal } from '@/fields/shared/format'

/** One line of an entry as shown: a field's change (before → after) or its value (an image). */
export interface ChangeRow {
  key: string
  label: string
  before?: string
  after?: string
  value?: string
}
/** A line of a sub-form that was added, removed or changed. */
export interface LineChange {
  kind: 'added' | 'removed' | 'changed'
  field: string
  id: number | null
  rows: ChangeRow[]
}
export interface EntryView {
  /** what an image shows (create, delete, import) or the changed fields (update, actions) */
  rows: ChangeRow[]
  lines: LineChange[]
  /** image entries show values, change entries before → after */
  mode: 'image' | 'diff' | 'none'
  /** records in an import batch */
  batch: number | null
  params: Record<string, unknown> | null
}

interface Table {
  defs: FieldDefinition[]
  infos: Record<string, FieldInfo>
}

type Titles = Record<string, Record<number, string>>

/** Turns an audit entry's `changes` (docs/audit.md) into rows with field labels and readable values. */
export interface Words {
  yes: string
  no: string
  /** a document status (draft, submitted, void) as the user reads it */
  status: (value: string) => string
  statusLabel: string
}

export function entryView(entry: AuditEntry, form: FormInfo | undefined, titles: Titles, locale: Locale, words: Words): EntryView {
  const table: Table = { defs: form?.definition.fields ?? [], infos: form?.fields ?? {} }
  const c = (entry.changes ?? {}) as Record<string, unknown>
  const view: EntryView = { rows: [], lines: [], mode: 'none', batch: null, params: null }
  const format = (t: Table, key: string, value: unknown) => formatValue(t.defs.find((d) => d.key === key), t.infos[key], value, titles, locale, words)
  const label = (t: Table, key: string) => {
    const def = t.defs.find((d) => d.key === key)
    return def ? localize(def.label, locale) : key
  }
  const sub = (key: string): Table => ({
    defs: (table.defs.find((d) => d.key === key)?.fields as FieldDefinition[] | undefined) ?? [],
    infos: table.infos[key]?.lines ?? {},
  })
  const imageRows = (t: Table, image: Record<string, unknown>) =>
    Object.entries(image)
      .filter(([k, v]) => k !== 'id' && !isEmpty(v) && !(t.infos[k]?.lines || Array.isArray(v) && v.every((x) => x && typeof x === 'object')))
      .map(([k, v]) => ({ key: k, label: label(t, k), value: format(t, k, v) }))
  const diffRows = (t: Table, diff: Record<string, unknown>) =>
    Object.entries(diff)
      .filter(([, v]) => Array.isArray(v) && v.length === 2)
      .map(([k, v]) => ({ key: k, label: label(t, k), before: format(t, k, (v as unknown[])[0]), after: format(t, k, (v as unknown[])[1]) }))
  const imageLines = (image: Record<string, unknown>, kind: LineChange['kind']) => {
    for (const [key, value] of Object.entries(image)) {
      if (!table.infos[key]?.lines || !Array.isArray(value)) continue
      for (const line of value as Record<string, unknown>[]) view.lines.push({ kind, field: label(table, key), id: typeof line.id === 'number' ? line.id : null, rows: imageRows(sub(key), line) })
    }
  }

  if (entry.action === 'create' || entry.action === 'delete' || entry.action === 'import') {
    const raw = entry.action === 'delete' ? c.before : c.after
    const image = (Array.isArray(raw) ? raw[0] : raw) as Record<string, unknown> | undefined
    view.mode = 'image'
    if (entry.action === 'import' && Array.isArray(c.ids)) view.batch = c.ids.length
    if (image && typeof image === 'object') {
      view.rows = imageRows(table, image)
      imageLines(image, entry.action === 'delete' ? 'removed' : 'added')
    }
    return view
  }
  const diff = (entry.action === 'update' ? c : c.fields) as Record<string, unknown> | undefined
  if (entry.action !== 'update' && c.params && typeof c.params === 'object' && Object.keys(c.params).length) view.params = c.params as Record<string, unknown>
  if (!diff || typeof diff !== 'object') return view
  view.mode = 'diff'
  const status = (v: unknown) => (typeof v === 'string' ? words.status(v) : '')
  view.rows = diffRows(table, diff).map((r) => (r.key === 'doc_status' ? { ...r, label: words.statusLabel, before: status((diff.doc_status as unknown[])[0]), after: status((diff.doc_status as unknown[])[1]) } : r))
  for (const [key, value] of Object.entries(diff)) {
    if (Array.isArray(value) || !value || typeof value !== 'object') continue
    const lines = value as { added?: Record<string, unknown>[]; removed?: Record<string, unknown>[]; changed?: { id: number; changes: Record<string, unknown> }[] }
    const t = sub(key)
    for (const line of lines.added ?? []) view.lines.push({ kind: 'added', field: label(table, key), id: null, rows: imageRows(t, line) })
    for (const line of lines.removed ?? []) view.lines.push({ kind: 'removed', field: label(table, key), id: typeof line.id === 'number' ? line.id : null, rows: imageRows(t, line) })
    for (const line of lines.changed ?? []) view.lines.push({ kind: 'changed', field: label(table, key), id: line.id, rows: diffRows(t, line.changes) })
  }
  return view
}

function isEmpty(v: unknown) {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)
}

function formatValue(def: FieldDefinition | undefined, info: FieldInfo | undefined, value: unknown, titles: Titles, locale: Locale, words: Words): string {
  if (isEmpty(value)) return ''
  if (info?.kind === 'user') return titles.$users?.[value as number] ?? `#${String(value)}`
  const target = info?.target?.split('.')[0]
  if (target && (info?.kind === 'link' || info?.kind === 'link_list')) {
    const ids = Array.isArray(value) ? value : [value]
    return ids.map((id) => titles[target]?.[id as number] ?? `#${String(id)}`).join('、')
  }
  const options = Array.isArray(def?.options) ? (def.options as { value: string; label: Parameters<typeof localize>[0] }[]) : null
  if (options) {
    const labelOf = (v: unknown) => {
      const option = options.find((o) => o.value === v)
      return option ? localize(option.label, locale) : String(v)
    }
    return Array.isArray(value) ? value.map(labelOf).join('、') : labelOf(value)
  }
  if (typeof value === 'boolean') return value ? words.yes : words.no
  if (info?.kind === 'datetime') return formatDateTime(value)
  if (info?.kind === 'decimal' || info?.money) return formatDecimal(value, info?.money)
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}
