import { Router, type Request } from 'express'
import type { AppContext } from '../../context'
import { badRequest } from '../../lib/errors'
import { SyncRuns } from '../../sync/runs'
import { ShopService } from '../../sync/shops'
import { recordId } from '../params'

/** Taobao shops: binding, authorization, sync now, sync log. Secrets never leave the server. */
export function shopRoutes(ctx: AppContext): Router {
  const router = Router()
  const shops = new ShopService(ctx)
  const runs = new SyncRuns(ctx.db.knex)
  const callbackUrl = (req: Request) => `${req.protocol}://${req.get('host')}/api/taobao/oauth/callback`

  router.get('/', async (req, res) => {
    res.json({ data: await shops.list(req.actor!) })
  })
  router.post('/', async (req, res) => {
    res.status(201).json({ data: await shops.create(req.actor!, req.body ?? {}) })
  })
  router.get('/:id', async (req, res) => {
    res.json({ data: await shops.get(req.actor!, recordId(req)) })
  })
  router.patch('/:id', async (req, res) => {
    const body = (req.body ?? {}) as { schedule_minutes?: unknown; tmc_enabled?: unknown }
    res.json({ data: await shops.updateSchedule(req.actor!, recordId(req), body.schedule_minutes, body.tmc_enabled) })
  })
  /** Runs a sync now and answers with its summary when it finishes. */
  router.post('/:id/sync', async (req, res) => {
    res.json({ data: await shops.sync(req.actor!, recordId(req), req.body?.full === true) })
  })
  router.get('/:id/sync-runs', async (req, res) => {
    await ctx.records.as(req.actor!).get('shops', recordId(req))
    res.json({ data: await runs.list(recordId(req)) })
  })
  router.get('/:id/oauth/authorize-url', async (req, res) => {
    res.json({ data: { url: await shops.authorizeUrl(req.actor!, recordId(req), callbackUrl(req)) } })
  })
  return router
}

export function taobaoRoutes(ctx: AppContext): Router {
  const router = Router()
  const shops = new ShopService(ctx)
  /** Taobao sends the merchant back here after they approve (or deny) the app. */
  router.get('/oauth/callback', async (req, res) => {
    const { code, state, error } = req.query as Record<string, string | undefined>
    if (error) throw badRequest(`Taobao authorization was not granted (${error})`)
    if (!code || !state) throw badRequest('the callback needs code and state')
    const shopId = await shops.completeAuthorization(state, code, `${req.protocol}://${req.get('host')}/api/taobao/oauth/callback`)
    res.redirect(`/shops/${shopId}?authorized=1`)
  })
  return router
}
