import { Type, type Static } from '@sinclair/typebox'
import { FilterSchema, type Filter } from '../filter/types'
import { Key } from '../fields/common'
import type { FieldDefinition } from '../fields/types'
import { LocalizedText } from '../lib/localized'
import { ActionSchema, LedgerSchema, PostingSchema } from './rules'

/** Fields are checked one by one against their type's own schema (see ../validate). */
const FieldShape = Type.Object({ key: Type.String(), type: Type.String() })

export const LayoutSection = Type.Object(
  {
    label: Type.Optional(LocalizedText),
    /** sections with the same tab are shown together under that tab */
    tab: Type.Optional(LocalizedText),
    columns: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 })),
    fields: Type.Array(Key, { minItems: 1 }),
  },
  { additionalProperties: false },
)

export const Layout = Type.Object({ sections: Type.Array(LayoutSection, { minItems: 1 }) }, { additionalProperties: false })

/** Buckets a date or datetime group key may take (as the aggregate endpoint's). */
export const VIEW_BUCKETS = ['day', 'week', 'month', 'quarter', 'year'] as const
export const SUBTOTAL_FNS = ['sum', 'avg', 'min', 'max', 'count'] as const

/** A group key: a field key, "link.field", or a date field bucketed {field, by}. */
export const ViewGroupBy = Type.Union(
  [
    Type.String({ pattern: '^[a-z][a-z0-9_.]*$' }),
    Type.Object({ field: Type.String({ pattern: '^[a-z][a-z0-9_.]*$' }), by: Type.Union(VIEW_BUCKETS.map((b) => Type.Literal(b))) }, { additionalProperties: false }),
  ],
  { description: 'a field key, "link.field" or {"field", "by": day|week|month|quarter|year}' },
)

export const ViewSubtotal = Type.Object(
  {
    fn: Type.Union(SUBTOTAL_FNS.map((f) => Type.Literal(f))),
    /** count without a field counts records */
    field: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]*$' })),
  },
  { additionalProperties: false },
)

/**
 * One shape for every view: a pack's (template), the merchant's shared ones (kept in the form's
 * overlay) and a user's personal ones (zg_views). See docs/views.md.
 */
export const View = Type.Object(
  {
    key: Key,
    label: LocalizedText,
    /** the visible columns, in order */
    columns: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** column key → width in px */
    widths: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.Integer({ minimum: 20, maximum: 2000 }))),
    filter: Type.Optional(FilterSchema),
    /** e.g. ["-created_at", "no"] */
    sort: Type.Optional(Type.Array(Type.String({ pattern: '^-?[a-z][a-z0-9_.]*$' }))),
    /** rows grouped on the server (aggregate endpoint), each group with its count and subtotals */
    group_by: Type.Optional(ViewGroupBy),
    subtotals: Type.Optional(Type.Array(ViewSubtotal, { maxItems: 12 })),
  },
  { additionalProperties: false },
)

/** Up to 16 columns: a covering index for a dashboard names what it groups and sums (PostgreSQL allows 32). */
export const FormIndex = Type.Object(
  { fields: Type.Array(Key, { minItems: 1, maxItems: 16 }), unique: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
)

export const FormRule = Type.Object(
  {
    /** a formula over the record; when it is TRUE the write is refused with `message` */
    block_if: Type.String({ minLength: 1 }),
    message: LocalizedText,
    /** 'save' (default) checks every write; 'submit' only when a document is submitted */
    on: Type.Optional(Type.Union([Type.Literal('save'), Type.Literal('submit')])),
  },
  { additionalProperties: false },
)

export const FormSchema = Type.Object(
  {
    key: Key,
    label: LocalizedText,
    description: Type.Optional(LocalizedText),
    icon: Type.Optional(Type.String({ maxLength: 40 })),
    /** menu group, e.g. 库存 */
    group: Type.Optional(LocalizedText),
    /** documents have a lifecycle: draft → submitted → void */
    document: Type.Optional(Type.Boolean()),
    /** written only by the system (document rules); users may read it (e.g. a stock ledger) */
    system_written: Type.Optional(Type.Boolean()),
    /** the field that names a record (in link pickers, titles) */
    title_field: Type.Optional(Key),
    fields: Type.Array(FieldShape, { minItems: 1 }),
    indexes: Type.Optional(Type.Array(FormIndex)),
    rules: Type.Optional(Type.Array(FormRule)),
    /** a condition over the record: when it is not TRUE, users cannot edit or delete the record (its actions still run) */
    editable_when: Type.Optional(Type.String({ minLength: 1 })),
    /** why the record cannot be edited, shown to users and sent with the refusal */
    locked_message: Type.Optional(LocalizedText),
    layout: Type.Optional(Layout),
    views: Type.Optional(Type.Array(View)),
    /** exactly one record (settings): the grid opens it directly */
    singleton: Type.Optional(Type.Boolean()),
    /** this form is a ledger that keeps a balance form (see docs/rules.md) */
    ledger: Type.Optional(LedgerSchema),
    /** ledger lines this form posts on its actions */
    postings: Type.Optional(Type.Array(PostingSchema)),
    /** buttons this form offers beyond save and delete */
    actions: Type.Optional(Type.Array(ActionSchema)),
  },
  { additionalProperties: false },
)

export type FormDefinition = Omit<Static<typeof FormSchema>, 'fields' | 'views'> & {
  fields: FieldDefinition[]
  views?: ViewDefinition[]
}
export type ViewDefinition = Omit<Static<typeof View>, 'filter'> & { filter?: Filter }
export type ViewGroupByDefinition = Static<typeof ViewGroupBy>
export type ViewSubtotalDefinition = Static<typeof ViewSubtotal>
export type LayoutSectionDefinition = Static<typeof LayoutSection>
export type FormRuleDefinition = Static<typeof FormRule>
