import type { Knex } from 'knex'
import type { Actor, ActorSource } from './actor'
import { isAll } from './policy'
import type { RoleStore } from './roles'

export interface ResolveOptions {
  /** the token's role subset (null/undefined: all the user's roles) */
  tokenRoleKeys?: readonly string[] | null
  tokenId?: number | null
  source?: ActorSource
  ip?: string | null
}

/** The parts of the app context resolving an actor needs. */
export interface ResolveContext {
  db: { knex: Knex }
  roles?: RoleStore
}

/**
 * Who is acting, with everything the access policy needs: the user's roles (zg_user_roles, narrowed
 * to a token's subset), the shops and warehouses their row scopes name, where the request came from.
 * `role` is 'admin' exactly when a held role has `all`. The legacy column `zg_users.role = 'admin'`
 * counts as holding `admin` (the first administrator is created before any role is assigned).
 */
export async function resolveActor(
  ctx: ResolveContext,
  user: { id: number; username: string; role?: string },
  options: ResolveOptions = {},
): Promise<Actor> {
  const knex = ctx.db.knex
  await ctx.roles?.refreshIfStale()
  const [rows, scopes] = await Promise.all([
    knex('zg_user_roles').where({ user_id: user.id }).pluck('role_key'),
    knex('zg_users').where({ id: user.id }).first('shop_ids', 'warehouse_ids'),
  ])
  let roles = [...new Set(rows.map(String))]
  if (user.role === 'admin' && !roles.includes('admin')) roles.unshift('admin')
  if (options.tokenRoleKeys) {
    const subset = new Set(options.tokenRoleKeys)
    roles = roles.filter((r) => subset.has(r))
  }
  const actor: Actor = {
    userId: user.id,
    username: user.username,
    role: 'member',
    roles,
    shops: idList(scopes?.shop_ids),
    warehouses: idList(scopes?.warehouse_ids),
    tokenId: options.tokenId ?? null,
    source: options.source ?? 'ui',
    ip: options.ip ?? null,
  }
  actor.role = isAll(actor, ctx.roles) || (!ctx.roles && roles.includes('admin')) ? 'admin' : 'member'
  return actor
}

function idList(raw: unknown): number[] {
  if (typeof raw !== 'string') return []
  try {
    const parsed = JSON.parse(raw)
    return Array.isArray(parsed) ? parsed.map(Number).filter((n) => Number.isSafeInteger(n) && n > 0) : []
  } catch {
    return []
  }
}
