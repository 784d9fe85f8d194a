import { Type, type Static } from '@sinclair/typebox'
import { Key } from '../fields/common'
import { LocalizedText } from '../lib/localized'
import { FilterSchema } from '../filter/types'

/**
 * Roles (docs/permissions.md): what a user holding the role may do, per form, per field and per
 * row, plus the capabilities that are not about one form. A user may hold several roles; what
 * they may do is the union. Packs carry roles under `roles`; a merchant's edits live in zg_roles.
 */

/** Capabilities that are not about one form. */
export const CAPABILITIES = [
  'shops.manage', // bind, rebind and delete shops
  'sync.run', // run a Taobao sync by hand
  'stock.upload', // upload stock to Taobao, seller-center imports
  'stock.force_void', // void a stock-in although it leaves reserved stock uncovered
  'packs.manage', // install, upgrade and export template packs
  'forms.design', // the form designer, shared views and dashboards
  'users.manage', // users, roles, tokens and sessions of others
  'audit.view', // the audit log
  'settings.manage', // ERP settings, auto-audit rules
] as const
export type Capability = (typeof CAPABILITIES)[number]

/** Per-form permissions; every other action key of the form (audit, ship, hold, …) is a permission too. */
export const FORM_PERMISSIONS = ['view', 'create', 'edit', 'delete', 'submit', 'void', 'export', 'import', 'print', 'design'] as const

export const FormGrantSchema = Type.Object(
  {
    /** 'view', 'create', … , an action key of the form, or '*' for all of them */
    allow: Type.Array(Type.String({ minLength: 1, maxLength: 64 })),
    /** fields left out of everything this role reads: 'cost_price', or 'lines.unit_cost' for a sub-form's field */
    hidden: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** fields this role sees but may not change */
    readonly: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** the rows this role sees and changes, in the filter language; variables $user, $user.shops, $user.warehouses */
    scope: Type.Optional(FilterSchema),
  },
  { additionalProperties: false },
)
export type FormGrant = Static<typeof FormGrantSchema>

export const RoleSchema = Type.Object(
  {
    key: Key,
    label: LocalizedText,
    description: Type.Optional(LocalizedText),
    /** everything, now and for forms added later (the administrator) */
    all: Type.Optional(Type.Boolean()),
    capabilities: Type.Optional(Type.Array(Type.Union(CAPABILITIES.map((c) => Type.Literal(c))))),
    /**
     * by form key; "*" stands for every form installed from a pack that is not named (a form new
     * from the designer is visible to administrators only until a role names it)
     */
    forms: Type.Optional(Type.Record(Type.String(), FormGrantSchema)),
  },
  { additionalProperties: false },
)
export type RoleDefinition = Static<typeof RoleSchema>
