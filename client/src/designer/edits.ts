import { fieldType } from '../../../schema/fields/registry'
import type { FieldDefinition } from '../../../schema/fields/types'
import type { LocalizedText } from '../../../schema/lib/localized'
import type { FormDefinition, LayoutSectionDefinition } from '../../../schema/template/form'
import { deriveKey } from './keys'

/*
 * Edits of a form definition as the designer makes them. They change the draft in place (the
 * designer's draft is reactive; the drag lists share its arrays) and stay pure otherwise.
 */

export type Labels = { 'zh-CN': string; en?: string }

/** A deep copy of plain JSON (definitions are JSON; reactive proxies cannot be structured-cloned). */
export const cloneJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T

/** The designer always edits an explicit layout; a form without one shows its visible fields in two columns. */
export function ensureLayout(def: FormDefinition): LayoutSectionDefinition[] {
  if (!def.layout?.sections.length) {
    def.layout = { sections: [{ columns: 2, fields: def.fields.filter((f) => !f.hidden).map((f) => f.key) }] }
  }
  return def.layout.sections
}

export function placedKeys(def: FormDefinition): Set<string> {
  return new Set((def.layout?.sections ?? []).flatMap((s) => s.fields))
}

/** Fields the layout does not show (hidden ones, or taken out of the layout): they keep their data. */
export function unplacedFields(def: FormDefinition): FieldDefinition[] {
  const placed = placedKeys(def)
  return def.fields.filter((f) => !placed.has(f.key))
}

/** What a new field of each type needs to be valid; the merchant changes it in the properties panel. */
function starterProperties(type: string, def: FormDefinition, forms: FormDefinition[]): Record<string, unknown> {
  const otherForm = forms.find((f) => f.key !== def.key) ?? def
  const firstLink = def.fields.find((f) => f.type === 'link' && !f.multiple)
  const linkedForm = firstLink ? forms.find((f) => f.key === String(firstLink.form).split('.')[0]) : undefined
  switch (type) {
    case 'select':
    case 'multi_select':
      return { options: [{ value: 'option_1', label: { 'zh-CN': '选项1', en: 'Option 1' } }] }
    case 'link':
      return { form: otherForm.key }
    case 'lookup':
    case 'copy':
      return { link: firstLink?.key ?? '', field: linkedForm?.title_field ?? linkedForm?.fields[0]?.key ?? '' }
    case 'rollup': {
      const lines = def.fields.find((f) => f.type === 'sub_form')
      return { source: lines?.key ?? '', aggregate: 'count' }
    }
    case 'sub_form':
      return { fields: [{ key: 'item', type: 'text', label: { 'zh-CN': '项目', en: 'Item' } }] }
    case 'formula':
      return { formula: '0', result: 'number' }
    case 'auto_number':
      return { pattern: 'NO{YYYYMMDD}{0000}' }
    default:
      return {}
  }
}

/**
 * Changes a field's type: properties the new type does not have are dropped, the ones it needs are
 * added. For a saved field the save's dry run shows what converting its data does.
 */
export function changeType(field: FieldDefinition, type: string, def: FormDefinition, forms: FormDefinition[]): void {
  const schema = fieldType(type)?.schema
  if (!schema) return
  for (const property of Object.keys(field)) if (!(property in schema.properties)) delete field[property]
  field.type = type
  for (const [property, value] of Object.entries(starterProperties(type, def, forms))) if (field[property] === undefined) field[property] = value
}

/** A new field of `type` with a fresh key (from the English label when there is one). */
export function newField(type: string, label: Labels, def: FormDefinition, forms: FormDefinition[], taken: ReadonlySet<string>): FieldDefinition {
  const keys = new Set([...taken, ...def.fields.map((f) => f.key)])
  return { key: deriveKey(label.en, keys), type, label: { ...label }, ...starterProperties(type, def, forms) }
}

/** The grid's columns: the first view that lists its own (views without a list show these). */
export function gridColumns(def: FormDefinition): string[] | null {
  return def.views?.find((v) => v.columns?.length)?.columns ?? null
}

/** Shows or hides a field in the grid; a form without listed columns shows every field anyway. */
export function setInGrid(def: FormDefinition, key: string, shown: boolean): void {
  const columns = gridColumns(def)
  if (!columns) return
  const at = columns.indexOf(key)
  if (shown && at < 0) columns.push(key)
  if (!shown && at >= 0) columns.splice(at, 1)
}

/** Adds a field, places it in a section (at the end when `index` is absent) and in the grid. */
export function addField(def: FormDefinition, field: FieldDefinition, section = 0, index?: number): void {
  const sections = ensureLayout(def)
  def.fields.push(field)
  const target = sections[Math.min(section, sections.length - 1)]
  target.fields.splice(index ?? target.fields.length, 0, field.key)
  setInGrid(def, field.key, true)
}

export function removeField(def: FormDefinition, key: string): void {
  def.fields = def.fields.filter((f) => f.key !== key)
  for (const section of def.layout?.sections ?? []) section.fields = section.fields.filter((k) => k !== key)
  for (const view of def.views ?? []) {
    if (view.columns) view.columns = view.columns.filter((k) => k !== key)
    if (view.sort) view.sort = view.sort.filter((s) => s.replace(/^-/, '') !== key)
  }
  if (def.title_field === key) delete def.title_field
}

/** Renames a field that was never saved: its place in the layout and what names it in this form follow. */
export function renameField(def: FormDefinition, from: string, to: string): void {
  if (from === to) return
  for (const field of def.fields) {
    if (field.key === from) field.key = to
    for (const property of ['visible_when', 'required_when'] as const) {
      if (field[property]?.field === from) field[property] = { ...field[property], field: to }
    }
    if ((field.type === 'lookup' || field.type === 'copy') && field.link === from) field.link = to
    if (field.type === 'rollup' && field.source === from) field.source = to
  }
  for (const section of def.layout?.sections ?? []) section.fields = section.fields.map((k) => (k === from ? to : k))
  for (const view of def.views ?? []) if (view.columns) view.columns = view.columns.map((k) => (k === from ? to : k))
  if (def.title_field === from) def.title_field = to
}

export function addSection(def: FormDefinition, label?: LocalizedText, tab?: LocalizedText): LayoutSectionDefinition {
  const section: LayoutSectionDefinition = { columns: 2, fields: [], ...(label ? { label } : {}), ...(tab ? { tab } : {}) }
  ensureLayout(def).push(section)
  return section
}

/** Removes a section; its fields go to the section before it (or after it), never lost. */
export function removeSection(def: FormDefinition, index: number): void {
  const sections = ensureLayout(def)
  if (sections.length < 2) return
  const [removed] = sections.splice(index, 1)
  const heir = sections[Math.max(0, index - 1)]
  heir.fields.push(...removed.fields)
}

/**
 * The definition as saved: empty sections dropped (the template language wants fields in each),
 * no layout when none is left, blank optional texts removed.
 */
export function forSaving(def: FormDefinition): FormDefinition {
  const copy = cloneJson(def)
  if (copy.layout) {
    copy.layout.sections = copy.layout.sections.filter((s) => s.fields.length > 0)
    if (!copy.layout.sections.length) delete copy.layout
  }
  const clean = (field: FieldDefinition) => {
    for (const [property, value] of Object.entries(field)) {
      if (value === '' || value === null || value === undefined) delete field[property]
      else if (value && typeof value === 'object' && 'zh-CN' in value && !(value as Labels)['zh-CN']) delete field[property]
      else if (value && typeof value === 'object' && 'en' in value && (value as Labels).en === '') delete (value as Labels).en
    }
    if (Array.isArray(field.fields)) (field.fields as FieldDefinition[]).forEach(clean)
  }
  copy.fields.forEach(clean)
  return copy
}

/** A merchant's own new form: one required name field to start from. */
export function blankForm(label: Labels, taken: ReadonlySet<string>): FormDefinition {
  const key = deriveKey(label.en, taken, 'form')
  return {
    key,
    label: { ...label },
    title_field: 'name',
    fields: [{ key: 'name', type: 'text', label: { 'zh-CN': '名称', en: 'Name' }, required: true }],
    layout: { sections: [{ columns: 2, fields: ['name'] }] },
  }
}

/**
 * A copy of another form under a new key and label. Ledger bookkeeping and server handlers belong
 * to the original's role in the pack, so the copy is a plain form with its fields, layout, views,
 * rules and data-only actions.
 */
export function copyOfForm(source: FormDefinition, label: Labels, taken: ReadonlySet<string>): FormDefinition {
  const copy = cloneJson(source)
  copy.key = deriveKey(label.en, taken, 'form')
  copy.label = { ...label }
  delete copy.ledger
  delete copy.postings
  delete copy.system_written
  if (copy.actions) {
    copy.actions = copy.actions.filter((a) => !('handler' in a && a.handler))
    if (!copy.actions.length) delete copy.actions
  }
  return copy
}
