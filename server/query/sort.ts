import { resolveTarget, SORTABLE_KINDS } from '../../schema/filter/targets'
import type { ValueKind } from '../../schema/fields/types'
import type { TableModel } from '../../schema/model/types'
import { badRequest } from '../lib/errors'
import type { TableScope } from './scope'
import { id } from './sql'

export interface SortKey {
  /** the request's name for it: 'price' */
  name: string
  expr: string
  desc: boolean
  /** NOT NULL system columns need no NULL branch in keyset paging */
  nullable: boolean
  /** what the sorted column holds, to check cursor values before they reach the database */
  type: SortValueType
}

/** decimals are stored scaled, datetimes as epoch ms, links and users by id: all whole numbers */
export type SortValueType = 'integer' | 'text' | 'boolean' | 'date'

function storedType(kind: ValueKind): SortValueType {
  return kind === 'text' || kind === 'date' || kind === 'boolean' ? kind : 'integer'
}

const NOT_NULL = new Set(['id', 'version', 'created_at', 'updated_at', 'doc_status', 'line_no'])
const MAX_SORT_KEYS = 5

/**
 * "price,-created_at" → sort keys; names must be fields of the form. The id tie-break is added
 * last, in the direction of the last key (`-created` → created DESC, id DESC), so one index on
 * (created, id) read forwards or backwards serves the whole order.
 */
export function parseSort(
  spec: string | string[] | undefined,
  table: TableModel,
  scope: TableScope,
  /** how a key is found: the table's fields, or (for a caller) those not hidden from them */
  resolve: (table: TableModel, path: string) => ReturnType<typeof resolveTarget> = resolveTarget,
): SortKey[] {
  const valid = spec === undefined || spec === null || typeof spec === 'string' || (Array.isArray(spec) && spec.every((p) => typeof p === 'string'))
  if (!valid) throw badRequest('sort must be "field,-field" or a list of field names like ["field", "-field"]').because('bad_sort')
  const parts = (Array.isArray(spec) ? spec : (spec ?? '').split(','))
    .map((p) => p.trim())
    .filter(Boolean)
  if (parts.length > MAX_SORT_KEYS) throw badRequest(`sort by at most ${MAX_SORT_KEYS} fields`).because('too_many_sort_fields', { max: MAX_SORT_KEYS })
  const keys: SortKey[] = []
  for (const part of parts) {
    const desc = part.startsWith('-')
    const name = desc ? part.slice(1) : part.replace(/^\+/, '')
    if (name === 'id') continue // always the last key
    const target = resolve(table, name)
    if ('error' in target) throw badRequest(`cannot sort: ${target.error}`, { field: name }).because('cannot_sort_by', { field: name })
    if (!SORTABLE_KINDS.has(target.value.kind)) throw badRequest(`cannot sort by "${name}"`, { field: name }).because('cannot_sort_by', { field: name })
    let expr: string
    let type: SortValueType
    if (target.kind === 'field' && (target.value.kind === 'link' || target.value.kind === 'user') && target.field.storage.kind === 'column') {
      const display = scope.displayColumn(target.field)
      expr = display.expr
      // a user sorts by display_name; a link by its display field, or by id without one
      type = target.value.kind === 'user' ? 'text' : display.field ? storedType(display.field.value.kind) : 'integer'
    } else {
      expr = scope.columnFor(target)
      type = storedType(target.value.kind)
    }
    keys.push({ name, expr, desc, nullable: !(target.kind === 'system' && NOT_NULL.has(name)), type })
  }
  const explicitId = parts.find((p) => p.replace(/^[-+]/, '') === 'id')
  const idDesc = explicitId !== undefined ? explicitId.startsWith('-') : keys.length === 0 ? parts.length === 0 : keys[keys.length - 1].desc
  keys.push({ name: 'id', expr: id(scope.alias, 'id'), desc: idDesc, nullable: false, type: 'integer' })
  return keys
}

/**
 * ORDER BY with NULLs as the smallest value: first ascending, last descending. That is SQLite's
 * own order, and PostgreSQL's indexes are built `NULLS FIRST` to match (Dialect.indexColumns), so
 * both databases give the same rows and read them from an index in either direction.
 */
export function orderBy(keys: SortKey[], exprOf: (key: SortKey, index: number) => string = (k) => k.expr): string {
  return keys.map((k, i) => `${exprOf(k, i)} ${k.desc ? 'DESC' : 'ASC'}${k.nullable ? (k.desc ? ' NULLS LAST' : ' NULLS FIRST') : ''}`).join(', ')
}
