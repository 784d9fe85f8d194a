import { ApiError, request } from './client'
import type { LocalizedText } from '@schema/lib/localized'

/** Users, API tokens and sessions (server/api/routes/people.ts, docs/users.md). */

export interface UserDetail {
  id: number
  username: string
  display_name: string
  role: 'admin' | 'member'
  disabled: boolean
  roles: string[]
  shops: number[]
  warehouses: number[]
  deleted: boolean
  invited: boolean
  last_login_at: number | null
  created_at: number
}

export interface Invite {
  code: string
  expires_at: number
}

export interface ApiTokenInfo {
  id: number
  name: string
  prefix: string
  user_id: number
  username?: string
  created_at: number
  last_used_at: number | null
  role_keys: string[] | null
  expires_at: number | null
  token?: string
}

export interface SessionInfo {
  id: string
  user_id: number
  username: string
  display_name: string
  created_at: number
  last_seen_at: number
  expires_at: number
  ip: string | null
  user_agent: string | null
  current: boolean
}

export interface RoleOption {
  key: string
  label: LocalizedText | string
}

export interface RecordOption {
  id: number
  name: string
}

/** Role keys every install knows (the Taobao ERP pack's roles and the built-in admin), until GET /api/roles answers. */
export const BUILT_IN_ROLES = ['admin', 'manager', 'service', 'warehouse', 'finance', 'operations']

export const peopleApi = {
  users: () => request<{ data: UserDetail[] }>('GET', '/api/admin/users').then((r) => r.data),
  create: (body: { username: string; display_name?: string; password?: string; roles: string[] }) =>
    request<{ data: UserDetail & { invite?: Invite } }>('POST', '/api/admin/users', body).then((r) => r.data),
  update: (id: number, body: { roles?: string[]; shops?: number[]; warehouses?: number[]; disabled?: boolean; display_name?: string }) =>
    request<{ data: UserDetail }>('PUT', `/api/admin/users/${id}`, body).then((r) => r.data),
  remove: (id: number) => request<void>('DELETE', `/api/admin/users/${id}`),
  invite: (id: number) => request<{ data: Invite }>('POST', `/api/admin/users/${id}/invite`, {}).then((r) => r.data),
  resetPassword: (id: number, password?: string) =>
    request<{ data: { password: string | null } }>('POST', `/api/admin/users/${id}/reset-password`, password ? { password } : {}).then((r) => r.data),
  tokens: (all: boolean) => request<{ data: ApiTokenInfo[] }>('GET', `/api/tokens${all ? '?all=1' : ''}`).then((r) => r.data),
  createToken: (body: { name: string; user_id?: number; role_keys?: string[]; expires?: string }) =>
    request<{ data: ApiTokenInfo }>('POST', '/api/tokens', body).then((r) => r.data),
  revokeToken: (id: number) => request<void>('DELETE', `/api/tokens/${id}`),
  sessions: (all: boolean) => request<{ data: SessionInfo[] }>('GET', `/api/sessions${all ? '?all=1' : ''}`).then((r) => r.data),
  endSession: (id: string) => request<void>('DELETE', `/api/sessions/${id}`),
  inviteFor: (code: string) =>
    request<{ data: { username: string; display_name: string } }>('GET', `/api/auth/invite/${encodeURIComponent(code)}`, undefined, { allowUnauthorized: true }).then((r) => r.data),
  acceptInvite: (code: string, password: string) => request<{ data: { username: string } }>('POST', '/api/auth/invite', { code, password }, { allowUnauthorized: true }).then((r) => r.data),
  /** the roles to offer: GET /api/roles (the roles engine), or the built-in keys before it answers */
  async roles(): Promise<RoleOption[]> {
    try {
      const r = await request<{ data: { key: string; label: LocalizedText }[] }>('GET', '/api/roles')
      return r.data.map((role) => ({ key: role.key, label: role.label }))
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 403)) return BUILT_IN_ROLES.map((key) => ({ key, label: key }))
      throw error
    }
  },
  /** the records of the shops or warehouses form (empty when the form is not installed) */
  async records(form: 'shops' | 'warehouses'): Promise<RecordOption[]> {
    try {
      const r = await request<{ data: { id: number; name?: string }[] }>('GET', `/api/forms/${form}/records?limit=500&count=none`)
      return r.data.map((row) => ({ id: row.id, name: row.name ?? `#${row.id}` }))
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return []
      throw error
    }
  },
}
