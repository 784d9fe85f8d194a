import { createHash, randomBytes } from 'node:crypto'
import type { Knex } from 'knex'
import { badRequest, notFound } from '../lib/errors'
import type { User } from './users'

/**
 * Sessions (browser cookie) and API tokens (Authorization: Bearer) are random secrets of which
 * only a SHA-256 digest is stored: a leaked database does not let anyone log in.
 */
export const SESSION_COOKIE = 'zg_session'
export const SESSION_DAYS = 14
const DAY = 86_400_000

const digest = (secret: string) => createHash('sha256').update(secret).digest('hex')

export async function createSession(knex: Knex, userId: number): Promise<{ token: string; expiresAt: number }> {
  const token = randomBytes(32).toString('base64url')
  const now = Date.now()
  const expiresAt = now + SESSION_DAYS * DAY
  await knex('zg_sessions').insert({ id_hash: digest(token), user_id: userId, created_at: now, expires_at: expiresAt })
  // Expired sessions are swept as new ones are made.
  await knex('zg_sessions').where('expires_at', '<', now).delete()
  return { token, expiresAt }
}

export async function deleteSession(knex: Knex, token: string): Promise<void> {
  await knex('zg_sessions').where({ id_hash: digest(token) }).delete()
}

/** Ends every session of a user, but the one of `exceptToken` when given. */
export async function deleteUserSessions(knex: Knex, userId: number, exceptToken?: string): Promise<void> {
  const query = knex('zg_sessions').where({ user_id: userId })
  if (exceptToken) query.whereNot({ id_hash: digest(exceptToken) })
  await query.delete()
}

export async function userForSession(knex: Knex, token: string): Promise<number | null> {
  const row = await knex('zg_sessions').where({ id_hash: digest(token) }).where('expires_at', '>', Date.now()).first('user_id')
  return row ? Number(row.user_id) : null
}

export interface ApiToken {
  id: number
  name: string
  prefix: string
  user_id: number
  created_at: number
  last_used_at: number | null
}

export async function createToken(knex: Knex, user: User, name: string): Promise<{ token: string; record: ApiToken }> {
  if (typeof name !== 'string' || !name.trim() || name.length > 100) throw badRequest('token name must be 1-100 characters')
  const token = `zg_${randomBytes(32).toString('base64url')}`
  const now = Date.now()
  const [row] = await knex('zg_api_tokens')
    .insert({ user_id: user.id, name: name.trim(), token_hash: digest(token), token_prefix: token.slice(0, 10), created_at: now })
    .returning(['id'])
  return { token, record: { id: Number(row.id ?? row), name: name.trim(), prefix: token.slice(0, 10), user_id: user.id, created_at: now, last_used_at: null } }
}

export async function userForToken(knex: Knex, token: string): Promise<number | null> {
  return (await tokenFor(knex, token))?.userId ?? null
}

/** The live token of a secret: its id, user, and role subset (null: all the user's roles). */
export async function tokenFor(knex: Knex, token: string): Promise<{ id: number; userId: number; roleKeys: string[] | null } | null> {
  const row = await knex('zg_api_tokens').where({ token_hash: digest(token) }).whereNull('revoked_at').first('id', 'user_id', 'last_used_at', 'role_keys')
  if (!row) return null
  const now = Date.now()
  // Recording every use would make each API call a write; once a minute is enough to audit.
  if (!row.last_used_at || now - Number(row.last_used_at) > 60_000) await knex('zg_api_tokens').where({ id: row.id }).update({ last_used_at: now })
  let roleKeys: string[] | null = null
  if (typeof row.role_keys === 'string') {
    try {
      const parsed = JSON.parse(row.role_keys)
      roleKeys = Array.isArray(parsed) ? parsed.map(String) : []
    } catch {
      roleKeys = []
    }
  }
  return { id: Number(row.id), userId: Number(row.user_id), roleKeys }
}

export async function listTokens(knex: Knex): Promise<ApiToken[]> {
  const rows = await knex('zg_api_tokens').whereNull('revoked_at').orderBy('id').select('id', 'name', 'token_prefix', 'user_id', 'created_at', 'last_used_at')
  return rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    prefix: r.token_prefix,
    user_id: Number(r.user_id),
    created_at: Number(r.created_at),
    last_used_at: r.last_used_at == null ? null : Number(r.last_used_at),
  }))
}

export async function revokeToken(knex: Knex, id: number): Promise<void> {
  const updated = await knex('zg_api_tokens').where({ id }).whereNull('revoked_at').update({ revoked_at: Date.now() })
  if (!updated) throw notFound(`no token ${id}`)
}
