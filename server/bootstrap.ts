import type { AppContext } from './context'
import { createUser } from './auth/users'
import { generatePassword } from './auth/passwords'

/**
 * The first start creates the administrator: password from ZG_ADMIN_PASSWORD, otherwise generated
 * and returned so it can be printed once. Later starts leave users alone.
 */
export async function ensureAdmin(ctx: AppContext): Promise<{ username: string; password: string | null; generated: boolean } | null> {
  const existing = await ctx.db.knex('zg_users').count({ n: '*' }).first()
  if (Number(existing?.n ?? 0) > 0) return null
  const generated = !ctx.config.adminPassword
  const password = ctx.config.adminPassword ?? generatePassword()
  await createUser(ctx.db.knex, { username: 'admin', password, display_name: '管理员', role: 'admin' })
  return { username: 'admin', password: generated ? password : null, generated }
}
