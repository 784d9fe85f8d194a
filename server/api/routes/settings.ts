import { Router } from 'express'
import type { AppContext } from '../../context'
import { badRequest } from '../../lib/errors'

const KEY = /^[a-z0-9_.:-]{1,100}$/
const MAX_BYTES = 64 * 1024

/** Per-user settings such as a grid's column widths and order: GET/PUT /api/me/settings/:key. */
export function settingsRoutes(ctx: AppContext): Router {
  const router = Router()
  router.get('/:key', async (req, res) => {
    const key = String(req.params.key)
    if (!KEY.test(key)) throw badRequest('invalid settings key')
    const row = await ctx.db.knex('zg_user_settings').where({ user_id: req.actor!.userId, key }).first('value')
    res.json({ data: row ? JSON.parse(row.value) : null })
  })
  router.put('/:key', async (req, res) => {
    const key = String(req.params.key)
    if (!KEY.test(key)) throw badRequest('invalid settings key')
    const value = JSON.stringify(req.body?.value ?? null)
    if (value.length > MAX_BYTES) throw badRequest('settings value is too large')
    const userId = req.actor!.userId
    await ctx.db.knex('zg_user_settings').insert({ user_id: userId, key, value }).onConflict(['user_id', 'key']).merge({ value })
    res.json({ data: JSON.parse(value) })
  })
  return router
}
