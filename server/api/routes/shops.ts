import { Router, type Request } from 'express'
import type { AppContext } from '../../context'
import { SyncRuns } from '../../sync/runs'
import { ShopService } from '../../sync/shops'
import { TradeSync } from '../../sync/trade-sync'
import { ItemImport } from '../../sync/item-import'
import { recordId } from '../params'

/** Taobao shops: binding, authorization, sync now, sync log. Secrets never leave the server. */
export function shopRoutes(ctx: AppContext): Router {
  const router = Router()
  const shops = new ShopService(ctx)
  const runs = new SyncRuns(ctx.db.knex)
  const items = new ItemImport(ctx)
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
  router.put('/:id/connection', async (req, res) => {
    res.json({ data: await shops.connect(req.actor!, recordId(req), req.body ?? {}) })
  })
  router.patch('/:id', async (req, res) => {
    const body = (req.body ?? {}) as { schedule_minutes?: unknown; tmc_enabled?: unknown }
    res.json({ data: await shops.updateSchedule(req.actor!, recordId(req), body.schedule_minutes, body.tmc_enabled) })
  })
  /** Runs a sync now and answers with its summary when it finishes. */
  router.post('/:id/sync', async (req, res) => {
    res.json({ data: await shops.sync(req.actor!, recordId(req), req.body?.full === true) })
  })
  /** Consumes the shop's TMC messages now (the scheduler does this every tick when TMC is on). */
  router.post('/:id/tmc/consume', async (req, res) => {
    await ctx.records.as(req.actor!).get('shops', recordId(req))
    res.json({ data: await new TradeSync(ctx, ctx.connections).consumeMessages(recordId(req)) })
  })
  router.get('/:id/sync-runs', async (req, res) => {
    await ctx.records.as(req.actor!).get('shops', recordId(req))
    res.json({ data: await runs.list(recordId(req)) })
  })
  // 导入商品数据: see the plan first, then import (running it again only adds what is new)
  router.post('/:id/items/preview', async (req, res) => {
    res.json({ data: await items.preview(req.actor!, recordId(req)) })
  })
  router.post('/:id/items/import', async (req, res) => {
    res.json({ data: await items.run(req.actor!, recordId(req)) })
  })

  // stock upload rules (SKU > item > shop), upload now, and the upload log
  const canManage = async (req: Request) => {
    ctx.access.check(req.actor!, 'update', ctx.registry.require('shops'))
    await ctx.records.as(req.actor!).get('shops', recordId(req))
  }
  router.get('/:id/stock-rules', async (req, res) => {
    await canManage(req)
    res.json({ data: await ctx.stock!.rules(recordId(req)) })
  })
  router.put('/:id/stock-rules', async (req, res) => {
    await canManage(req)
    res.json({ data: await ctx.stock!.saveRules(recordId(req), req.body?.rules) })
  })
  router.post('/:id/stock-upload', async (req, res) => {
    await canManage(req)
    res.json({ data: await ctx.stock!.upload(recordId(req)) })
  })
  router.get('/:id/stock-uploads', async (req, res) => {
    await canManage(req)
    res.json({ data: await ctx.stock!.log(recordId(req)) })
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
    // The merchant's browser lands here: every outcome goes back to a page that explains it.
    const { code, state, error } = req.query as Record<string, string | undefined>
    const back = (shopId: number | null, problem: string) => res.redirect(`${shopId ? `/shops/${shopId}` : '/shops'}?authorized=0&error=${encodeURIComponent(problem)}`)
    const shopId = state ? await ctx.connections.shopForOauthState(state) : null
    if (error) return back(shopId, `淘宝授权未完成（${error}）`)
    if (!code || !state) return back(shopId, '授权回调缺少 code 或 state')
    try {
      const authorized = await shops.completeAuthorization(state, code, `${req.protocol}://${req.get('host')}/api/taobao/oauth/callback`)
      res.redirect(`/shops/${authorized}?authorized=1`)
    } catch (problem) {
      back(shopId, problem instanceof Error ? problem.message : String(problem))
    }
  })
  return router
}
