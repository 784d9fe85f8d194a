import { localize, type Locale } from '@schema/lib/localized'
import { groupKey, type Widget } from '@schema/dashboards/types'
import type { FormInfo } from '@/api/types'

/**
 * How a widget's rows read to a person: names of group keys and measures, option labels for
 * select values, link titles for link ids, and numbers as money, counts or percentages.
 */
export type FormOf = (key: string) => FormInfo | undefined

interface FieldDef {
  key: string
  type: string
  label?: unknown
  options?: { value: string; label?: unknown }[]
  form?: string
}

function fieldDef(forms: FormOf, form: string, path: string): FieldDef | undefined {
  const [formKey, sub] = form.split('.')
  const info = forms(formKey)
  if (!info) return undefined
  // a dataset over lines (orders.lines) reads the lines' fields, and the record's as parent.x
  let fields = info.definition.fields as FieldDef[]
  if (sub && path.startsWith('parent.')) path = path.slice('parent.'.length)
  else if (sub) fields = ((fields.find((f) => f.key === sub) as { fields?: FieldDef[] } | undefined)?.fields ?? []) as FieldDef[]
  const dot = path.indexOf('.')
  const [head, rest] = dot >= 0 ? [path.slice(0, dot), path.slice(dot + 1)] : [path, '']
  const def = fields.find((f) => f.key === head)
  if (!rest) return def
  return def?.form ? fieldDef(forms, String(def.form).split('.')[0], rest) : undefined
}

const SYSTEM_LABELS: Record<string, { 'zh-CN': string; en: string }> = {
  created_at: { 'zh-CN': '创建时间', en: 'Created' },
  updated_at: { 'zh-CN': '修改时间', en: 'Updated' },
  id: { 'zh-CN': 'ID', en: 'ID' },
}

/** The name of a column of a widget's rows: a measure's or formula's label, else its field's. */
export function columnLabel(widget: Widget, key: string, forms: FormOf, locale: Locale): string {
  const ds = widget.dataset
  const measure = ds.measures.find((m) => m.as === key)
  if (measure?.label) return localize(measure.label as never, locale)
  const formula = widget.formulas?.find((f) => f.as === key)
  if (formula) return formula.label ? localize(formula.label as never, locale) : key
  const path = measure?.field ?? key
  const def = fieldDef(forms, ds.form, path)
  if (def?.label) return localize(def.label as never, locale)
  if (SYSTEM_LABELS[path]) return SYSTEM_LABELS[path][locale]
  return key
}

/** The group key a chart's axis or slices stand for, and the key holding its readable name. */
export function dimension(widget: Widget): { key: string; label: string } | null {
  const keys = (widget.dataset.group_by ?? []).map(groupKey)
  if (!keys.length) return null
  const key = keys[0]
  const label = keys.find((k) => k.startsWith(`${key}.`)) ?? key
  return { key, label }
}

/** A group value as a person reads it. */
export function displayValue(widget: Widget, key: string, value: unknown, forms: FormOf, locale: Locale, blank: string): string {
  if (value === null || value === undefined || value === '') return blank
  if (typeof value === 'object' && 'display' in (value as object)) return String((value as { display: unknown }).display ?? blank)
  const def = fieldDef(forms, widget.dataset.form, key)
  if (def?.options) {
    const option = def.options.find((o) => o.value === value)
    if (option?.label) return localize(option.label as never, locale)
  }
  if (typeof value === 'boolean') return value ? '✓' : '✗'
  return String(value)
}

/** Whether a measure adds up money (two decimals always, as the API sends them). */
function isMoney(widget: Widget, key: string, forms: FormOf): boolean {
  const measure = widget.dataset.measures.find((m) => m.as === key)
  if (!measure?.field || measure.fn === 'count' || measure.fn === 'count_distinct') return false
  const [form, sub] = widget.dataset.form.split('.')
  const info = forms(form)
  const fields = sub ? info?.fields[sub]?.lines : info?.fields
  const path = measure.field.startsWith('parent.') ? measure.field.slice(7) : measure.field
  return Boolean((measure.field.startsWith('parent.') ? info?.fields[path] : fields?.[path])?.money)
}

/** A measure or formula value: exact text in, grouped digits out (percentages for percent formulas). */
export function formatValue(widget: Widget, key: string, value: unknown, forms: FormOf, locale: Locale): string {
  if (value === null || value === undefined || value === '') return '–'
  const formula = widget.formulas?.find((f) => f.as === key)
  const n = Number(value)
  if (!Number.isFinite(n)) return String(value)
  const tag = locale === 'en' ? 'en-US' : 'zh-CN'
  if (formula?.percent) return `${(n * 100).toLocaleString(tag, { maximumFractionDigits: 1, minimumFractionDigits: 1 })}%`
  const money = isMoney(widget, key, forms) || (formula !== undefined && (formula.scale ?? 2) === 2)
  // quantities keep the digits they have, without trailing zeros (79.00 items → 79)
  const digits = money ? 2 : Math.min(String(value).replace(/0+$/, '').split('.')[1]?.length ?? 0, 4)
  return n.toLocaleString(tag, { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/** Measures and formulas a widget shows, in order (options.series or options.columns narrow them). */
export function valueKeys(widget: Widget): string[] {
  const all = [...widget.dataset.measures.map((m) => m.as), ...(widget.formulas ?? []).map((f) => f.as)]
  const series = widget.options?.series
  if (Array.isArray(series) && series.length) return series.map(String)
  const hidden = new Set((widget.formulas ?? []).flatMap((f) => f.formula.match(/[A-Za-z_][\w]*/g) ?? []))
  // a measure only used to compute a formula (out_qty → units) is not shown on its own
  return all.filter((k) => !(widget.formulas?.length && hidden.has(k) && widget.dataset.measures.some((m) => m.as === k)))
}

/** The one value a KPI, pie, funnel or map shows. */
export function mainValue(widget: Widget): string {
  const v = widget.options?.value
  if (typeof v === 'string') return v
  return valueKeys(widget)[0]
}
