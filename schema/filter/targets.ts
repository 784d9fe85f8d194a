import type { ValueKind } from '../fields/types'
import type { FieldModel, TableModel } from '../model/types'
import { codecFor, type FilterOperator, type ResolvedValue } from '../values'

/** What a filter condition or a sort key points at: a field, a part of one, or a system column. */
export type FilterTarget =
  | { kind: 'field'; field: FieldModel; value: ResolvedValue; column: string }
  /** on sub-form lines: a field (or system column) of the record the line belongs to */
  | { kind: 'parent'; target: FilterTarget; value: ResolvedValue; column: string }
  | { kind: 'address_part'; field: FieldModel; part: string; value: ResolvedValue; column: string }
  | { kind: 'system'; name: string; value: ResolvedValue; column: string }

const SYSTEM: Record<string, ResolvedValue> = {
  id: { kind: 'decimal', scale: 0 },
  version: { kind: 'decimal', scale: 0 },
  created_at: { kind: 'datetime' },
  updated_at: { kind: 'datetime' },
  created_by: { kind: 'user' },
  updated_by: { kind: 'user' },
}
const DOCUMENT_SYSTEM: Record<string, ResolvedValue> = { doc_status: { kind: 'text' } }
const LINE_SYSTEM: Record<string, ResolvedValue> = {
  id: { kind: 'decimal', scale: 0 },
  line_no: { kind: 'decimal', scale: 0 },
  parent_id: { kind: 'decimal', scale: 0 },
}

export function systemColumns(table: TableModel): Record<string, ResolvedValue> {
  if (table.parent) return LINE_SYSTEM
  return 'document' in table && (table as { document: boolean }).document ? { ...SYSTEM, ...DOCUMENT_SYSTEM } : SYSTEM
}

/** Resolves a field path from a request against the form definition, or explains why it can't. */
export function resolveTarget(table: TableModel, path: string): FilterTarget | { error: string } {
  const columns = systemColumns(table)
  // Object.hasOwn: a path such as "constructor" or "__proto__" must not find Object.prototype's.
  const system = Object.hasOwn(columns, path) ? columns[path] : undefined
  if (system) return { kind: 'system', name: path, value: system, column: path }
  if (path.startsWith('parent.') && table.parent) {
    const inner = resolveTarget(table.parent, path.slice('parent.'.length))
    if ('error' in inner) return inner
    return { kind: 'parent', target: inner, value: inner.value, column: path }
  }
  const [key, part, extra] = path.split('.')
  const field = table.field(key)
  if (!field) return { error: `unknown field "${path}"` }
  if (part !== undefined) {
    if (field.value.kind === 'address' && extra === undefined && ['province', 'city', 'district', 'detail'].includes(part)) {
      return { kind: 'address_part', field, part, value: { kind: 'text' }, column: `${key}_${part}` }
    }
    return { error: `unknown field "${path}"` }
  }
  return { kind: 'field', field, value: field.value, column: key }
}

export function operatorsFor(target: FilterTarget): readonly FilterOperator[] {
  return codecFor(target.value.kind).filterOperators
}

/** Kinds that can be sorted on (one comparable column, or a link's display). */
export const SORTABLE_KINDS: ReadonlySet<ValueKind> = new Set(['text', 'decimal', 'boolean', 'date', 'datetime', 'link', 'user'])
