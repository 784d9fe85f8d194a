import { randomBytes } from 'node:crypto'
import type { Knex } from 'knex'
import type { Actor } from '../access/actor'
import { logEvent } from '../audit/events'
import { AppError, badRequest, conflict, notFound } from '../lib/errors'
import { deleteUserSessions, digest, revokeUserTokens } from './credentials'
import { checkPasswordStrength, generatePassword, hashPassword, verifyPassword } from './passwords'

export interface User {
  id: number
  username: string
  display_name: string
  role: 'admin' | 'member'
  disabled: boolean
}

/** What the users page shows of a user (GET /api/admin/users). */
export interface UserDetail extends User {
  roles: string[]
  shops: number[]
  warehouses: number[]
  deleted: boolean
  /** an invite was made and not yet used (nor expired) */
  invited: boolean
  last_login_at: number | null
  created_at: number
}

const USERNAME = /^[A-Za-z0-9_.@-]{2,64}$/
/** the built-in role that may do everything (the roles engine adds roles with `all` from zg_roles) */
export const ADMIN_ROLE = 'admin'
/** An invite link works this long, once. */
export const INVITE_DAYS = 7
/** No password hash matches this: an invited user cannot log in before setting one. */
const NO_PASSWORD = '!invited'

function toUser(row: Record<string, unknown>): User {
  return {
    id: Number(row.id),
    username: String(row.username),
    display_name: String(row.display_name),
    role: row.role === 'admin' ? 'admin' : 'member',
    disabled: Boolean(row.disabled) || row.deleted_at != null,
  }
}

const parseIds = (text: unknown): number[] => {
  try {
    const list = JSON.parse(String(text ?? '[]'))
    return Array.isArray(list) ? list.map(Number) : []
  } catch {
    return []
  }
}

/** Role keys that mean "everything": the built-in admin and any role defined with `all`. */
export async function allRoleKeys(knex: Knex): Promise<Set<string>> {
  const keys = new Set([ADMIN_ROLE])
  for (const row of await knex('zg_roles').select('key', 'definition')) {
    try {
      if (JSON.parse(row.definition)?.all === true) keys.add(String(row.key))
    } catch {
      // a broken definition grants nothing
    }
  }
  return keys
}

/** Checks role keys against zg_roles and the built-in admin; returns them de-duplicated. */
export async function checkRoleKeys(knex: Knex, input: unknown): Promise<string[]> {
  if (!Array.isArray(input) || input.some((k) => typeof k !== 'string')) throw badRequest('roles must be a list of role keys').because('roles_expected')
  const keys = [...new Set(input as string[])].sort()
  const known = new Set([ADMIN_ROLE, ...(await knex('zg_roles').pluck('key')).map(String)])
  const unknown = keys.filter((k) => !known.has(k))
  if (unknown.length) throw badRequest(`unknown role(s): ${unknown.join(', ')}`).because('unknown_role', { roles: unknown.join(', ') })
  return keys
}

async function legacyRole(knex: Knex, roles: readonly string[]): Promise<'admin' | 'member'> {
  const all = await allRoleKeys(knex)
  return roles.some((r) => all.has(r)) ? 'admin' : 'member'
}

export async function createUser(
  knex: Knex,
  input: {
    username: string
    /** absent for an invited user, who sets it through the invite */
    password?: string
    display_name?: string
    /** the old two roles: admin gets the role `admin`, member `manager` (when `roles` is not given) */
    role?: 'admin' | 'member'
    /** role keys, checked against zg_roles and the built-in admin */
    roles?: unknown
  },
  actor: Actor | null = null,
): Promise<User> {
  if (!USERNAME.test(input.username ?? '')) throw badRequest('username must be 2-64 letters, digits or _ . @ -').because('bad_username')
  if (input.password !== undefined) {
    const weak = checkPasswordStrength(input.password)
    if (weak) throw badRequest(weak).because('weak_password', { reason: weak })
  }
  if (input.role && input.role !== 'admin' && input.role !== 'member') throw badRequest('role must be admin or member').because('bad_role')
  const roles = input.roles !== undefined ? await checkRoleKeys(knex, input.roles) : [input.role === 'admin' ? ADMIN_ROLE : 'manager']
  const exists = await knex('zg_users').whereRaw('lower(username) = lower(?)', [input.username]).first('id')
  if (exists) throw conflict(`user "${input.username}" already exists`).because('user_exists', { username: input.username })
  const now = Date.now()
  const passwordHash = input.password === undefined ? NO_PASSWORD : await hashPassword(input.password)
  const role = input.roles !== undefined ? await legacyRole(knex, roles) : (input.role ?? 'member')
  return await knex.transaction(async (trx) => {
    const [row] = await trx('zg_users')
      .insert({
        username: input.username,
        display_name: input.display_name?.trim() || input.username,
        password_hash: passwordHash,
        role,
        disabled: false,
        created_at: now,
        updated_at: now,
      })
      .returning(['id', 'username', 'display_name', 'role', 'disabled'])
    const user = toUser(row)
    if (roles.length) await trx('zg_user_roles').insert(roles.map((key) => ({ user_id: user.id, role_key: key })))
    await logEvent(trx, { subject: '$users', targetId: user.id, action: 'user_create', actor, details: { username: user.username, roles } })
    return user
  })
}

/**
 * Changes a password and signs the user out everywhere: every browser session ends (except
 * `keepSession`, the caller's own, for a self-service change). API tokens are separate credentials
 * for scripts and stay valid; revoke them (/api/tokens, `zg token revoke`) when they may be leaked too.
 */
export async function setPassword(knex: Knex, username: string, password: string, options: { keepSession?: string; actor?: Actor | null } = {}): Promise<void> {
  const weak = checkPasswordStrength(password)
  if (weak) throw badRequest(weak).because('weak_password', { reason: weak })
  const passwordHash = await hashPassword(password)
  await knex.transaction(async (trx) => {
    const user = await trx('zg_users').where({ username }).whereNull('deleted_at').first('id')
    if (!user) throw badRequest(`no user "${username}"`).because('unknown_user', { user: username })
    await trx('zg_users').where({ id: user.id }).update({ password_hash: passwordHash, invite_hash: null, invite_expires_at: null, updated_at: Date.now() })
    await deleteUserSessions(trx, Number(user.id), options.keepSession)
    await logEvent(trx, { subject: '$users', targetId: Number(user.id), action: 'password_reset', actor: options.actor ?? null })
  })
}

export async function findUser(knex: Knex, id: number): Promise<User | null> {
  const row = await knex('zg_users').where({ id }).first()
  return row ? toUser(row) : null
}

export async function findUserByName(knex: Knex, username: string): Promise<User | null> {
  const row = await knex('zg_users').whereRaw('lower(username) = lower(?)', [username]).whereNull('deleted_at').first()
  return row ? toUser(row) : null
}

/** Users not deleted (a deleted user's row stays so records keep the name). */
export async function listUsers(knex: Knex): Promise<User[]> {
  return (await knex('zg_users').whereNull('deleted_at').orderBy('id')).map(toUser)
}

export async function userRoles(knex: Knex, userId: number): Promise<string[]> {
  return (await knex('zg_user_roles').where({ user_id: userId }).orderBy('role_key').pluck('role_key')).map(String)
}

export async function listUserDetails(knex: Knex, options: { includeDeleted?: boolean; id?: number } = {}): Promise<UserDetail[]> {
  const query = knex('zg_users').orderBy('id')
  if (!options.includeDeleted) query.whereNull('deleted_at')
  if (options.id !== undefined) query.where({ id: options.id })
  const rows = await query
  const roles = new Map<number, string[]>()
  const ids = rows.map((r) => Number(r.id))
  for (let i = 0; i < ids.length; i += 500) {
    for (const r of await knex('zg_user_roles').whereIn('user_id', ids.slice(i, i + 500)).orderBy('role_key')) {
      const list = roles.get(Number(r.user_id)) ?? []
      list.push(String(r.role_key))
      roles.set(Number(r.user_id), list)
    }
  }
  const now = Date.now()
  return rows.map((row) => ({
    ...toUser(row),
    roles: roles.get(Number(row.id)) ?? [],
    shops: parseIds(row.shop_ids),
    warehouses: parseIds(row.warehouse_ids),
    deleted: row.deleted_at != null,
    invited: row.invite_hash != null && Number(row.invite_expires_at) > now,
    last_login_at: row.last_login_at == null ? null : Number(row.last_login_at),
    created_at: Number(row.created_at),
  }))
}

export async function userDetail(knex: Knex, id: number): Promise<UserDetail> {
  const [user] = await listUserDetails(knex, { id, includeDeleted: true })
  if (!user) throw notFound(`no user ${id}`).because('user_not_found', { id })
  return user
}

/** Active administrators (not disabled, not deleted, holding a role with everything), but `except`. */
async function otherActiveAdmins(knex: Knex, except: number): Promise<number> {
  const all = [...(await allRoleKeys(knex))]
  const row = await knex('zg_users as u')
    .whereNot('u.id', except)
    .where('u.disabled', false)
    .whereNull('u.deleted_at')
    .whereExists(knex('zg_user_roles as r').whereRaw('r.user_id = u.id').whereIn('r.role_key', all))
    .count({ n: '*' })
    .first()
  return Number(row?.n ?? 0)
}

async function isActiveAdmin(knex: Knex, row: Record<string, unknown>, roles: readonly string[]): Promise<boolean> {
  if (row.disabled || row.deleted_at != null) return false
  const all = await allRoleKeys(knex)
  return roles.some((r) => all.has(r))
}

/** The user's row, locked on PostgreSQL so two admins cannot both remove the last other admin. */
async function lockedUser(trx: Knex.Transaction, id: number) {
  const query = trx('zg_users').where({ id })
  if ((trx.client as { dialect?: string }).dialect === 'postgresql') query.forUpdate()
  return await query.first()
}

const lastAdmin = () => new AppError(409, 'conflict', 'this is the last active administrator; make another one first').because('last_admin')

export interface UserPatch {
  roles?: unknown
  shops?: number[]
  warehouses?: number[]
  disabled?: unknown
  display_name?: unknown
}

/**
 * Changes a user's roles, shops, warehouses, name or status in one transaction with its audit
 * entries. Disabling ends every session and revokes every API token at once. The last active
 * administrator can be neither disabled nor lose the admin role. `shops`/`warehouses` must
 * already be checked to exist (see checkScopeIds in the routes, which read them as the system).
 */
export async function updateUser(knex: Knex, id: number, patch: UserPatch, actor: Actor | null): Promise<UserDetail> {
  const roles = patch.roles === undefined ? undefined : await checkRoleKeys(knex, patch.roles)
  if (patch.disabled !== undefined && typeof patch.disabled !== 'boolean') throw badRequest('disabled must be true or false').because('disabled_boolean')
  let displayName: string | undefined
  if (patch.display_name !== undefined) {
    if (typeof patch.display_name !== 'string' || !patch.display_name.trim() || patch.display_name.length > 100) {
      throw badRequest('display_name must be 1-100 characters').because('bad_display_name')
    }
    displayName = patch.display_name.trim()
  }
  const role = roles === undefined ? undefined : await legacyRole(knex, roles)
  await knex.transaction(async (trx) => {
    const row = await lockedUser(trx, id)
    if (!row || row.deleted_at != null) throw notFound(`no user ${id}`).because('user_not_found', { id })
    const before = await userRoles(trx, id)
    const wasAdmin = await isActiveAdmin(trx, row, before)
    const disabled = typeof patch.disabled === 'boolean' ? patch.disabled : Boolean(row.disabled)
    const willBeAdmin = await isActiveAdmin(trx, { ...row, disabled }, roles ?? before)
    if (id === actor?.userId && disabled && !row.disabled) throw badRequest('you cannot disable yourself').because('cannot_disable_self')
    if (wasAdmin && !willBeAdmin && (await otherActiveAdmins(trx, id)) === 0) throw lastAdmin()

    const update: Record<string, unknown> = {}
    if (displayName !== undefined && displayName !== row.display_name) update.display_name = displayName
    if (role !== undefined && role !== row.role) update.role = role
    if (patch.shops !== undefined) update.shop_ids = JSON.stringify(patch.shops)
    if (patch.warehouses !== undefined) update.warehouse_ids = JSON.stringify(patch.warehouses)
    if (disabled !== Boolean(row.disabled)) update.disabled = disabled
    if (Object.keys(update).length) await trx('zg_users').where({ id }).update({ ...update, updated_at: Date.now() })

    const event = (action: string, details?: unknown) => logEvent(trx, { subject: '$users', targetId: id, action, actor, details })
    if (roles !== undefined && (roles.length !== before.length || roles.some((r) => !before.includes(r)))) {
      await trx('zg_user_roles').where({ user_id: id }).delete()
      if (roles.length) await trx('zg_user_roles').insert(roles.map((key) => ({ user_id: id, role_key: key })))
      await event('roles_change', { roles: [before, roles] })
    }
    const beforeShops = parseIds(row.shop_ids)
    if (patch.shops !== undefined && JSON.stringify(beforeShops) !== JSON.stringify(patch.shops)) await event('shops_change', { shops: [beforeShops, patch.shops] })
    const beforeWarehouses = parseIds(row.warehouse_ids)
    if (patch.warehouses !== undefined && JSON.stringify(beforeWarehouses) !== JSON.stringify(patch.warehouses)) {
      await event('warehouses_change', { warehouses: [beforeWarehouses, patch.warehouses] })
    }
    if (update.display_name !== undefined) await event('user_rename', { display_name: [row.display_name, update.display_name] })
    if (update.disabled === true) {
      const sessions = await deleteUserSessions(trx, id)
      const tokens = await revokeUserTokens(trx, id)
      await event('user_disable', { sessions_ended: sessions, tokens_revoked: tokens })
    } else if (update.disabled === false) await event('user_enable')
  })
  return await userDetail(knex, id)
}

/**
 * Soft delete: the row stays (records keep the name), the user cannot log in, sessions end and
 * tokens are revoked. Nobody deletes themselves, nor the last active administrator.
 */
export async function deleteUser(knex: Knex, id: number, actor: Actor | null): Promise<void> {
  await knex.transaction(async (trx) => {
    const row = await lockedUser(trx, id)
    if (!row || row.deleted_at != null) throw notFound(`no user ${id}`).because('user_not_found', { id })
    if (id === actor?.userId) throw badRequest('you cannot delete yourself').because('cannot_delete_self')
    if ((await isActiveAdmin(trx, row, await userRoles(trx, id))) && (await otherActiveAdmins(trx, id)) === 0) throw lastAdmin()
    const now = Date.now()
    await trx('zg_users').where({ id }).update({ deleted_at: now, disabled: true, invite_hash: null, invite_expires_at: null, updated_at: now })
    const sessions = await deleteUserSessions(trx, id)
    const tokens = await revokeUserTokens(trx, id)
    await logEvent(trx, { subject: '$users', targetId: id, action: 'user_delete', actor, details: { username: row.username, sessions_ended: sessions, tokens_revoked: tokens } })
  })
}

/** Sets the password an administrator chose, or a generated one (returned to show once). */
export async function resetPassword(knex: Knex, id: number, password: unknown, actor: Actor | null): Promise<{ password: string | null }> {
  if (password !== undefined && password !== null && typeof password !== 'string') throw badRequest('password must be text').because('weak_password', { reason: 'password must be text' })
  const row = await knex('zg_users').where({ id }).whereNull('deleted_at').first('username')
  if (!row) throw notFound(`no user ${id}`).because('user_not_found', { id })
  const chosen = typeof password === 'string' && password !== ''
  const value = chosen ? password : generatePassword()
  await setPassword(knex, String(row.username), value, { actor })
  return { password: chosen ? null : value }
}

/**
 * A one-time invite: a random secret of which only the digest is kept, valid INVITE_DAYS, used
 * once (accepting it sets the password and clears it). A new invite replaces the old one.
 */
export async function createInvite(knex: Knex, id: number, actor: Actor | null): Promise<{ code: string; expires_at: number }> {
  const code = randomBytes(24).toString('base64url')
  const expiresAt = Date.now() + INVITE_DAYS * 86_400_000
  await knex.transaction(async (trx) => {
    const row = await trx('zg_users').where({ id }).whereNull('deleted_at').first('id', 'disabled')
    if (!row) throw notFound(`no user ${id}`).because('user_not_found', { id })
    if (row.disabled) throw conflict('enable the user before inviting them').because('user_disabled')
    await trx('zg_users').where({ id }).update({ invite_hash: digest(code), invite_expires_at: expiresAt })
    await logEvent(trx, { subject: '$users', targetId: id, action: 'user_invite', actor, details: { expires_at: expiresAt } })
  })
  return { code, expires_at: expiresAt }
}

async function inviteRow(knex: Knex, code: unknown) {
  if (typeof code !== 'string' || !/^[A-Za-z0-9_-]{16,100}$/.test(code)) return null
  const row = await knex('zg_users').where({ invite_hash: digest(code), disabled: false }).whereNull('deleted_at').where('invite_expires_at', '>', Date.now()).first()
  return row ?? null
}

const badInvite = () => notFound('the invite link is not valid (used, expired or mistyped)').because('invite_invalid')

/** Who an invite is for (the page greets them), or 404 invite_invalid. */
export async function inviteFor(knex: Knex, code: unknown): Promise<{ username: string; display_name: string }> {
  const row = await inviteRow(knex, code)
  if (!row) throw badInvite()
  return { username: String(row.username), display_name: String(row.display_name) }
}

/** Sets the invited user's password and uses the invite up. */
export async function acceptInvite(knex: Knex, code: unknown, password: unknown, ip: string | null = null): Promise<User> {
  const weak = checkPasswordStrength(password)
  if (weak) throw badRequest(weak).because('weak_password', { reason: weak })
  const passwordHash = await hashPassword(password as string)
  return await knex.transaction(async (trx) => {
    const row = await inviteRow(trx, code)
    if (!row) throw badInvite()
    // the digest in the WHERE makes a second use of the same code find nothing
    const updated = await trx('zg_users').where({ id: row.id, invite_hash: row.invite_hash }).update({ password_hash: passwordHash, invite_hash: null, invite_expires_at: null, updated_at: Date.now() })
    if (!updated) throw badInvite()
    await deleteUserSessions(trx, Number(row.id))
    const user = toUser(row)
    await logEvent(trx, { subject: '$users', targetId: user.id, action: 'invite_accept', actor: { userId: user.id, username: user.username, role: user.role, source: 'ui', ip }, ip })
    return user
  })
}

/** The user for a correct username and password, or null (same answer for unknown users). */
export async function checkLogin(knex: Knex, username: string, password: string): Promise<User | null> {
  const row = await knex('zg_users').whereRaw('lower(username) = lower(?)', [username]).first()
  if (!row) {
    // Spend the same time as a real check so response times do not reveal which users exist.
    await verifyPassword(password, 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')
    return null
  }
  if (!(await verifyPassword(password, row.password_hash)) || row.disabled || row.deleted_at != null) return null
  return toUser(row)
}

/**
 * A token's role subset must be roles its user holds; a user holding a role with everything
 * (admin) may narrow a token to any role. Empty/absent = all of the user's roles.
 */
export async function checkTokenRoles(knex: Knex, userId: number, input: unknown): Promise<string[] | null> {
  if (input === undefined || input === null) return null
  const keys = await checkRoleKeys(knex, input)
  if (!keys.length) return null
  const held = await userRoles(knex, userId)
  const all = await allRoleKeys(knex)
  if (held.some((r) => all.has(r))) return keys
  const extra = keys.filter((k) => !held.includes(k))
  if (extra.length) throw badRequest(`the token may only have roles its user holds, not ${extra.join(', ')}`).because('token_role_not_held', { roles: extra.join(', ') })
  return keys
}
