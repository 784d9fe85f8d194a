import { prepareFilter } from '../filter/prepare'
import { resolveTarget } from '../filter/targets'
import { compileFormula, FormulaError, type CompiledFormula } from '../formula'
import type { ResolvedValue } from '../fields/types'
import { problem, type MessageParams, type Problem } from '../messages/problem'
import type { MessageCode } from '../messages/catalog'
import type { FormModel, TableModel } from '../model/types'
import { checkSchema } from '../validate/ajv'
import { DashboardSchema, groupKey, type Dataset, type DashboardDefinition, type Widget } from './types'

/** A problem with a dashboard definition: where (`widgets[2].dataset.measures[0].field`), a code, its params. */
export interface DashboardProblem {
  path: string
  code: MessageCode
  params: MessageParams
  message: string
}

export type FormLookup = (key: string) => FormModel | undefined

/** A dataset's table: a form, or a sub-form's lines (`orders.lines`). */
export function datasetTable(forms: FormLookup, path: string): { table: TableModel; form: FormModel } | undefined {
  const [key, sub] = path.split('.')
  const form = forms(key)
  if (!form) return undefined
  if (!sub) return { table: form, form }
  const lines = form.field(sub)?.lines
  return lines ? { table: lines, form } : undefined
}

const NUMERIC = new Set(['decimal'])
const ORDERED = new Set(['decimal', 'date', 'datetime', 'text'])
const TEMPORAL = new Set(['date', 'datetime'])

/** What a dataset field path (`status`, `created_at`, `shop.name`) holds, or why it is unknown. */
export function resolveDatasetField(form: TableModel, path: string, forms: FormLookup): ResolvedValue | { error: string } {
  const direct = resolveTarget(form, path)
  if (!('error' in direct)) return direct.value
  const dot = path.indexOf('.')
  if (dot < 0) return direct
  const link = form.field(path.slice(0, dot))
  if (!link || link.value.kind !== 'link' || !link.value.target) return direct
  const target = forms(link.value.target)
  if (!target) return { error: `unknown form "${link.value.target}"` }
  const inner = resolveTarget(target as TableModel, path.slice(dot + 1))
  if ('error' in inner) return { error: `unknown field "${path}"` }
  // through a link only stored columns can be grouped or measured (a lookup there is two joins away)
  if (inner.kind === 'field' && inner.field.storage.kind !== 'column') return { error: `"${path}" is not stored` }
  return inner.value
}

/** A formula over a widget's measures: bare names are measure (or earlier formula) names. */
export function compileWidgetFormula(source: string, names: readonly string[]): CompiledFormula {
  const known = new Set(names)
  return compileFormula(source, {
    resolve: (name) => (known.has(name) ? { key: name, type: 'number' } : undefined),
    resolveMember: () => undefined,
  })
}

/**
 * Checks a dashboard against its schema and the installed forms: every widget's form, fields,
 * measures, filters and formulas must exist and fit. Problems name the widget and the place.
 */
export function validateDashboard(input: unknown, forms: FormLookup, at = 'dashboard'): DashboardProblem[] {
  const shape = checkSchema(DashboardSchema, input, at)
  if (shape.length) return shape.map((p) => ({ path: p.path, ...problem('template_problem', p.message, { path: p.path, detail: p.message }) }))
  const def = input as DashboardDefinition
  const problems: DashboardProblem[] = []
  const push = (path: string, p: Problem) => problems.push({ path, ...p })

  const keys = new Set<string>()
  def.widgets.forEach((widget, i) => {
    const path = `${at}.widgets[${i}]`
    if (keys.has(widget.key)) push(`${path}.key`, problem('dashboard_duplicate_widget', `two widgets are named "${widget.key}"`, { widget: widget.key }))
    keys.add(widget.key)
    checkWidget(widget, path, forms, push)
  })
  const todoKeys = new Set<string>()
  def.todos?.forEach((todo, i) => {
    const path = `${at}.todos[${i}]`
    if (todoKeys.has(todo.key)) push(`${path}.key`, problem('dashboard_duplicate_widget', `two to-dos are named "${todo.key}"`, { widget: todo.key }))
    todoKeys.add(todo.key)
    if (!todo.form && !todo.source) push(path, problem('dashboard_todo_needs_form', `to-do "${todo.key}" needs a form or a source`, { widget: todo.key }))
    if (!todo.form) return
    const form = forms(todo.form)
    if (!form) return push(`${path}.form`, problem('dashboard_unknown_form', `to-do "${todo.key}": unknown form "${todo.form}"`, { widget: todo.key, form: todo.form }))
    if (todo.filter !== undefined) checkFilter(todo.filter, form, `${path}.filter`, todo.key, push)
  })
  return problems
}

type Push = (path: string, p: Problem) => void

function checkFilter(filter: unknown, form: TableModel, path: string, widget: string, push: Push) {
  for (const p of prepareFilter(filter, form, null, path).problems) {
    push(p.path, problem('dashboard_bad_filter', `widget "${widget}": ${p.path}: ${p.message}`, { widget, detail: p.message }))
  }
}

function checkWidget(widget: Widget, path: string, forms: FormLookup, push: Push) {
  const ds: Dataset = widget.dataset
  const found = datasetTable(forms, ds.form)
  if (!found) return push(`${path}.dataset.form`, problem('dashboard_unknown_form', `widget "${widget.key}": unknown form "${ds.form}"`, { widget: widget.key, form: ds.form }))
  const form = found.table
  const formLabel = found.form.def.label
  const field = (fieldPath: string, at: string, want?: Set<string>, wantName?: string): ResolvedValue | undefined => {
    const resolved = resolveDatasetField(form, fieldPath, forms)
    if ('error' in resolved) {
      push(at, problem('dashboard_unknown_field', `widget "${widget.key}": form "${ds.form}" has no field "${fieldPath}"`, { widget: widget.key, form: formLabel, field: fieldPath }))
      return undefined
    }
    if (want && !want.has(resolved.kind)) {
      push(at, problem('dashboard_field_kind', `widget "${widget.key}": "${fieldPath}" is not ${wantName}`, { widget: widget.key, field: fieldPath, kind: wantName ?? '' }))
      return undefined
    }
    return resolved
  }
  if (ds.filter !== undefined) checkFilter(ds.filter, form, `${path}.dataset.filter`, widget.key, push)
  if (ds.date_field) field(ds.date_field, `${path}.dataset.date_field`, TEMPORAL, 'a date')
  for (const key of ['shop_field', 'warehouse_field'] as const) {
    const value = ds[key]
    if (value) field(value, `${path}.dataset.${key}`, new Set(['link']), 'a link')
  }
  const names: string[] = []
  ;(ds.group_by ?? []).forEach((group, j) => {
    const at = `${path}.dataset.group_by[${j}]`
    if (typeof group === 'string') field(group, at)
    else field(group.field, `${at}.field`, TEMPORAL, 'a date')
    names.push(groupKey(group))
  })
  ds.measures.forEach((measure, j) => {
    const at = `${path}.dataset.measures[${j}]`
    if (names.includes(measure.as)) push(`${at}.as`, problem('dashboard_duplicate_widget', `widget "${widget.key}": "${measure.as}" is named twice`, { widget: widget.key }))
    names.push(measure.as)
    if (measure.filter !== undefined) checkFilter(measure.filter, form, `${at}.filter`, widget.key, push)
    if (!measure.field) {
      if (measure.fn !== 'count') push(`${at}.field`, problem('dashboard_measure_needs_field', `widget "${widget.key}": ${measure.fn} needs a field`, { widget: widget.key, fn: measure.fn }))
      return
    }
    const want = measure.fn === 'sum' || measure.fn === 'avg' ? NUMERIC : measure.fn === 'min' || measure.fn === 'max' ? ORDERED : undefined
    field(measure.field, `${at}.field`, want, want === NUMERIC ? 'a number' : 'comparable')
  })
  widget.formulas?.forEach((f, j) => {
    const at = `${path}.formulas[${j}]`
    try {
      compileWidgetFormula(f.formula, names)
    } catch (error) {
      if (!(error instanceof FormulaError)) throw error
      push(`${at}.formula`, problem('dashboard_bad_formula', `widget "${widget.key}": ${error.message}`, { widget: widget.key, detail: error.message }))
    }
    if (names.includes(f.as)) push(`${at}.as`, problem('dashboard_duplicate_widget', `widget "${widget.key}": "${f.as}" is named twice`, { widget: widget.key }))
    names.push(f.as)
  })
  ds.sort?.forEach((s, j) => {
    if (!names.includes(s.replace(/^-/, ''))) push(`${path}.dataset.sort[${j}]`, problem('dashboard_unknown_field', `widget "${widget.key}": cannot sort by "${s}"`, { widget: widget.key, form: formLabel, field: s }))
  })
  const options = widget.options ?? {}
  for (const opt of ['value', 'province_field'] as const) {
    const v = options[opt]
    if (v !== undefined && (typeof v !== 'string' || !names.includes(v))) {
      push(`${path}.options.${opt}`, problem('dashboard_bad_option', `widget "${widget.key}": option ${opt} names "${String(v)}", which the dataset does not have`, { widget: widget.key, option: opt }))
    }
  }
  if (Array.isArray(options.series)) {
    for (const v of options.series) if (!names.includes(String(v))) push(`${path}.options.series`, problem('dashboard_bad_option', `widget "${widget.key}": series "${String(v)}" is not in the dataset`, { widget: widget.key, option: 'series' }))
  }
  if (widget.type === 'map' && !options.province_field && !ds.group_by?.length) {
    push(`${path}.options.province_field`, problem('dashboard_bad_option', `widget "${widget.key}": a map groups by a province field`, { widget: widget.key, option: 'province_field' }))
  }
}
