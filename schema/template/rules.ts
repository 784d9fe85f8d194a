import { Type, type Static } from '@sinclair/typebox'
import { Key } from '../fields/common'
import { LocalizedText } from '../lib/localized'
import { ApprovalSchema } from './approval'
import { CAPABILITIES } from './roles'

/**
 * Document rules, declared in templates (see docs/rules.md):
 * - a **ledger** form says which balance form it keeps, how its lines add up into it, and which
 *   constraints the balance must keep (stock may not go below zero…);
 * - a document's **postings** say which ledger lines it writes on an action (submit by default)
 *   — reversed exactly on another action (void by default);
 * - **actions** are the buttons a form offers: built-in steps (set fields, post) or a named
 *   server handler for workflow that is more than postings (merge, split, pick lists…); declared
 *   actions set fields (values or formulas), check requirements, post, reverse and run each other.
 */
export const BalanceConstraint = Type.Object(
  {
    /** a condition over the balance record that must hold after posting, e.g. "available >= 0" */
    check: Type.String({ minLength: 1 }),
    /** check only balances that received a ledger line for which this holds, e.g. "qty < 0" (an issue, not a receipt) */
    when: Type.Optional(Type.String({ minLength: 1 })),
    /** a condition over the balance record that lifts the constraint, e.g. "allow_negative" */
    unless: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * a capability (schema/template/roles.ts, e.g. "stock.force_void") whose holder goes past the
     * constraint: the write is done and the balance left as it is (hooks flag what depends on it)
     */
    override: Type.Optional(Type.Union(CAPABILITIES.map((c) => Type.Literal(c)))),
    /** shown when the check fails; {field} inserts a balance field's display value */
    message: LocalizedText,
  },
  { additionalProperties: false },
)

export const LedgerSchema = Type.Object(
  {
    balance: Type.Object(
      {
        form: Key,
        /** fields that identify a balance; the ledger and the balance form both have them */
        key: Type.Array(Key, { minItems: 1, maxItems: 4 }),
        /** balance field ← ledger field: the balance field grows by the ledger line's value */
        add: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), Key),
        /** ledger field ← balance field after the line was posted (e.g. balance_after ← on_hand) */
        after: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), Key)),
        constraints: Type.Optional(Type.Array(BalanceConstraint)),
      },
      { additionalProperties: false },
    ),
    /** the ledger field the engine fills with the time of the action that posted (entry time) */
    time: Type.Optional(Key),
    /**
     * double entry: the lines one action writes (one batch) must add up to the same on both
     * sides, or the action is refused (reason `journal_unbalanced`)
     */
    balanced: Type.Optional(Type.Object({ debit: Key, credit: Key }, { additionalProperties: false })),
    /**
     * 月结: a record of `form` whose `month` field holds "YYYY-MM" (Asia/Shanghai) and whose
     * `closed` checkbox is set refuses every posting into that month (409 `period_locked`)
     */
    period_lock: Type.Optional(Type.Object({ form: Key, month: Key, closed: Key }, { additionalProperties: false })),
  },
  { additionalProperties: false },
)

export const PostingSchema = Type.Object(
  {
    /** names the posting; later postings of the same line read its values as <name>.<field> */
    name: Key,
    ledger: Key,
    /** the action that posts (default "submit") */
    on: Type.Optional(Key),
    /** actions that post the exact negation of what this posting wrote (default ["void"] for submit) */
    reverse_on: Type.Optional(Type.Array(Key)),
    /** one ledger line per line of this sub-form (otherwise one per record) */
    for_each: Type.Optional(Key),
    /** a condition: lines for which it is not TRUE post nothing */
    when: Type.Optional(Type.String({ minLength: 1 })),
    /** ledger field ← formula over the line (bare keys), the record (parent.x), the balance before this line (balance.x) and earlier postings (<name>.x) */
    values: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
)

/** A parameter an action asks for when it runs; formulas of the action read it as params.<key>. */
export const ActionParam = Type.Object(
  {
    key: Key,
    /** text, textarea, number, money, date, datetime, checkbox, select, link (with form), json (handlers only) */
    type: Type.Optional(Type.String({ pattern: '^[a-z_]+$' })),
    label: Type.Optional(LocalizedText),
    required: Type.Optional(Type.Boolean()),
    /** link parameters: the form linked to */
    form: Type.Optional(Key),
    /** number (default 0) and money (default 2) parameters: decimals kept */
    scale: Type.Optional(Type.Integer({ minimum: 0, maximum: 6 })),
  },
  { additionalProperties: true },
)

/** A condition an action needs; when it is not TRUE the action is refused with the message. */
export const ActionRequirement = Type.Object(
  {
    /** a condition over the record and the action's params, e.g. "NOT(ISBLANK(TRIM(params.reason)))" */
    check: Type.String({ minLength: 1 }),
    message: LocalizedText,
  },
  { additionalProperties: false },
)

/** Field values an action sets: a value as in the API, or a formula when the text starts with "=". */
const SetValues = Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), Type.Unknown())

/** One step of an action; it does exactly one of set, post, reverse or run. */
export const ActionStep = Type.Object(
  {
    /** the step is skipped unless this condition over the record (as it is now) and params is TRUE */
    when: Type.Optional(Type.String({ minLength: 1 })),
    set: Type.Optional(SetValues),
    /** posts the named posting of this form */
    post: Type.Optional(Key),
    /** posts the exact negation of the named posting's lines not reversed yet */
    reverse: Type.Optional(Key),
    /** runs another action of this form on the record (its when, requires and steps apply) */
    run: Type.Optional(Key),
  },
  { additionalProperties: false },
)

export const ActionSchema = Type.Object(
  {
    key: Key,
    label: LocalizedText,
    /** an action the browser does by itself, such as opening the print view */
    client: Type.Optional(Type.Literal('print')),
    /** a server handler registered under this name runs the action (otherwise: its steps, then postings) */
    handler: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_.]*$' })),
    /** the action is offered only when this condition over the record is TRUE */
    when: Type.Optional(Type.String({ minLength: 1 })),
    /** conditions over the record and params the action needs, each with its refusal message */
    requires: Type.Optional(Type.Array(ActionRequirement)),
    /** fields the action sets first: values as in the API, or "=<formula>" */
    set: Type.Optional(SetValues),
    /** what the action does, in order (after `set`) */
    steps: Type.Optional(Type.Array(ActionStep)),
    /** ask before running; text is the question */
    confirm: Type.Optional(Type.Union([Type.Boolean(), LocalizedText])),
    /** may run on several selected records at once */
    bulk: Type.Optional(Type.Boolean()),
    style: Type.Optional(Type.Union([Type.Literal('primary'), Type.Literal('danger'), Type.Literal('default')])),
    /** parameters asked for when the action runs (a small form), e.g. courier and waybill number */
    params: Type.Optional(Type.Array(ActionParam)),
    /** asks named people to approve before the action runs (see ./approval.ts) */
    approval: Type.Optional(ApprovalSchema),
  },
  { additionalProperties: false },
)

export type LedgerDefinition = Static<typeof LedgerSchema>
export type PostingDefinition = Static<typeof PostingSchema>
export type ActionDefinition = Static<typeof ActionSchema>
export type ActionStepDefinition = Static<typeof ActionStep>
export type ActionParamDefinition = Static<typeof ActionParam>
export type BalanceConstraintDefinition = Static<typeof BalanceConstraint>
