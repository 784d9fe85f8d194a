import { Type, type Static } from '@sinclair/typebox'
import { Key } from '../fields/common'
import { LocalizedText } from '../lib/localized'

/**
 * Approvals, declared on an action (the built-in `submit` of documents too): running the action
 * asks the named people first, step by step (see docs/rules.md#approvals). Kept apart from the
 * other action properties so the form designer can edit it as one object.
 */
export const ApproverSchema = Type.Object(
  {
    /** usernames */
    users: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50 })),
    /** role names; a user whose role has this name (until real roles exist: admin, member) */
    roles: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 20 })),
    /** a user field of the record (e.g. the buyer's manager) */
    user_field: Type.Optional(Key),
  },
  { additionalProperties: false },
)

export const ApprovalStepSchema = Type.Object(
  {
    label: LocalizedText,
    /** any one of them decides the step; nobody found → the administrators */
    approvers: ApproverSchema,
    /** told when the step is reached; they may read the request */
    cc: Type.Optional(ApproverSchema),
  },
  { additionalProperties: false },
)

export const ApprovalSchema = Type.Object(
  {
    /** a condition over the record: approval is needed only when it is TRUE (e.g. "total_amount > 5000") */
    when: Type.Optional(Type.String({ minLength: 1 })),
    steps: Type.Array(ApprovalStepSchema, { minItems: 1, maxItems: 10 }),
  },
  { additionalProperties: false },
)

export type ApproverDefinition = Static<typeof ApproverSchema>
export type ApprovalStepDefinition = Static<typeof ApprovalStepSchema>
export type ApprovalDefinition = Static<typeof ApprovalSchema>
