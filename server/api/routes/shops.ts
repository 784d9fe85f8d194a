import { randomBytes } from 'node:crypto'
import { parse as parseCookies, serialize } from 'cookie'
import { Router, type Request, type Response } from 'express'
import type { AppContext } from '../../context'
import { OAUTH_STATE_TTL_MS } from '../../sync/connections'
import { SyncRuns } from '../../sync/runs'
import { ShopService } from '../../sync/shops'
import { TradeSync } from '../../sync/trade-sync'
import { ItemImport } from '../../sync/item-import'
import { secureCookie } from '../cookies'
import { recordId } from '../params'
import { requireCapability } from '../auth'

/** Ties an OAuth state to the browser that asked for it; only sent back to the callback. */
const OAUTH_COOKIE = 'zg_oauth'
const OAUTH_COOKIE_PATH = '/api/taobao/oauth'

function oauthBrowser(req: Request): string | undefined {
  const value = parseCookies(req.headers.cookie ?? '')[OAUTH_COOKIE]
  return value && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined
}

function setOauthCookie(res: Response, browser: string, secure: boolean) {
  const cookie = serialize(OAUTH_COOKIE, browser, { httpOnly: true, sameSite: 'lax', path: OAUTH_COOKIE_PATH, maxAge: OAUTH_STATE_TTL_MS / 1000, secure })
  res.append('Set-Cookie', cookie)
}

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
  const manage = requireCapability(ctx, 'shops.manage')
  const syncRun = requireCapability(ctx, 'sync.run')
  const upload = requireCapability(ctx, 'stock.upload')
  router.post('/', manage, async (req, res) => {
    res.status(201).json({ data: await shops.create(req.actor!, req.body ?? {}) })
  })
  /** Shops whose last sync failed, for the home page's to-dos: ids the caller may read. */
  router.get('/sync-failures', async (req, res) => {
    const failing = await runs.failingShops()
    const visible = failing.length ? (await ctx.records.as(req.actor!).list('shops', { filter: { field: 'id', op: 'in', value: failing }, limit: 500 })).data.map((r) => Number(r.id)) : []
    res.json({ data: { count: visible.length, shops: visible } })
  })
  router.get('/:id', async (req, res) => {
    res.json({ data: await shops.get(req.actor!, recordId(req)) })
  })
  router.put('/:id/connection', manage, async (req, res) => {
    res.json({ data: await shops.connect(req.actor!, recordId(req), req.body ?? {}) })
  })
  router.patch('/:id', manage, async (req, res) => {
    const body = (req.body ?? {}) as { schedule_minutes?: unknown; tmc_enabled?: unknown }
    res.json({ data: await shops.updateSchedule(req.actor!, recordId(req), body.schedule_minutes, body.tmc_enabled) })
  })
  /** Runs a sync now and answers with its summary when it finishes. */
  router.post('/:id/sync', syncRun, async (req, res) => {
    res.json({ data: await shops.sync(req.actor!, recordId(req), req.body?.full === true) })
  })
  /** Consumes the shop's TMC messages now (the scheduler does this every tick when TMC is on). */
  router.post('/:id/tmc/consume', syncRun, async (req, res) => {
    await ctx.records.as(req.actor!).get('shops', recordId(req))
    res.json({ data: await new TradeSync(ctx, ctx.connections).consumeMessages(recordId(req)) })
  })
  router.get('/:id/sync-runs', async (req, res) => {
    await ctx.records.as(req.actor!).get('shops', recordId(req))
    res.json({ data: await runs.list(recordId(req)) })
  })
  // 导入商品数据: see the plan first, then import (running it again only adds what is new)
  router.post('/:id/items/preview', syncRun, async (req, res) => {
    res.json({ data: await items.preview(req.actor!, recordId(req)) })
  })
  router.post('/:id/items/import', syncRun, async (req, res) => {
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
  router.put('/:id/stock-rules', upload, async (req, res) => {
    await canManage(req)
    res.json({ data: await ctx.stock!.saveRules(recordId(req), req.body?.rules) })
  })
  router.post('/:id/stock-upload', upload, async (req, res) => {
    await canManage(req)
    res.json({ data: await ctx.stock!.upload(recordId(req)) })
  })
  router.get('/:id/stock-uploads', async (req, res) => {
    await canManage(req)
    res.json({ data: await ctx.stock!.log(recordId(req)) })
  })

  router.get('/:id/oauth/authorize-url', manage, async (req, res) => {
    // A browser keeps its binding value, so two authorizations from two tabs both work.
    const browser = oauthBrowser(req) ?? randomBytes(32).toString('base64url')
    const url = await shops.authorizeUrl(req.actor!, recordId(req), callbackUrl(req), browser)
    setOauthCookie(res, browser, secureCookie(ctx.config, req))
    res.json({ data: { url } })
  })
  return router
}

export function taobaoRoutes(ctx: AppContext): Router {
  const router = Router()
  const shops = new ShopService(ctx)
  /** Taobao sends the merchant back here after they approve (or deny) the app. */
  router.get('/oauth/callback', async (req, res) => {
    // The merchant's browser lands here: every outcome goes back to a page that explains it.
    const { code, state, error } = req.query as Record<string, unknown>
    const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined)
    const back = (shopId: number | null, problem: string) => res.redirect(`${shopId ? `/shops/${shopId}` : '/shops'}?authorized=0&error=${encodeURIComponent(problem)}`)
    const message = (problem: unknown) => (problem instanceof Error ? problem.message : String(problem))
    // The state is spent here, whether what follows succeeds or not.
    let shopId: number | null = null
    let invalid: string | null = null
    try {
      shopId = await shops.redeemOauthState(text(state), oauthBrowser(req))
    } catch (problem) {
      invalid = message(problem)
    }
    if (text(error)) return back(shopId, `淘宝授权未完成（${text(error)}）`)
    if (!text(code) || !text(state)) return back(shopId, '授权回调缺少 code 或 state')
    if (shopId === null) return back(null, invalid ?? '授权无效')
    try {
      await shops.completeAuthorization(shopId, text(code)!, `${req.protocol}://${req.get('host')}/api/taobao/oauth/callback`)
      res.redirect(`/shops/${shopId}?authorized=1`)
    } catch (problem) {
      back(shopId, message(problem))
    }
  })
  return router
}
