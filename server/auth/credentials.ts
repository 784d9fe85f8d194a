import { createHash, randomBytes } from 'node:crypto'
import type { Knex } from 'knex'
import { badRequest, notFound, unauthenticated } from '../lib/errors'
import type { User } from './users'

/**
 * Sessions (browser cookie) and API tokens (Authorization: Bearer) are random secrets of which
 * only a SHA-256 digest is stored: a leaked database does not let anyone log in.
 */
export const SESSION_COOKIE = 'zg_session'
export const SESSION_DAYS = 14
const DAY = 86_400_000
/** the idle clock (sessions) and last use (tokens) are written at most once a minute */
const TOUCH_MS = 60_000

export const digest = (secret: string) => createHash('sha256').update(secret).digest('hex')

export async function createSession(
  knex: Knex,
  userId: number,
  origin: { ip?: string | null; userAgent?: string | null } = {},
): Promise<{ token: string; expiresAt: number }> {
  const token = randomBytes(32).toString('base64url')
  const now = Date.now()
  const expiresAt = now + SESSION_DAYS * DAY
  await knex('zg_sessions').insert({
    id_hash: digest(token),
    user_id: userId,
    created_at: now,
    expires_at: expiresAt,
    last_seen_at: now,
    ip: origin.ip ?? null,
    user_agent: origin.userAgent ? origin.userAgent.slice(0, 300) : null,
  })
  await knex('zg_users').where({ id: userId }).update({ last_login_at: now })
  // Expired sessions are swept as new ones are made.
  await knex('zg_sessions').where('expires_at', '<', now).delete()
  return { token, expiresAt }
}

export async function deleteSession(knex: Knex, token: string): Promise<void> {
  await knex('zg_sessions').where({ id_hash: digest(token) }).delete()
}

/** Ends every session of a user, but the one of `exceptToken` when given. */
export async function deleteUserSessions(knex: Knex, userId: number, exceptToken?: string): Promise<number> {
  const query = knex('zg_sessions').where({ user_id: userId })
  if (exceptToken) query.whereNot({ id_hash: digest(exceptToken) })
  return await query.delete()
}

/**
 * The user of a session that has neither expired nor been idle longer than `idleMinutes`; the idle
 * clock moves on (at most once a minute, so reading pages is not a write per request).
 */
export async function userForSession(knex: Knex, token: string, idleMinutes = 120): Promise<number | null> {
  const now = Date.now()
  const row = await knex('zg_sessions').where({ id_hash: digest(token) }).where('expires_at', '>', now).first('id_hash', 'user_id', 'last_seen_at', 'created_at')
  if (!row) return null
  const lastSeen = Number(row.last_seen_at ?? row.created_at)
  if (now - lastSeen > idleMinutes * 60_000) {
    await knex('zg_sessions').where({ id_hash: row.id_hash }).delete()
    return null
  }
  if (now - lastSeen > TOUCH_MS) await knex('zg_sessions').where({ id_hash: row.id_hash }).update({ last_seen_at: now })
  return Number(row.user_id)
}

export interface SessionInfo {
  /** the stored digest of the session's secret (not the secret): names the session to end it */
  id: string
  user_id: number
  username: string
  display_name: string
  created_at: number
  last_seen_at: number
  expires_at: number
  ip: string | null
  user_agent: string | null
  /** the session of the request that asked */
  current: boolean
}

/** Active sessions (not expired, not idle too long), of one user or of everybody. */
export async function listSessions(knex: Knex, options: { userId?: number; idleMinutes: number; currentToken?: string | null }): Promise<SessionInfo[]> {
  const now = Date.now()
  const query = knex('zg_sessions as s')
    .join('zg_users as u', 'u.id', 's.user_id')
    .where('s.expires_at', '>', now)
    .where('s.last_seen_at', '>', now - options.idleMinutes * 60_000)
    .orderBy('s.last_seen_at', 'desc')
    .select('s.id_hash', 's.user_id', 'u.username', 'u.display_name', 's.created_at', 's.last_seen_at', 's.expires_at', 's.ip', 's.user_agent')
  if (options.userId !== undefined) query.where('s.user_id', options.userId)
  const current = options.currentToken ? digest(options.currentToken) : null
  return (await query).map((r) => ({
    id: String(r.id_hash),
    user_id: Number(r.user_id),
    username: String(r.username),
    display_name: String(r.display_name),
    created_at: Number(r.created_at),
    last_seen_at: Number(r.last_seen_at),
    expires_at: Number(r.expires_at),
    ip: r.ip ?? null,
    user_agent: r.user_agent ?? null,
    current: r.id_hash === current,
  }))
}

/** The session `id` (its digest) with its user, or null. */
export async function findSession(knex: Knex, id: string): Promise<{ id: string; user_id: number } | null> {
  if (!/^[0-9a-f]{64}$/.test(id)) return null
  const row = await knex('zg_sessions').where({ id_hash: id }).first('id_hash', 'user_id')
  return row ? { id: String(row.id_hash), user_id: Number(row.user_id) } : null
}

export async function endSession(knex: Knex, id: string): Promise<void> {
  await knex('zg_sessions').where({ id_hash: id }).delete()
}

export interface ApiToken {
  id: number
  name: string
  prefix: string
  user_id: number
  username?: string
  created_at: number
  last_used_at: number | null
  /** the roles the token is limited to (a subset of its user's), null for all of the user's */
  role_keys: string[] | null
  expires_at: number | null
  revoked_at: number | null
}

export interface TokenOptions {
  roleKeys?: string[] | null
  expiresAt?: number | null
}

/** Creates a token; `roleKeys` must already be checked against the user's roles (see users.ts checkTokenRoles). */
export async function createToken(knex: Knex, user: Pick<User, 'id'>, name: string, options: TokenOptions = {}): Promise<{ token: string; record: ApiToken }> {
  if (typeof name !== 'string' || !name.trim() || name.length > 100) throw badRequest('token name must be 1-100 characters').because('token_name_required')
  const token = `zg_${randomBytes(32).toString('base64url')}`
  const now = Date.now()
  const roleKeys = options.roleKeys?.length ? [...new Set(options.roleKeys)] : null
  const expiresAt = options.expiresAt ?? null
  const [row] = await knex('zg_api_tokens')
    .insert({
      user_id: user.id,
      name: name.trim(),
      token_hash: digest(token),
      token_prefix: token.slice(0, 10),
      created_at: now,
      role_keys: roleKeys ? JSON.stringify(roleKeys) : null,
      expires_at: expiresAt,
    })
    .returning(['id'])
  return {
    token,
    record: { id: Number(row.id ?? row), name: name.trim(), prefix: token.slice(0, 10), user_id: user.id, created_at: now, last_used_at: null, role_keys: roleKeys, expires_at: expiresAt, revoked_at: null },
  }
}

export interface TokenUse {
  userId: number
  tokenId: number
  /** the token's role subset, null for all of its user's roles */
  roleKeys: string[] | null
}

/** The token's user and subset; null for an unknown or revoked token, 401 token_expired for an expired one. */
export async function userForToken(knex: Knex, token: string): Promise<TokenUse | null> {
  const row = await knex('zg_api_tokens').where({ token_hash: digest(token) }).whereNull('revoked_at').first('id', 'user_id', 'last_used_at', 'role_keys', 'expires_at')
  if (!row) return null
  const now = Date.now()
  if (row.expires_at != null && Number(row.expires_at) <= now) throw unauthenticated('the API token has expired').because('token_expired')
  // Recording every use would make each API call a write; once a minute is enough to audit.
  if (!row.last_used_at || now - Number(row.last_used_at) > TOUCH_MS) await knex('zg_api_tokens').where({ id: row.id }).update({ last_used_at: now })
  return { userId: Number(row.user_id), tokenId: Number(row.id), roleKeys: parseRoleKeys(row.role_keys) }
}

/** Tokens not revoked (expired ones included, marked by expires_at), of one user or of everybody. */
export async function listTokens(knex: Knex, options: { userId?: number } = {}): Promise<ApiToken[]> {
  const query = knex('zg_api_tokens as t')
    .join('zg_users as u', 'u.id', 't.user_id')
    .whereNull('t.revoked_at')
    .orderBy('t.id')
    .select('t.id', 't.name', 't.token_prefix', 't.user_id', 'u.username', 't.created_at', 't.last_used_at', 't.role_keys', 't.expires_at')
  if (options.userId !== undefined) query.where('t.user_id', options.userId)
  return (await query).map((r) => ({
    id: Number(r.id),
    name: r.name,
    prefix: r.token_prefix,
    user_id: Number(r.user_id),
    username: String(r.username),
    created_at: Number(r.created_at),
    last_used_at: r.last_used_at == null ? null : Number(r.last_used_at),
    role_keys: parseRoleKeys(r.role_keys),
    expires_at: r.expires_at == null ? null : Number(r.expires_at),
    revoked_at: null,
  }))
}

/** A stored role subset; unreadable text limits the token to nothing rather than everything. */
function parseRoleKeys(text: unknown): string[] | null {
  if (typeof text !== 'string') return null
  try {
    const parsed = JSON.parse(text)
    return Array.isArray(parsed) ? parsed.map(String) : []
  } catch {
    return []
  }
}

export async function findToken(knex: Knex, id: number): Promise<{ id: number; user_id: number; name: string } | null> {
  const row = await knex('zg_api_tokens').where({ id }).whereNull('revoked_at').first('id', 'user_id', 'name')
  return row ? { id: Number(row.id), user_id: Number(row.user_id), name: String(row.name) } : null
}

export async function revokeToken(knex: Knex, id: number): Promise<void> {
  const updated = await knex('zg_api_tokens').where({ id }).whereNull('revoked_at').update({ revoked_at: Date.now() })
  if (!updated) throw notFound(`no token ${id}`).because('token_not_found', { id })
}

/** Revokes every token of a user (disable, delete); returns how many. */
export async function revokeUserTokens(knex: Knex, userId: number): Promise<number> {
  return await knex('zg_api_tokens').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: Date.now() })
}

/** "30d", "12h", "2w" (or a bare number of days) → the time it ends; null/''/'never' → no expiry. */
export function parseExpiry(input: unknown, now = Date.now()): number | null {
  if (input === undefined || input === null || input === '' || input === 'never') return null
  const match = /^(\d{1,5})\s*([hdwy]?)$/i.exec(String(input).trim())
  if (!match || Number(match[1]) < 1) throw badRequest('expiry must look like 12h, 30d, 2w or 1y').because('bad_token_expiry', { value: String(input) })
  const hours = { h: 1, d: 24, w: 24 * 7, y: 24 * 365 }[(match[2] || 'd').toLowerCase() as 'h' | 'd' | 'w' | 'y']
  return now + Number(match[1]) * hours * 3_600_000
}
