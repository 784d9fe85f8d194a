import { Type, type Static } from '@sinclair/typebox'
import { Key } from '../fields/common'
import { LocalizedText } from '../lib/localized'

/**
 * Dashboards in the template language: widgets bound to datasets (an aggregate query over one
 * form), plus the to-dos counted on the home page. Packs carry them under `dashboards`.
 */

export const WIDGET_TYPES = ['kpi', 'line', 'bar', 'area', 'pie', 'donut', 'table', 'pivot', 'funnel', 'map'] as const
export type WidgetType = (typeof WIDGET_TYPES)[number]

export const MEASURE_FNS = ['count', 'sum', 'avg', 'min', 'max', 'count_distinct'] as const
export const DATE_BUCKETS = ['day', 'week', 'month', 'quarter', 'year'] as const
export type DateBucket = (typeof DATE_BUCKETS)[number]

const Filter = Type.Unknown({ description: 'a filter in the filter language (docs/filters.md)' })

export const MeasureSchema = Type.Object(
  {
    fn: Type.Union(MEASURE_FNS.map((f) => Type.Literal(f))),
    field: Type.Optional(Type.String({ minLength: 1 })),
    as: Key,
    label: Type.Optional(LocalizedText),
    /** count or sum only the rows this matches, so a rate is two measures of one query */
    filter: Type.Optional(Filter),
  },
  { additionalProperties: false },
)
export type Measure = Static<typeof MeasureSchema>

/** A group key: a field, a field bucketed by date, or `link.field`. */
export const GroupBySchema = Type.Union(
  [
    Type.String({ minLength: 1 }),
    Type.Object({ field: Type.String({ minLength: 1 }), by: Type.Union(DATE_BUCKETS.map((b) => Type.Literal(b))) }, { additionalProperties: false }),
  ],
  { description: 'a field key, "link.field", or {"field", "by": day|week|month|quarter|year}' },
)
export type GroupBy = Static<typeof GroupBySchema>

export const DatasetSchema = Type.Object(
  {
    /** a form key, or `form.sub_form` for its lines (fields of the record as `parent.<field>`) */
    form: Type.String({ pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)?$', maxLength: 60 }),
    filter: Type.Optional(Filter),
    /** the date or datetime field the dashboard's date range applies to */
    date_field: Type.Optional(Type.String()),
    /** the link fields the dashboard's shop and warehouse filters apply to */
    shop_field: Type.Optional(Type.String()),
    warehouse_field: Type.Optional(Type.String()),
    group_by: Type.Optional(Type.Array(GroupBySchema, { maxItems: 6 })),
    measures: Type.Array(MeasureSchema, { minItems: 1, maxItems: 12 }),
    having: Type.Optional(Filter),
    /** e.g. ["-gmv"]: measure names or group keys, `-` for descending */
    sort: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  },
  { additionalProperties: false },
)
export type Dataset = Static<typeof DatasetSchema>

/** A value computed per row from the measures: `gmv / orders`. */
export const FormulaSchema = Type.Object(
  {
    as: Key,
    formula: Type.String({ minLength: 1 }),
    label: Type.Optional(LocalizedText),
    /** decimal places of the result (default 2) */
    scale: Type.Optional(Type.Integer({ minimum: 0, maximum: 6 })),
    /** show as a percentage (0.125 → 12.5%) */
    percent: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type WidgetFormula = Static<typeof FormulaSchema>

export const LayoutSchema = Type.Object(
  {
    x: Type.Integer({ minimum: 0, maximum: 23 }),
    y: Type.Integer({ minimum: 0 }),
    w: Type.Integer({ minimum: 1, maximum: 24 }),
    h: Type.Integer({ minimum: 1, maximum: 40 }),
  },
  { additionalProperties: false },
)

export const WidgetSchema = Type.Object(
  {
    key: Key,
    type: Type.Union(WIDGET_TYPES.map((t) => Type.Literal(t))),
    title: LocalizedText,
    layout: LayoutSchema,
    dataset: DatasetSchema,
    formulas: Type.Optional(Type.Array(FormulaSchema, { maxItems: 12 })),
    /**
     * Per type: `value` (the measure or formula a KPI, pie, funnel or map shows), `series`
     * (measures/formulas a chart draws), `province_field` (map: the group key holding province
     * names), `rows`/`columns` (pivot: group keys), `note` (a line under the title).
     */
    options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
)
export type Widget = Static<typeof WidgetSchema>

/** A to-do on the home page: how many records of a form match a filter, or a count the app keeps. */
export const TodoSchema = Type.Object(
  {
    key: Key,
    label: LocalizedText,
    form: Type.Optional(Key),
    filter: Type.Optional(Filter),
    /** counts the app keeps outside forms: the approvals inbox, shops whose last sync failed */
    source: Type.Optional(Type.Union([Type.Literal('approvals'), Type.Literal('sync_failures')])),
    /** where the count links to (default: the form's grid with the filter) */
    link: Type.Optional(Type.String()),
    /** a count above zero is shown as a warning */
    warn: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type Todo = Static<typeof TodoSchema>

export const DashboardSchema = Type.Object(
  {
    key: Key,
    label: LocalizedText,
    description: Type.Optional(LocalizedText),
    widgets: Type.Array(WidgetSchema, { maxItems: 60 }),
    /** shown on top of the home page */
    todos: Type.Optional(Type.Array(TodoSchema, { maxItems: 20 })),
  },
  { additionalProperties: false },
)
export type DashboardDefinition = Static<typeof DashboardSchema>

/** The key of a group as the aggregate endpoint names it in its rows. */
export const groupKey = (group: GroupBy): string => (typeof group === 'string' ? group : group.field)
