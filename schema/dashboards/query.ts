import { addDays, businessDate } from '../lib/time'
import { D } from '../formula/values'
import { evaluateFormula, FormulaError } from '../formula'
import { normalizeProvince } from '../lib/provinces'
import { compileWidgetFormula } from './validate'
import { groupKey, type Dataset, type DateBucket, type Widget } from './types'

/** What the dashboard's bar sets for every widget: a range of Shanghai days, a shop, a warehouse. */
export interface GlobalFilters {
  range?: DateRange | null
  shop?: number | null
  warehouse?: number | null
}

export interface DateRange {
  /** first day, YYYY-MM-DD, included */
  from: string
  /** last day, included */
  to: string
}

export const DATE_PRESETS = ['today', 'yesterday', 'last_7_days', 'last_30_days', 'this_month', 'last_month', 'this_year'] as const
export type DatePreset = (typeof DATE_PRESETS)[number]

/** A preset's days in Asia/Shanghai; this month and this year run to today. */
export function presetRange(preset: DatePreset, nowMs: number): DateRange {
  const today = businessDate(nowMs)
  const [y, m] = today.split('-')
  switch (preset) {
    case 'today':
      return { from: today, to: today }
    case 'yesterday':
      return { from: addDays(today, -1), to: addDays(today, -1) }
    case 'last_7_days':
      return { from: addDays(today, -6), to: today }
    case 'last_30_days':
      return { from: addDays(today, -29), to: today }
    case 'this_month':
      return { from: `${y}-${m}-01`, to: today }
    case 'last_month': {
      const first = `${y}-${m}-01`
      const last = addDays(first, -1)
      return { from: `${last.slice(0, 7)}-01`, to: last }
    }
    case 'this_year':
      return { from: `${y}-01-01`, to: today }
  }
}

/** Days in a range, both ends included. */
export function rangeDays(range: DateRange): number {
  return Math.round((Date.parse(range.to) - Date.parse(range.from)) / 86_400_000) + 1
}

/** The period of the same length just before: what a KPI compares with. */
export function previousRange(range: DateRange): DateRange {
  const days = rangeDays(range)
  return { from: addDays(range.from, -days), to: addDays(range.from, -1) }
}

type Condition = Record<string, unknown>

/** One AND of the parts, nested ANDs spread out: the grid shows each part as its own chip. */
function allOf(parts: unknown[]): Condition | undefined {
  const flat = parts.flatMap((p) => (p && typeof p === 'object' && Array.isArray((p as { and?: unknown }).and) && Object.keys(p).length === 1 ? ((p as { and: unknown[] }).and) : [p]))
  if (!flat.length) return undefined
  return flat.length === 1 ? (flat[0] as Condition) : { and: flat }
}

/** Records whose date field falls on the range's days (a datetime field: from 00:00 to before the next day). */
export function rangeCondition(field: string, range: DateRange): Condition {
  return { and: [{ field, op: 'gte', value: range.from }, { field, op: 'lt', value: addDays(range.to, 1) }] }
}

/** The dataset's own filter AND the dashboard's filters, on the fields the dataset declares. */
export function datasetFilter(ds: Dataset, globals: GlobalFilters): Condition | undefined {
  const parts: unknown[] = []
  if (ds.filter !== undefined && ds.filter !== null) parts.push(ds.filter)
  if (globals.range && ds.date_field) parts.push(rangeCondition(ds.date_field, globals.range))
  if (globals.shop && ds.shop_field) parts.push({ field: ds.shop_field, op: 'eq', value: globals.shop })
  if (globals.warehouse && ds.warehouse_field) parts.push({ field: ds.warehouse_field, op: 'eq', value: globals.warehouse })
  return allOf(parts)
}

/** The body of `POST /api/forms/:form/records/aggregate` for a widget under the dashboard's filters. */
export function aggregateRequest(ds: Dataset, globals: GlobalFilters): Record<string, unknown> {
  const filter = datasetFilter(ds, globals)
  return {
    ...(filter ? { filter } : {}),
    group_by: ds.group_by ?? [],
    // The endpoint names measures by `as`; labels are ours.
    measures: ds.measures.map(({ fn, field, as, filter }) => ({ fn, ...(field ? { field } : {}), as, ...(filter !== undefined ? { filter } : {}) })),
    ...(ds.having ? { having: ds.having } : {}),
    ...(ds.sort ? { sort: ds.sort.filter((s) => isEndpointName(ds, s.replace(/^-/, ''))) } : {}),
    ...(ds.limit ? { limit: ds.limit } : {}),
  }
}

const isEndpointName = (ds: Dataset, name: string) => ds.measures.some((m) => m.as === name) || (ds.group_by ?? []).some((g) => groupKey(g) === name)

export type Row = Record<string, unknown>

/**
 * Adds each formula's value to every row (exact decimals, rounded half away from zero to its
 * scale, as text). A formula that cannot be computed for a row (÷ 0) is blank there.
 */
export function applyFormulas(rows: Row[], widget: Pick<Widget, 'dataset' | 'formulas'>): Row[] {
  const formulas = widget.formulas ?? []
  if (!formulas.length) return rows
  const names = [...(widget.dataset.group_by ?? []).map(groupKey), ...widget.dataset.measures.map((m) => m.as)]
  const compiled = formulas.map((f) => {
    const c = compileWidgetFormula(f.formula, names)
    names.push(f.as)
    return { f, c }
  })
  return rows.map((row) => {
    const out: Row = { ...row }
    for (const { f, c } of compiled) {
      try {
        const value = evaluateFormula(c, Object.fromEntries(c.dependencies.map((k) => [k, toInput(out[k])])))
        out[f.as] = D.isDecimal(value) ? (value as InstanceType<typeof D>).toDecimalPlaces(f.scale ?? 2, D.ROUND_HALF_UP).toFixed(f.scale ?? 2) : value
      } catch (error) {
        if (!(error instanceof FormulaError)) throw error
        out[f.as] = null
      }
    }
    return out
  })
}

const toInput = (v: unknown) => (v === null || v === undefined ? null : typeof v === 'number' ? v : typeof v === 'string' ? v : null)

/** The days a date bucket covers: [from, to). */
export function bucketDays(bucket: DateBucket, value: string): { from: string; before: string } | null {
  const pad = (n: number) => String(n).padStart(2, '0')
  switch (bucket) {
    case 'day':
      return /^\d{4}-\d{2}-\d{2}$/.test(value) ? { from: value, before: addDays(value, 1) } : null
    case 'week':
      return /^\d{4}-\d{2}-\d{2}$/.test(value) ? { from: value, before: addDays(value, 7) } : null
    case 'month': {
      const m = /^(\d{4})-(\d{2})$/.exec(value)
      if (!m) return null
      const [y, mo] = [Number(m[1]), Number(m[2])]
      return { from: `${value}-01`, before: mo === 12 ? `${y + 1}-01-01` : `${y}-${pad(mo + 1)}-01` }
    }
    case 'quarter': {
      const m = /^(\d{4})-Q([1-4])$/.exec(value)
      if (!m) return null
      const [y, q] = [Number(m[1]), Number(m[2])]
      return { from: `${y}-${pad(q * 3 - 2)}-01`, before: q === 4 ? `${y + 1}-01-01` : `${y}-${pad(q * 3 + 1)}-01` }
    }
    case 'year':
      return /^\d{4}$/.test(value) ? { from: `${value}-01-01`, before: `${Number(value) + 1}-01-01` } : null
  }
}

/** A link field's group value as the grid's route filter shows it: `{id, display}`. */
export interface LinkValue {
  id: number
  display: string
}

/**
 * The filter that opens exactly the records behind one group of a widget: the group's value for
 * each given group key + the dataset's filter + the dashboard's filters. `values` are keyed by
 * group key; a province key may carry several raw spellings (the map merges them). Returns null
 * when a key cannot be filtered on (a `link.field` key: filters name the form's own fields).
 */
export function drillFilter(ds: Dataset, globals: GlobalFilters, values: Record<string, unknown>): Condition | null {
  const parts: unknown[] = []
  const base = datasetFilter(ds, globals)
  if (base) parts.push(base)
  for (const group of ds.group_by ?? []) {
    const key = groupKey(group)
    if (!(key in values)) continue
    const value = values[key]
    if (typeof group !== 'string') {
      if (value === null || value === undefined) {
        parts.push({ field: group.field, op: 'is_empty' })
        continue
      }
      const days = bucketDays(group.by, String(value))
      if (!days) return null
      parts.push({ field: group.field, op: 'gte', value: days.from }, { field: group.field, op: 'lt', value: days.before })
      continue
    }
    if (key.includes('.')) return null
    if (value === null || value === undefined || value === '') parts.push({ field: key, op: 'is_empty' })
    else if (Array.isArray(value)) parts.push(value.some((v) => v === null || v === '') ? { or: [{ field: key, op: 'in', value: value.filter((v) => v !== null && v !== '') }, { field: key, op: 'is_empty' }] } : { field: key, op: 'in', value })
    else parts.push({ field: key, op: 'eq', value })
  }
  return allOf(parts) ?? {}
}

/** Map rows by province: values of the same province (上海 / 上海市) added up, raw spellings kept for drilling. */
export function rowsByProvince(rows: Row[], provinceKey: string, valueKey: string): { name: string; value: string; raw: unknown[] }[] {
  const out = new Map<string, { name: string; value: InstanceType<typeof D>; raw: unknown[] }>()
  for (const row of rows) {
    const name = normalizeProvince(row[provinceKey] as string | null)
    if (!name) continue
    const entry = out.get(name) ?? { name, value: new D(0), raw: [] }
    entry.value = entry.value.plus(new D(String(row[valueKey] ?? 0) || 0))
    entry.raw.push(row[provinceKey])
    out.set(name, entry)
  }
  return [...out.values()].map((e) => ({ name: e.name, value: e.value.toString(), raw: e.raw }))
}

/** Change of a KPI against the previous period, as a ratio ("0.125" = +12.5%), or null when there was nothing before. */
export function changeRatio(current: unknown, previous: unknown): string | null {
  const prev = new D(String(previous ?? 0) || 0)
  if (prev.isZero()) return null
  return new D(String(current ?? 0) || 0).minus(prev).div(prev.abs()).toDecimalPlaces(4, D.ROUND_HALF_UP).toString()
}
