import { Type, type Static } from '@sinclair/typebox'
import { Key } from '../fields/common'
import { LocalizedText } from '../lib/localized'
import { DashboardSchema, type DashboardDefinition } from '../dashboards/types'
import { FormSchema, type FormDefinition } from './form'
import type { RoleDefinition } from './roles'

export const PACK_FORMAT = 'zhanggui.pack/1'

const Version = Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+$' })

/**
 * Where an exported form or dashboard came from: the pack and its version on the exporting
 * instance, and the pack's own definition when the merchant had changed it (so the importing
 * instance can tell the merchant's changes apart and upgrade the pack first when it is older).
 */
const Source = Type.Object(
  { pack: Key, version: Version, base: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
  { additionalProperties: false },
)

export const PackSchema = Type.Object(
  {
    format: Type.Literal(PACK_FORMAT),
    key: Key,
    name: LocalizedText,
    version: Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+$', description: 'semantic version; a higher one upgrades an installed pack' }),
    description: Type.Optional(LocalizedText),
    /** who made the pack (a person, a shop, a company) */
    author: Type.Optional(Type.String({ maxLength: 100 })),
    /**
     * pictures for the template centre, as data URIs (`data:image/png;base64,…`); a folder pack may
     * name files beside its pack.json instead, which readPack turns into data URIs
     */
    screenshots: Type.Optional(Type.Array(Type.String({ pattern: '^data:image/(png|jpeg|webp);base64,[A-Za-z0-9+/=]+$' }), { maxItems: 8 })),
    forms: Type.Array(FormSchema, { minItems: 1 }),
    /** dashboards (and the home page's to-dos) over the pack's forms: schema/dashboards */
    dashboards: Type.Optional(Type.Array(DashboardSchema)),
    /**
     * roles over the pack's forms (schema/template/roles.ts, docs/permissions.md): installed into
     * zg_roles; an upgrade replaces the ones the merchant has not edited
     */
    roles: Type.Optional(Type.Array(Type.Unknown({ description: 'a role (schema/template/roles.ts), checked on its own' }))),
    /** records to create when the pack is first installed, by form key */
    sample_data: Type.Optional(Type.Record(Type.String(), Type.Array(Type.Record(Type.String(), Type.Unknown())))),
    /**
     * records the pack's forms need to work (a chart of accounts), by form key: created on install
     * and on every upgrade when no record has the same `by` value; existing ones are left as the
     * merchant keeps them
     */
    seed_data: Type.Optional(
      Type.Record(Type.String(), Type.Object({ by: Key, records: Type.Array(Type.Record(Type.String(), Type.Unknown())) }, { additionalProperties: false })),
    ),
    /**
     * set by an export (docs/packs.md): the source pack and version of each form and dashboard
     * that came from a pack; forms not named are the merchant's own
     */
    sources: Type.Optional(
      Type.Object(
        { forms: Type.Optional(Type.Record(Type.String(), Source)), dashboards: Type.Optional(Type.Record(Type.String(), Source)) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, $id: 'https://zhanggui.dev/schema/pack.json' },
)

export type PackDefinition = Omit<Static<typeof PackSchema>, 'forms' | 'dashboards' | 'roles'> & { forms: FormDefinition[]; dashboards?: DashboardDefinition[]; roles?: RoleDefinition[] }
