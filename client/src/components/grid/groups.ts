// schema imports by path: this pure module is unit-tested outside the client's aliases
import type { Filter } from '../../../../schema/filter/types'
import type { ViewDefinition } from '../../../../schema/template/form'

/** A grouped view's group key and the aggregate request behind its group rows. */
export interface GroupSpec {
  field: string
  by?: 'day' | 'week' | 'month' | 'quarter' | 'year'
}

export function groupSpec(view: ViewDefinition | undefined): GroupSpec | null {
  const g = view?.group_by
  if (!g) return null
  return typeof g === 'string' ? { field: g } : { field: g.field, by: g.by }
}

/** Subtotals are named s0, s1…; every group also carries its count as `n`. */
export function aggregateBody(view: ViewDefinition, spec: GroupSpec, filter: Filter | undefined, limit: number) {
  return {
    filter,
    group_by: [spec.by ? { field: spec.field, by: spec.by } : spec.field],
    measures: [{ fn: 'count', as: 'n' }, ...(view.subtotals ?? []).map((s, i) => ({ fn: s.fn, ...(s.field ? { field: s.field } : {}), as: `s${i}` }))],
    limit,
  }
}

const pad = (n: number) => String(n).padStart(2, '0')
const day = (y: number, m: number, d: number) => {
  const date = new Date(Date.UTC(y, m - 1, d))
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`
}

/** A bucket label (`2026-11-27`, week's Monday, `2026-11`, `2026-Q4`, `2026`) as [first day, day after]. */
export function bucketRange(by: NonNullable<GroupSpec['by']>, label: string): [string, string] | null {
  const [y, m, d] = label.split('-').map((p) => Number(p.replace('Q', '')))
  if (!Number.isInteger(y)) return null
  switch (by) {
    case 'day':
      return [day(y, m, d), day(y, m, d + 1)]
    case 'week':
      return [day(y, m, d), day(y, m, d + 7)]
    case 'month':
      return [day(y, m, 1), day(y, m + 1, 1)]
    case 'quarter':
      return [day(y, (m - 1) * 3 + 1, 1), day(y, m * 3 + 1, 1)]
    case 'year':
      return [day(y, 1, 1), day(y + 1, 1, 1)]
  }
}

/**
 * The records of one group: the group key's condition, in the filter language. Null for a key
 * the filter language cannot name (a linked record's field), whose groups do not expand.
 */
export function groupCondition(spec: GroupSpec, value: unknown): Filter | null {
  // address parts (receiver.province) are columns; a linked record's field is not filterable
  const part = spec.field.split('.')[1]
  if (part !== undefined && !['province', 'city', 'district', 'detail'].includes(part)) return null
  if (value === null || value === undefined || value === '') return { field: spec.field, op: 'is_empty' }
  if (spec.by) {
    const range = bucketRange(spec.by, String(value))
    if (!range) return null
    return { and: [{ field: spec.field, op: 'gte', value: range[0] }, { field: spec.field, op: 'lt', value: range[1] }] }
  }
  if (typeof value === 'object' && 'id' in (value as object)) return { field: spec.field, op: 'eq', value: (value as { id: number }).id }
  return { field: spec.field, op: 'eq', value }
}
