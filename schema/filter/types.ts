import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { FILTER_OPERATORS } from '../values/types'

/**
 * The one filter language: grids, API queries, rollup filters, dashboards and row-level
 * permissions all use it. See docs/filters.md.
 *
 *   {"and": [{"field": "status", "op": "in", "value": ["paid", "shipped"]},
 *            {"field": "created_at", "op": "eq", "value": {"$range": "last_7_days"}}]}
 */
export const FilterSchema = Type.Recursive(
  (Self) =>
    Type.Union([
      Type.Object({ and: Type.Array(Self) }, { additionalProperties: false }),
      Type.Object({ or: Type.Array(Self) }, { additionalProperties: false }),
      Type.Object({ not: Self }, { additionalProperties: false }),
      Type.Object(
        {
          field: Type.String({ minLength: 1 }),
          op: Type.Union(FILTER_OPERATORS.map((op) => Type.Literal(op))),
          value: Type.Optional(Type.Unknown()),
          /** for `any` / `all` on a sub-form: the condition on its lines */
          where: Type.Optional(Self as TSchema),
        },
        { additionalProperties: false },
      ),
    ]),
  { $id: 'Filter' },
)

export type Filter = FilterGroup | FilterCondition
export type FilterGroup = { and: Filter[] } | { or: Filter[] } | { not: Filter }
export interface FilterCondition {
  field: string
  op: (typeof FILTER_OPERATORS)[number]
  value?: unknown
  where?: Filter
}

export type FilterJson = Static<typeof FilterSchema>

export function isCondition(filter: Filter): filter is FilterCondition {
  return 'field' in filter
}
