import { createHash, randomBytes } from 'node:crypto'
import type { Knex } from 'knex'
import { badRequest, notFound } from '../lib/errors'
import type { SecretBox } from '../lib/secrets'
import { GatewayPolicy } from './gateways'

/** A shop's Taobao connection with its secrets opened — server-side use only, never sent out. */
export interface ShopConnection {
  shopId: number
  appKey: string
  appSecret: string
  session: string | null
  refreshToken: string | null
  sessionExpiresAt: number | null
  refreshExpiresAt: number | null
  gatewayUrl: string
  status: 'active' | 'needs_reauth' | 'disabled'
  statusReason: string | null
  scheduleMinutes: number
  tmcEnabled: boolean
  sellerNick: string | null
  /** the Taobao account an OAuth authorization bound the shop to */
  taobaoUserId: string | null
}

/** A pending OAuth authorization, as found (and spent) by its state. */
export interface OauthState {
  shopId: number
  userId: number
  browserHash: string
  expiresAt: number
}

/** What the API and the browser may see of a connection. */
export interface ConnectionView {
  shop_id: number
  app_key: string
  has_session: boolean
  session_expires_at: string | null
  /** the session expires within 7 days (or has): the merchant should re-authorize */
  expiry_warning: boolean
  gateway_url: string
  status: ShopConnection['status']
  status_reason: string | null
  schedule_minutes: number
  tmc_enabled: boolean
  seller_nick: string | null
}

export const SCHEDULES = [1, 5, 15, 60]
const WEEK = 7 * 86_400_000
export const OAUTH_STATE_TTL_MS = 10 * 60_000

export const sha256 = (secret: string) => createHash('sha256').update(secret).digest('hex')

export interface ConnectionInput {
  appKey: string
  appSecret: string
  session?: string | null
  refreshToken?: string | null
  sessionExpiresAt?: number | null
  refreshExpiresAt?: number | null
  gatewayUrl?: string | null
  scheduleMinutes?: number
  tmcEnabled?: boolean
  sellerNick?: string | null
}

/** Reads and writes zg_shop_connections, sealing secrets on the way in and opening them on the way out. */
export class ShopConnections {
  constructor(
    private readonly knex: Knex,
    private readonly secrets: SecretBox,
    private readonly defaultGateway: string,
    /** where shops' gateways may point (checked on binding and before every call) */
    readonly gateways: GatewayPolicy = new GatewayPolicy([], defaultGateway),
  ) {}

  async save(shopId: number, input: ConnectionInput, trx: Knex = this.knex): Promise<void> {
    if (!input.appKey?.trim() || !input.appSecret?.trim()) throw badRequest('app_key and app_secret are required').because('shop_credentials_required')
    if (input.scheduleMinutes !== undefined && !SCHEDULES.includes(input.scheduleMinutes)) throw badRequest(`schedule must be one of ${SCHEDULES.join(', ')} minutes`).because('bad_schedule', { choices: SCHEDULES.join(', ') })
    if (input.gatewayUrl && !/^https?:\/\/\S+$/.test(input.gatewayUrl)) throw badRequest('gateway_url must be an http(s) URL').because('bad_gateway_url')
    const now = Date.now()
    const row = {
      app_key: input.appKey.trim(),
      app_secret_sealed: this.secrets.seal(input.appSecret.trim()),
      session_sealed: input.session ? this.secrets.seal(input.session) : null,
      refresh_token_sealed: input.refreshToken ? this.secrets.seal(input.refreshToken) : null,
      session_expires_at: input.sessionExpiresAt ?? null,
      refresh_expires_at: input.refreshExpiresAt ?? null,
      gateway_url: input.gatewayUrl || null,
      seller_nick: input.sellerNick ?? null,
      schedule_minutes: input.scheduleMinutes ?? 5,
      tmc_enabled: input.tmcEnabled ?? false,
      status: input.session ? 'active' : 'needs_reauth',
      status_reason: input.session ? null : '尚未授权',
      updated_at: now,
    }
    const exists = await trx('zg_shop_connections').where({ shop_id: shopId }).first('shop_id')
    if (exists) await trx('zg_shop_connections').where({ shop_id: shopId }).update(row)
    else await trx('zg_shop_connections').insert({ shop_id: shopId, created_at: now, ...row })
  }

  /**
   * Forgets a shop's connection: its sealed keys and tokens, pending authorizations, and what its
   * sync kept (checkpoints, lease, retries, stock rules). The sync log stays as history.
   */
  async delete(shopId: number, trx: Knex = this.knex): Promise<boolean> {
    const deleted = await trx('zg_shop_connections').where({ shop_id: shopId }).delete()
    for (const table of ['zg_oauth_states', 'zg_sync_checkpoints', 'zg_sync_leases', 'zg_sync_retries', 'zg_stock_upload_rules']) await trx(table).where({ shop_id: shopId }).delete()
    return deleted > 0
  }

  async get(shopId: number): Promise<ShopConnection> {
    const row = await this.knex('zg_shop_connections').where({ shop_id: shopId }).first()
    if (!row) throw notFound(`shop ${shopId} has no Taobao connection`).because('shop_not_connected', { shop: shopId })
    return this.open(row)
  }

  async all(): Promise<ShopConnection[]> {
    return (await this.knex('zg_shop_connections').orderBy('shop_id')).map((row) => this.open(row))
  }

  async view(shopId: number): Promise<ConnectionView | null> {
    const row = await this.knex('zg_shop_connections').where({ shop_id: shopId }).first()
    return row ? toView(this.open(row)) : null
  }

  async updateTokens(shopId: number, tokens: { session: string; refreshToken?: string | null; sessionExpiresAt?: number | null; refreshExpiresAt?: number | null; sellerNick?: string | null; userId?: string | null }): Promise<void> {
    await this.knex('zg_shop_connections')
      .where({ shop_id: shopId })
      .update({
        session_sealed: this.secrets.seal(tokens.session),
        ...(tokens.refreshToken ? { refresh_token_sealed: this.secrets.seal(tokens.refreshToken) } : {}),
        session_expires_at: tokens.sessionExpiresAt ?? null,
        ...(tokens.refreshExpiresAt ? { refresh_expires_at: tokens.refreshExpiresAt } : {}),
        ...(tokens.sellerNick ? { seller_nick: tokens.sellerNick } : {}),
        ...(tokens.userId ? { taobao_user_id: tokens.userId } : {}),
        status: 'active',
        status_reason: null,
        updated_at: Date.now(),
      })
  }

  async markNeedsReauth(shopId: number, reason: string): Promise<void> {
    await this.knex('zg_shop_connections').where({ shop_id: shopId }).update({ status: 'needs_reauth', status_reason: reason, updated_at: Date.now() })
  }

  async setSchedule(shopId: number, minutes: number, tmcEnabled?: boolean): Promise<void> {
    if (!SCHEDULES.includes(minutes)) throw badRequest(`schedule must be one of ${SCHEDULES.join(', ')} minutes`).because('bad_schedule', { choices: SCHEDULES.join(', ') })
    await this.knex('zg_shop_connections')
      .where({ shop_id: shopId })
      .update({ schedule_minutes: minutes, ...(tmcEnabled === undefined ? {} : { tmc_enabled: tmcEnabled }), updated_at: Date.now() })
  }

  /** A new OAuth state for the shop, kept only as a digest, valid for 10 minutes, bound to a browser. */
  async createOauthState(shopId: number, userId: number, browser: string): Promise<string> {
    const state = randomBytes(24).toString('base64url')
    const now = Date.now()
    await this.knex('zg_oauth_states').where('expires_at', '<', now).delete()
    await this.knex('zg_oauth_states').insert({ state_hash: sha256(state), shop_id: shopId, user_id: userId, browser_hash: sha256(browser), created_at: now, expires_at: now + OAUTH_STATE_TTL_MS })
    return state
  }

  /** Spends a state: it is deleted on first use, whatever comes next. null when unknown or already used. */
  async takeOauthState(state: string): Promise<OauthState | null> {
    const key = { state_hash: sha256(state) }
    const row = await this.knex('zg_oauth_states').where(key).first()
    // Only the request whose delete succeeds may use it (two racing callbacks: one wins).
    if (!row || (await this.knex('zg_oauth_states').where(key).delete()) !== 1) return null
    return { shopId: Number(row.shop_id), userId: Number(row.user_id), browserHash: row.browser_hash, expiresAt: Number(row.expires_at) }
  }

  private open(row: Record<string, any>): ShopConnection {
    return {
      shopId: Number(row.shop_id),
      appKey: row.app_key,
      appSecret: this.secrets.open(row.app_secret_sealed),
      session: row.session_sealed ? this.secrets.open(row.session_sealed) : null,
      refreshToken: row.refresh_token_sealed ? this.secrets.open(row.refresh_token_sealed) : null,
      sessionExpiresAt: row.session_expires_at == null ? null : Number(row.session_expires_at),
      refreshExpiresAt: row.refresh_expires_at == null ? null : Number(row.refresh_expires_at),
      gatewayUrl: row.gateway_url || this.defaultGateway,
      status: row.status,
      statusReason: row.status_reason ?? null,
      scheduleMinutes: Number(row.schedule_minutes),
      tmcEnabled: Boolean(row.tmc_enabled),
      sellerNick: row.seller_nick ?? null,
      taobaoUserId: row.taobao_user_id || null,
    }
  }
}

export function toView(c: ShopConnection, now = Date.now()): ConnectionView {
  return {
    shop_id: c.shopId,
    app_key: c.appKey,
    has_session: Boolean(c.session),
    session_expires_at: c.sessionExpiresAt ? new Date(c.sessionExpiresAt).toISOString() : null,
    expiry_warning: c.sessionExpiresAt !== null && c.sessionExpiresAt - now < WEEK,
    gateway_url: c.gatewayUrl,
    status: c.status,
    status_reason: c.statusReason,
    schedule_minutes: c.scheduleMinutes,
    tmc_enabled: c.tmcEnabled,
    seller_nick: c.sellerNick,
  }
}
