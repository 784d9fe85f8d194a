import { randomBytes } from 'node:crypto'
import type { Actor } from '../access/actor'
import type { AppContext } from '../context'
import { badRequest, notFound } from '../lib/errors'
import { authorizeUrl, exchangeCode } from '../taobao'
import { oauthUrl } from './client-factory'
import type { ConnectionView } from './connections'
import { SyncRuns } from './runs'
import { TradeSync } from './trade-sync'

export interface ShopInput {
  name?: unknown
  platform?: unknown
  seller_nick?: unknown
  app_key?: unknown
  app_secret?: unknown
  session?: unknown
  refresh_token?: unknown
  session_expires_at?: unknown
  gateway_url?: unknown
  schedule_minutes?: unknown
  tmc_enabled?: unknown
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null)

/** Connecting a shop changes where its orders come from: it needs update rights on shops. */
function ctx_check(ctx: AppContext, actor: Actor) {
  ctx.access.check(actor, 'update', ctx.registry.require('shops'))
}

/**
 * Binding Taobao shops: the shop is a record of the `shops` form (written through the records
 * service, as the acting user); its credentials live sealed beside it, never in form fields and
 * never sent to the browser.
 */
export class ShopService {
  constructor(private readonly ctx: AppContext) {}

  async create(actor: Actor, input: ShopInput): Promise<{ shop: Record<string, unknown>; connection: ConnectionView | null }> {
    const appKey = str(input.app_key)
    const appSecret = str(input.app_secret)
    if (!appKey || !appSecret) throw badRequest('app_key and app_secret are required to bind a Taobao shop')
    const platform = str(input.platform) ?? 'taobao'
    if (platform !== 'taobao' && platform !== 'tmall') throw badRequest('platform must be taobao or tmall')
    const shop = await this.ctx.db.knex.transaction(async (trx) => {
      await this.ctx.db.dialect.lockForWrite(trx)
      const records = this.ctx.records.as(actor).within(trx)
      const shop = await records.create('shops', { name: input.name, platform, seller_nick: input.seller_nick ?? null })
      await this.ctx.connections.save(
        shop.id,
        {
          appKey,
          appSecret,
          session: str(input.session),
          refreshToken: str(input.refresh_token),
          sessionExpiresAt: typeof input.session_expires_at === 'string' ? Date.parse(input.session_expires_at) || null : null,
          gatewayUrl: str(input.gateway_url),
          scheduleMinutes: input.schedule_minutes === undefined ? undefined : Number(input.schedule_minutes),
          tmcEnabled: input.tmc_enabled === true,
          sellerNick: str(input.seller_nick),
        },
        trx,
      )
      return shop
    })
    return { shop, connection: await this.ctx.connections.view(shop.id) }
  }

  async list(actor: Actor) {
    const shops = await this.ctx.records.as(actor).list('shops', { limit: 500, total: false })
    const runs = new SyncRuns(this.ctx.db.knex)
    return Promise.all(shops.data.map(async (shop) => ({ shop, connection: await this.ctx.connections.view(shop.id), last_run: await runs.last(shop.id) })))
  }

  /** Connects (or re-keys) an existing shop record: the same fields as binding a new shop. */
  async connect(actor: Actor, shopId: number, input: ShopInput) {
    const records = this.ctx.records.as(actor)
    ctx_check(this.ctx, actor)
    await records.get('shops', shopId)
    const appKey = str(input.app_key)
    const appSecret = str(input.app_secret)
    if (!appKey || !appSecret) throw badRequest('app_key and app_secret are required to connect a Taobao shop')
    await this.ctx.connections.save(shopId, {
      appKey,
      appSecret,
      session: str(input.session),
      refreshToken: str(input.refresh_token),
      gatewayUrl: str(input.gateway_url),
      scheduleMinutes: input.schedule_minutes === undefined ? undefined : Number(input.schedule_minutes),
      tmcEnabled: input.tmc_enabled === true,
      sellerNick: str(input.seller_nick),
    })
    return this.get(actor, shopId)
  }

  async get(actor: Actor, shopId: number) {
    const shop = await this.ctx.records.as(actor).get('shops', shopId)
    return { shop, connection: await this.ctx.connections.view(shopId), last_run: await new SyncRuns(this.ctx.db.knex).last(shopId) }
  }

  async updateSchedule(actor: Actor, shopId: number, minutes: unknown, tmc: unknown) {
    await this.ctx.records.as(actor).get('shops', shopId)
    if ((await this.ctx.connections.view(shopId)) === null) throw notFound(`shop ${shopId} has no Taobao connection`)
    await this.ctx.connections.setSchedule(shopId, Number(minutes), typeof tmc === 'boolean' ? tmc : undefined)
    return this.get(actor, shopId)
  }

  async sync(actor: Actor, shopId: number, full = false) {
    await this.ctx.records.as(actor).get('shops', shopId)
    return new TradeSync(this.ctx, this.ctx.connections).run(shopId, { full })
  }

  /** The page the merchant approves the app on; the state ties the callback to this shop. */
  async authorizeUrl(actor: Actor, shopId: number, redirectUri: string): Promise<string> {
    await this.ctx.records.as(actor).get('shops', shopId)
    const connection = await this.ctx.connections.get(shopId)
    const state = randomBytes(16).toString('hex')
    await this.ctx.connections.setOauthState(shopId, state)
    return authorizeUrl({ authorizeBase: oauthUrl(connection.gatewayUrl, 'authorize'), appKey: connection.appKey, redirectUri, state })
  }

  /** OAuth callback: code → tokens, sealed and saved; the shop is active again. */
  async completeAuthorization(state: string, code: string, redirectUri: string): Promise<number> {
    const shopId = await this.ctx.connections.shopForOauthState(state)
    if (shopId === null) throw badRequest('this authorization link is not valid any more; start again from the shop page')
    const connection = await this.ctx.connections.get(shopId)
    const tokens = await exchangeCode({ tokenUrl: oauthUrl(connection.gatewayUrl, 'token'), appKey: connection.appKey, appSecret: connection.appSecret, code, redirectUri })
    await this.ctx.connections.updateTokens(shopId, {
      session: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      sessionExpiresAt: tokens.expiresAt,
      refreshExpiresAt: tokens.refreshExpiresAt,
      sellerNick: tokens.userNick,
      userId: tokens.userId,
    })
    return shopId
  }
}
