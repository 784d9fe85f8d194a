import type { FormGrant, RoleDefinition } from '@schema/template/roles'
import type { LocalizedText } from '@schema/lib/localized'
import { request } from './client'

export type { FormGrant, RoleDefinition }

/** A role as listed (GET /api/roles): the definition in effect and where it came from. */
export interface RoleEntry {
  key: string
  label: LocalizedText
  description?: LocalizedText | null
  /** the pack that carries it; null for the merchant's own roles and for admin */
  pack_key: string | null
  /** a pack role the merchant edited (a reset gives the pack's back) */
  customized: boolean
  /** admin and the packs' roles: cannot be deleted */
  builtin: boolean
  definition: RoleDefinition
  user_count: number
}

/** What a role can be given (GET /api/roles/catalog). */
export interface RoleCatalog {
  capabilities: string[]
  forms: {
    key: string
    label: LocalizedText
    group: LocalizedText | null
    pack_key: string | null
    permissions: { key: string; label: LocalizedText }[]
    fields: { path: string; label: LocalizedText; type: string }[]
  }[]
}

const path = (key: string) => `/api/roles/${encodeURIComponent(key)}`

export const rolesApi = {
  list: () => request<{ data: RoleEntry[] }>('GET', '/api/roles').then((r) => r.data),
  catalog: () => request<RoleCatalog>('GET', '/api/roles/catalog'),
  create: (definition: RoleDefinition) => request<{ data: RoleEntry }>('POST', '/api/roles', { definition }).then((r) => r.data),
  update: (key: string, definition: RoleDefinition) => request<{ data: RoleEntry }>('PUT', path(key), { definition }).then((r) => r.data),
  remove: (key: string) => request<void>('DELETE', path(key)),
  reset: (key: string) => request<{ data: RoleEntry }>('POST', `${path(key)}/reset`, {}).then((r) => r.data),
}
