import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { createHttpApp } from '../../server/api/http'
import { createContext, installBundledPacks } from '../../server/app'
import { createToken } from '../../server/auth/credentials'
import { createUser } from '../../server/auth/users'
import { loadConfig } from '../../server/config'
import type { AccessPolicy } from '../../server/access/policy'
import type { AppContext } from '../../server/context'
import { installPack } from '../../server/forms/installer'
import { createTestDatabase, type TestDatabase } from './database'

export interface TestApp {
  ctx: AppContext
  database: TestDatabase
  baseUrl: string
  /** calls the API as the admin (Bearer token) */
  api: ApiClient
  /** the admin's API token (valid on every server process of this database) */
  token: string
  /**
   * an API client for another user: 'admin', 'member' (holds `manager`, the Taobao ERP's 店长, or
   * the same definition where that pack is not installed), 'staff' (every permission on every pack
   * form, no capability: not a designer), or the role keys to hold
   */
  clientFor(username: string, role?: 'admin' | 'member' | 'staff' | string[], scopes?: { shops?: number[]; warehouses?: number[] }): Promise<ApiClient>
  close(): Promise<void>
}

export interface ApiResponse<T = any> {
  status: number
  body: T
  headers: Headers
}

export interface ApiClient {
  request<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>
  get<T = any>(path: string): Promise<ApiResponse<T>>
  post<T = any>(path: string, body?: unknown): Promise<ApiResponse<T>>
  patch<T = any>(path: string, body?: unknown): Promise<ApiResponse<T>>
  delete<T = any>(path: string): Promise<ApiResponse<T>>
}

export function apiClient(baseUrl: string, auth: Record<string, string> = {}): ApiClient {
  const request = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...auth, ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    const text = await response.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as any, headers: response.headers }
  }
  return {
    request,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body ?? {}),
    patch: (path, body) => request('PATCH', path, body ?? {}),
    delete: (path) => request('DELETE', path),
  }
}

/** What `member` holds in tests of packs without roles: the Taobao ERP's 店长, everything but users and packs. */
const TEST_MANAGER = {
  key: 'manager',
  label: { 'zh-CN': '店长', en: 'Store manager' },
  capabilities: ['shops.manage', 'sync.run', 'stock.upload', 'stock.force_void', 'forms.design', 'audit.view', 'settings.manage'],
  forms: { '*': { allow: ['*'] } },
}

/** Every permission on every pack form, no capability. */
const TEST_STAFF = { key: 'staff', label: { 'zh-CN': '职员', en: 'Staff' }, forms: { '*': { allow: ['*'] } } }

/**
 * Allows a simulator started on a free 127.0.0.1 port as a shop gateway, as `ZG_TAOBAO_GATEWAYS`
 * would (its port is only known once it listens).
 */
export function allowGateway(app: { ctx: AppContext }, gatewayUrl: string): void {
  app.ctx.connections.gateways.allowOrigins(new URL(gatewayUrl).origin)
}

/** A real server on a free port over a fresh database, with the given packs installed. */
export async function startTestApp(options: { packs?: unknown[]; bundled?: { sampleData: boolean }; access?: AccessPolicy } = {}): Promise<TestApp> {
  const database = await createTestDatabase()
  const config = { ...loadConfig({ ZG_TAOBAO_GATEWAYS: process.env.ZG_TAOBAO_GATEWAYS }), port: 0, dataDir: database.dataDir, databaseUrl: database.databaseUrl, demo: false }
  const ctx = await createContext(config, { access: options.access })
  if (options.bundled) await installBundledPacks(ctx, options.bundled)
  for (const pack of options.packs ?? []) await installPack(ctx.db, ctx.registry, pack)
  const admin = await createUser(ctx.db.knex, { username: 'admin', password: 'admin-password', role: 'admin', display_name: '管理员' })
  const { token } = await createToken(ctx.db.knex, admin, 'tests')
  const server: Server = await new Promise((resolve) => {
    const s = createHttpApp(ctx).listen(0, '127.0.0.1', () => resolve(s))
  })
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    ctx,
    database,
    baseUrl,
    token,
    api: apiClient(baseUrl, { authorization: `Bearer ${token}` }),
    async clientFor(username, role = 'member', scopes = {}) {
      const user = await createUser(ctx.db.knex, { username, password: `${username}-password`, role: role === 'admin' ? 'admin' : 'member' })
      const roles = Array.isArray(role) ? role : role === 'admin' ? ['admin'] : role === 'staff' ? ['staff'] : ['manager']
      const preset = role === 'member' ? TEST_MANAGER : role === 'staff' ? TEST_STAFF : null
      if (preset && !(await ctx.db.knex('zg_roles').where({ key: preset.key }).first())) {
        const now = Date.now()
        await ctx.db.knex('zg_roles').insert({ key: preset.key, pack_key: null, position: 0, definition: JSON.stringify(preset), base_definition: null, customized: false, created_at: now, updated_at: now }).onConflict('key').ignore()
        await ctx.roles.load()
      }
      // createUser gave the default role of `role`; the test's roles replace it
      await ctx.db.knex('zg_user_roles').where({ user_id: user.id }).delete()
      for (const key of roles) await ctx.db.knex('zg_user_roles').insert({ user_id: user.id, role_key: key })
      await ctx.db.knex('zg_users').where({ id: user.id }).update({ shop_ids: JSON.stringify(scopes.shops ?? []), warehouse_ids: JSON.stringify(scopes.warehouses ?? []) })
      const created = await createToken(ctx.db.knex, user, 'tests')
      return apiClient(baseUrl, { authorization: `Bearer ${created.token}` })
    },
    async close() {
      await new Promise((resolve) => server.close(resolve))
      await ctx.db.close()
      await database.drop()
    },
  }
}
