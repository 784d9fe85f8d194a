import type { Knex } from 'knex'
import { badRequest, conflict } from '../lib/errors'
import { deleteUserSessions } from './credentials'
import { checkPasswordStrength, hashPassword, verifyPassword } from './passwords'

export interface User {
  id: number
  username: string
  display_name: string
  role: 'admin' | 'member'
  disabled: boolean
}

const USERNAME = /^[A-Za-z0-9_.@-]{2,64}$/

function toUser(row: Record<string, unknown>): User {
  return {
    id: Number(row.id),
    username: String(row.username),
    display_name: String(row.display_name),
    role: row.role === 'admin' ? 'admin' : 'member',
    disabled: Boolean(row.disabled),
  }
}

export async function createUser(
  knex: Knex,
  input: { username: string; password: string; display_name?: string; role?: 'admin' | 'member' },
): Promise<User> {
  if (!USERNAME.test(input.username ?? '')) throw badRequest('username must be 2-64 letters, digits or _ . @ -').because('bad_username')
  const weak = checkPasswordStrength(input.password)
  if (weak) throw badRequest(weak).because('weak_password', { reason: weak })
  if (input.role && input.role !== 'admin' && input.role !== 'member') throw badRequest('role must be admin or member').because('bad_role')
  const exists = await knex('zg_users').whereRaw('lower(username) = lower(?)', [input.username]).first('id')
  if (exists) throw conflict(`user "${input.username}" already exists`).because('user_exists', { username: input.username })
  const now = Date.now()
  const [row] = await knex('zg_users')
    .insert({
      username: input.username,
      display_name: input.display_name?.trim() || input.username,
      password_hash: await hashPassword(input.password),
      role: input.role ?? 'member',
      disabled: false,
      created_at: now,
      updated_at: now,
    })
    .returning(['id', 'username', 'display_name', 'role', 'disabled'])
  return toUser(row)
}

/**
 * Changes a password and signs the user out everywhere: every browser session ends (except
 * `keepSession`, the caller's own, for a self-service change). API tokens are separate credentials
 * for scripts and stay valid; revoke them (/api/tokens, `zg token revoke`) when they may be leaked too.
 */
export async function setPassword(knex: Knex, username: string, password: string, options: { keepSession?: string } = {}): Promise<void> {
  const weak = checkPasswordStrength(password)
  if (weak) throw badRequest(weak).because('weak_password', { reason: weak })
  const passwordHash = await hashPassword(password)
  await knex.transaction(async (trx) => {
    const user = await trx('zg_users').where({ username }).first('id')
    if (!user) throw badRequest(`no user "${username}"`).because('unknown_user', { user: username })
    await trx('zg_users').where({ id: user.id }).update({ password_hash: passwordHash, updated_at: Date.now() })
    await deleteUserSessions(trx, Number(user.id), options.keepSession)
  })
}

export async function findUser(knex: Knex, id: number): Promise<User | null> {
  const row = await knex('zg_users').where({ id }).first()
  return row ? toUser(row) : null
}

export async function listUsers(knex: Knex): Promise<User[]> {
  return (await knex('zg_users').orderBy('id')).map(toUser)
}

/** The user for a correct username and password, or null (same answer for unknown users). */
export async function checkLogin(knex: Knex, username: string, password: string): Promise<User | null> {
  const row = await knex('zg_users').whereRaw('lower(username) = lower(?)', [username]).first()
  if (!row) {
    // Spend the same time as a real check so response times do not reveal which users exist.
    await verifyPassword(password, 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')
    return null
  }
  if (!(await verifyPassword(password, row.password_hash)) || row.disabled) return null
  return toUser(row)
}
