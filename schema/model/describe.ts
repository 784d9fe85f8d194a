import type { ComputedBy, ValueKind } from '../fields/types'
import type { FilterOperator } from '../values/types'
import type { TableModel } from './types'

/** What a client needs to know about a compiled field (GET /api/forms `fields`). */
export interface FieldDescription {
  kind: ValueKind
  scale?: number
  money?: boolean
  target?: string
  computed: ComputedBy | null
  stored: boolean
  filter_operators: FilterOperator[]
  lines?: Record<string, FieldDescription>
}

/** The fields of a compiled table as the API describes them; pure, so the form designer's preview uses it too. */
export function describeFields(table: TableModel): Record<string, FieldDescription> {
  return Object.fromEntries(
    table.fields.map((f) => [
      f.key,
      {
        kind: f.value.kind,
        scale: f.value.scale,
        money: f.value.money,
        target: f.value.target,
        computed: f.computed ?? null,
        stored: f.storage.kind !== 'none',
        filter_operators: [...f.codec.filterOperators],
        ...(f.lines ? { lines: describeFields(f.lines) } : {}),
      },
    ]),
  )
}
