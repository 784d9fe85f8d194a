import type { Actor } from '../access/actor'
import { hasCapability } from '../access/policy'
import { logEvent } from '../audit/events'
import { findUser } from '../auth/users'
import type { AppContext } from '../context'
import { badRequest, forbidden, notFound } from '../lib/errors'
import { OFFICIAL_GATEWAY_ORIGINS } from '../taobao/gateway-policy'
import { authorizeUrl, exchangeCode } from '../taobao'
import { oauthUrl } from './client-factory'
import { sha256, type ConnectionView } from './connections'
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
    if (!appKey || !appSecret) throw badRequest('app_key and app_secret are required to bind a Taobao shop').because('shop_credentials_required')
    const platform = str(input.platform) ?? 'taobao'
    if (platform !== 'taobao' && platform !== 'tmall') throw badRequest('platform must be taobao or tmall').because('bad_platform')
    const gatewayUrl = this.checkGateway(actor, input.gateway_url)
    // Through the records service: the shop record gets its audit row and after-commit hooks.
    const shop = await this.ctx.records.as(actor).transaction(async (records, trx) => {
      const shop = await records.create('shops', { name: input.name, platform, seller_nick: input.seller_nick ?? null })
      await this.ctx.connections.save(
        shop.id,
        {
          appKey,
          appSecret,
          session: str(input.session),
          refreshToken: str(input.refresh_token),
          sessionExpiresAt: typeof input.session_expires_at === 'string' ? Date.parse(input.session_expires_at) || null : null,
          gatewayUrl,
          scheduleMinutes: input.schedule_minutes === undefined ? undefined : Number(input.schedule_minutes),
          tmcEnabled: input.tmc_enabled === true,
          sellerNick: str(input.seller_nick),
        },
        trx,
      )
      await logEvent(trx, { subject: '$shops', targetId: shop.id, action: 'shop_bind', actor, details: bindingDetails(appKey, gatewayUrl, input) })
      return shop
    })
    return { shop, connection: await this.ctx.connections.view(shop.id) }
  }

  /**
   * A shop's own gateway URL, checked before anything is saved or called: a custom one (not
   * Taobao's) needs the shops.manage capability, and every one must pass the allow-list (422).
   */
  private checkGateway(actor: Actor, value: unknown): string | null {
    const url = str(value)
    if (url === null) return null
    let origin: string | null = null
    try {
      origin = new URL(url).origin
    } catch {
      // refused below as a bad URL
    }
    if (!(origin && OFFICIAL_GATEWAY_ORIGINS.includes(origin)) && !hasCapability(this.ctx.access, actor, 'shops.manage')) {
      throw forbidden('only users who may manage shops can set a custom gateway URL').because('gateway_needs_capability', { capability: 'shops.manage' })
    }
    this.ctx.connections.gateways.assert(url)
    return url
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
    if (!appKey || !appSecret) throw badRequest('app_key and app_secret are required to connect a Taobao shop').because('shop_credentials_required')
    const gatewayUrl = this.checkGateway(actor, input.gateway_url)
    await this.ctx.records.as(actor).transaction(async (_records, trx) => {
      await this.ctx.connections.save(
        shopId,
        {
          appKey,
          appSecret,
          session: str(input.session),
          refreshToken: str(input.refresh_token),
          gatewayUrl,
          scheduleMinutes: input.schedule_minutes === undefined ? undefined : Number(input.schedule_minutes),
          tmcEnabled: input.tmc_enabled === true,
          sellerNick: str(input.seller_nick),
        },
        trx,
      )
      await logEvent(trx, { subject: '$shops', targetId: shopId, action: 'shop_rebind', actor, details: bindingDetails(appKey, gatewayUrl, input) })
    })
    return this.get(actor, shopId)
  }

  async get(actor: Actor, shopId: number) {
    const shop = await this.ctx.records.as(actor).get('shops', shopId)
    return { shop, connection: await this.ctx.connections.view(shopId), last_run: await new SyncRuns(this.ctx.db.knex).last(shopId) }
  }

  async updateSchedule(actor: Actor, shopId: number, minutes: unknown, tmc: unknown) {
    await this.ctx.records.as(actor).get('shops', shopId)
    if ((await this.ctx.connections.view(shopId)) === null) throw notFound(`shop ${shopId} has no Taobao connection`).because('shop_not_connected', { shop: shopId })
    await this.ctx.connections.setSchedule(shopId, Number(minutes), typeof tmc === 'boolean' ? tmc : undefined)
    return this.get(actor, shopId)
  }

  async sync(actor: Actor, shopId: number, full = false) {
    await this.ctx.records.as(actor).get('shops', shopId)
    return new TradeSync(this.ctx, this.ctx.connections).run(shopId, { full })
  }

  /**
   * The page the merchant approves the app on. Authorizing changes whose orders the shop receives,
   * so it needs update rights. The state ties the callback to this shop and to `browser` (a cookie
   * of the browser that asked), for 10 minutes and one use.
   */
  async authorizeUrl(actor: Actor, shopId: number, redirectUri: string, browser: string): Promise<string> {
    ctx_check(this.ctx, actor)
    if (actor.userId === null) throw badRequest('only a signed-in user can authorize a shop').because('oauth_needs_user')
    await this.ctx.records.as(actor).get('shops', shopId)
    const connection = await this.ctx.connections.get(shopId)
    const state = await this.ctx.connections.createOauthState(shopId, actor.userId, browser)
    return authorizeUrl({ authorizeBase: oauthUrl(connection.gatewayUrl, 'authorize'), appKey: connection.appKey, redirectUri, state })
  }

  /** Spends the callback's state (on first use, whatever the outcome) and answers the shop it was made for. */
  async redeemOauthState(state: string | undefined, browser: string | undefined): Promise<number> {
    const pending = state ? await this.ctx.connections.takeOauthState(state) : null
    if (!pending) throw badRequest('this authorization link is not valid any more; start again from the shop page').because('oauth_link_invalid')
    if (pending.expiresAt < Date.now()) throw badRequest('this authorization took longer than 10 minutes; start again from the shop page').because('oauth_expired')
    if (!browser || sha256(browser) !== pending.browserHash) throw badRequest('finish the authorization in the browser that started it; start again from the shop page').because('oauth_other_browser')
    const user = await findUser(this.ctx.db.knex, pending.userId)
    if (!user || user.disabled) throw badRequest('the user who started this authorization cannot sign in any more').because('oauth_user_disabled')
    return pending.shopId
  }

  /**
   * OAuth callback: code → tokens, sealed and saved; the shop is active again. A shop already bound
   * to a Taobao account only takes tokens of that same account: another account's orders would mix in.
   */
  async completeAuthorization(shopId: number, code: string, redirectUri: string): Promise<number> {
    const connection = await this.ctx.connections.get(shopId)
    this.ctx.connections.gateways.assert(oauthUrl(connection.gatewayUrl, 'token'))
    const tokens = await exchangeCode({ tokenUrl: oauthUrl(connection.gatewayUrl, 'token'), appKey: connection.appKey, appSecret: connection.appSecret, code, redirectUri })
    const otherId = connection.taobaoUserId && tokens.userId && tokens.userId !== connection.taobaoUserId
    // Bound by hand (a session and its nick, no OAuth yet): the nick is all there is to compare.
    const otherNick = !connection.taobaoUserId && connection.session && connection.sellerNick && tokens.userNick && tokens.userNick !== connection.sellerNick
    if (otherId || otherNick) {
      throw badRequest(
        `the Taobao account "${tokens.userNick || tokens.userId}" is not the one this shop is bound to ("${connection.sellerNick ?? connection.taobaoUserId}"); nothing was saved. ` +
          "Sign in to Taobao as the shop's account and authorize again, or bind the other account as a new shop",
      ).because('oauth_other_account', { expected: String(connection.sellerNick ?? connection.taobaoUserId), got: String(tokens.userNick || tokens.userId) })
    }
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

/** What the audit trail keeps of a binding: never the secret, the session or the refresh token. */
function bindingDetails(appKey: string, gatewayUrl: string | null, input: ShopInput) {
  return { app_key: appKey, gateway_url: gatewayUrl, seller_nick: str(input.seller_nick), has_session: Boolean(str(input.session)), schedule_minutes: input.schedule_minutes ?? null, tmc_enabled: input.tmc_enabled === true }
}
