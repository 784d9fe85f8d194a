import type { ValueKind } from '../fields/types'
import { problem } from '../messages/problem'
import { prepareFilter } from '../filter/prepare'
import { SORTABLE_KINDS, resolveTarget } from '../filter/targets'
import type { ViewDefinition } from '../template/form'
import type { ModelProblem, TableModel } from './types'

/** Kinds a record has one value of, in one column: what a view can group by (as the aggregate endpoint). */
const GROUPABLE: ReadonlySet<ValueKind> = new Set(['text', 'decimal', 'boolean', 'date', 'datetime', 'link', 'user'])
const ORDERED: ReadonlySet<ValueKind> = new Set(['text', 'decimal', 'date', 'datetime'])

type Problem = Omit<ModelProblem, 'path'> & { at: string }

/**
 * Checks what a view names against its form: columns, widths, sort, filter, group-by and
 * subtotals. Shared by template validation (schema/model/extras.ts) and the views API, so a
 * pack's view, a shared view and a personal view are judged alike. Paths are under `at`.
 */
export function checkView(form: TableModel, view: ViewDefinition, at: string, table: (path: string) => TableModel | undefined): ModelProblem[] {
  const problems: Problem[] = []
  const unknown = (path: string, field: string) => problems.push({ at: path, ...problem('view_unknown_field', `unknown field "${field}"`, { field }) })

  view.columns?.forEach((column, j) => {
    const target = resolveTarget(form, column)
    if ('error' in target) problems.push({ at: `columns[${j}]`, ...problem('view_unknown_column', target.error, { column }) })
  })
  for (const column of Object.keys(view.widths ?? {})) {
    const shown = view.columns ? view.columns.includes(column) : !('error' in resolveTarget(form, column))
    if (!shown) problems.push({ at: `widths.${column}`, ...problem('view_unknown_column', `"${column}" is not a column of this view`, { column }) })
  }
  view.sort?.forEach((sort, j) => {
    const key = sort.replace(/^-/, '')
    const target = resolveTarget(form, key)
    if ('error' in target) problems.push({ at: `sort[${j}]`, ...problem('view_unknown_field', target.error, { field: key }) })
    else if (!SORTABLE_KINDS.has(target.value.kind)) problems.push({ at: `sort[${j}]`, ...problem('view_cannot_sort', `cannot sort by "${key}"`, { field: key }) })
  })
  if (view.group_by !== undefined) {
    const spec = typeof view.group_by === 'string' ? { field: view.group_by } : view.group_by
    const path = typeof view.group_by === 'string' ? 'group_by' : 'group_by.field'
    const kind = groupKind(form, spec.field, table)
    if (kind === undefined) unknown(path, spec.field)
    else if (kind === null) problems.push({ at: path, ...problem('view_cannot_group', `cannot group by "${spec.field}"`, { field: spec.field }) })
    else if ('by' in spec && spec.by && kind !== 'date' && kind !== 'datetime') {
      problems.push({ at: 'group_by.by', ...problem('view_bucket_needs_date', `"by" needs a date or datetime field; "${spec.field}" is not`, { field: spec.field }) })
    }
  }
  view.subtotals?.forEach((subtotal, j) => {
    if (subtotal.field === undefined) {
      if (subtotal.fn !== 'count') problems.push({ at: `subtotals[${j}].field`, ...problem('view_subtotal_needs_field', `${subtotal.fn} needs a field`, { fn: subtotal.fn }) })
      return
    }
    const field = form.field(subtotal.field)
    if (!field) return unknown(`subtotals[${j}].field`, subtotal.field)
    const kind = field.value.kind
    const stored = field.storage.kind === 'column'
    const fits = stored && (subtotal.fn === 'sum' || subtotal.fn === 'avg' ? kind === 'decimal' : subtotal.fn === 'count' ? GROUPABLE.has(kind) : ORDERED.has(kind))
    if (!fits) {
      problems.push({ at: `subtotals[${j}].field`, ...problem('view_subtotal_not_for', `"${subtotal.fn}" does not apply to "${subtotal.field}"`, { fn: subtotal.fn, field: subtotal.field }) })
    }
  })
  if (view.subtotals?.length && view.group_by === undefined) {
    problems.push({ at: 'subtotals', ...problem('view_subtotals_need_group', 'subtotals need a group_by') })
  }

  const result: ModelProblem[] = problems.map(({ at: path, ...rest }) => ({ path: `${at}.${path}`, ...rest }))
  if (view.filter) result.push(...prepareFilter(view.filter, form, null, `${at}.filter`).problems)
  return result
}

/** The value kind a group key reads (null: not groupable; undefined: no such field). */
function groupKind(form: TableModel, path: string, table: (path: string) => TableModel | undefined): ValueKind | null | undefined {
  const direct = resolveTarget(form, path)
  if (!('error' in direct)) {
    if (direct.kind === 'field' && direct.field.storage.kind !== 'column' && direct.field.computed !== 'lookup') return null
    return GROUPABLE.has(direct.value.kind) ? direct.value.kind : null
  }
  // "shop.platform": a stored field of the linked form
  const dot = path.indexOf('.')
  if (dot < 0) return undefined
  const link = form.field(path.slice(0, dot))
  if (!link || link.value.kind !== 'link' || !link.value.target) return undefined
  const field = table(link.value.target)?.field(path.slice(dot + 1))
  if (!field) return undefined
  return field.storage.kind === 'column' && GROUPABLE.has(field.value.kind) ? field.value.kind : null
}
