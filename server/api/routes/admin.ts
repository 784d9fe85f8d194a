import { Router } from 'express'
import { createToken, listTokens, revokeToken } from '../../auth/credentials'
import { createUser, findUser, listUsers } from '../../auth/users'
import type { AppContext } from '../../context'
import { installPack } from '../../forms/installer'
import { badRequest } from '../../lib/errors'
import { requireAdmin } from '../auth'
import { recordId } from '../params'

/** Users, API tokens and template packs: administrators only. */
export function adminRoutes(ctx: AppContext): Router {
  const router = Router()
  /** Names of active users, for user pickers: every user may see who they can assign to. */
  router.get('/users/directory', async (_req, res) => {
    const users = await listUsers(ctx.db.knex)
    res.json({ data: users.filter((u) => !u.disabled).map((u) => ({ id: u.id, display_name: u.display_name })) })
  })
  router.use(['/users', '/tokens', '/packs'], requireAdmin)

  router.get('/users', async (_req, res) => {
    res.json({ data: await listUsers(ctx.db.knex) })
  })
  router.post('/users', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>
    const user = await createUser(ctx.db.knex, {
      username: String(body.username ?? ''),
      password: body.password as string,
      display_name: typeof body.display_name === 'string' ? body.display_name : undefined,
      role: body.role as 'admin' | 'member' | undefined,
    })
    res.status(201).json({ data: user })
  })

  router.get('/tokens', async (_req, res) => {
    res.json({ data: await listTokens(ctx.db.knex) })
  })
  router.post('/tokens', async (req, res) => {
    const body = (req.body ?? {}) as { name?: unknown; user_id?: unknown }
    const raw = body.user_id
    const userId = raw === undefined || raw === null ? undefined : Number(raw)
    if (userId !== undefined && !((typeof raw === 'number' || typeof raw === 'string') && /^\d{1,15}$/.test(String(raw)) && userId >= 1)) {
      throw badRequest('user_id must be a user id (a whole number)')
    }
    const user = userId === undefined ? req.user! : await findUser(ctx.db.knex, userId)
    if (!user) throw badRequest(`no user ${String(body.user_id)}`).because('unknown_user', { user: String(body.user_id) })
    const { token, record } = await createToken(ctx.db.knex, user, String(body.name ?? ''))
    // The token is shown this once; only its hash is kept.
    res.status(201).json({ data: { ...record, token } })
  })
  router.delete('/tokens/:id', async (req, res) => {
    await revokeToken(ctx.db.knex, recordId(req))
    res.status(204).end()
  })

  router.get('/packs', async (_req, res) => {
    const rows = await ctx.db.knex('zg_packs').select('key', 'version', 'installed_at', 'updated_at', 'definition')
    res.json({
      data: rows.map((r) => {
        const def = JSON.parse(r.definition)
        return { key: r.key, version: r.version, name: def.name, forms: def.forms.map((f: { key: string }) => f.key), installed_at: Number(r.installed_at) }
      }),
    })
  })
  router.post('/packs', async (req, res) => {
    res.json({ data: await installPack(ctx.db, ctx.registry, req.body, { handlers: ctx.actions.names() }) })
  })
  return router
}
