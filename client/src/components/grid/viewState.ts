// schema imports by path: this pure module is unit-tested outside the client's aliases
import type { Filter } from '../../../../schema/filter/types'
import type { ViewDefinition } from '../../../../schema/template/form'

/**
 * The grid's view being edited: what the user changed (columns, widths, sort, filter, group-by)
 * on top of the saved view, compared with it to mark unsaved changes.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** Key-order-free JSON: `undefined` properties and empty lists/objects count as absent. */
function normalize(value: unknown): Json | undefined {
  if (value === undefined || value === null) return undefined
  if (Array.isArray(value)) return value.length ? value.map((v) => normalize(v) ?? null) : undefined
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => [k, normalize(v)] as const)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
    return entries.length ? (Object.fromEntries(entries) as Json) : undefined
  }
  return value as Json
}

const LAYOUT: (keyof ViewDefinition)[] = ['columns', 'widths', 'sort', 'filter', 'group_by', 'subtotals']

/** Whether two views show the same thing (their key and label aside). */
export function sameLayout(a: ViewDefinition | undefined, b: ViewDefinition | undefined): boolean {
  return LAYOUT.every((k) => JSON.stringify(normalize(a?.[k])) === JSON.stringify(normalize(b?.[k])))
}

/** A deep copy without the list's own properties (scope, editable…): the definition to save. */
export function definitionOf(view: ViewDefinition): ViewDefinition {
  const copy = JSON.parse(JSON.stringify(view)) as ViewDefinition & Record<string, unknown>
  delete copy.scope
  delete copy.editable
  delete copy.from_pack
  for (const k of LAYOUT) if (normalize(copy[k]) === undefined) delete copy[k]
  return copy
}

export function andFilters(filters: (Filter | null | undefined)[]): Filter | undefined {
  const parts = filters.filter((f): f is Filter => Boolean(f)).flatMap((f) => ('and' in f && Array.isArray(f.and) ? f.and : [f]))
  if (!parts.length) return undefined
  return parts.length === 1 ? parts[0] : { and: parts }
}

/** The grid's column state as the view keeps it: visible columns in order, their widths. */
export function layoutOf(state: { colId: string; width?: number | null; hide?: boolean | null; sort?: 'asc' | 'desc' | null; sortIndex?: number | null }[]) {
  const fields = state.filter((c) => !c.colId.startsWith('__') && !c.colId.startsWith('ag-'))
  const visible = fields.filter((c) => !c.hide)
  const sorted = fields.filter((c) => c.sort).sort((a, b) => (a.sortIndex ?? 0) - (b.sortIndex ?? 0))
  return {
    columns: visible.map((c) => c.colId),
    widths: Object.fromEntries(visible.filter((c) => c.width).map((c) => [c.colId, Math.round(c.width!)])),
    sort: sorted.map((c) => (c.sort === 'desc' ? `-${c.colId}` : c.colId)),
  }
}
