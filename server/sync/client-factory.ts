import { refreshToken, shopRateLimiter, TaobaoApi, TopClient, type TopClientOptions } from '../taobao'
import type { ShopConnection, ShopConnections } from './connections'

/** Calls per second a shop's sync may make (kept under what Taobao allows a typical ISV app). */
export const SHOP_QPS = 40

/**
 * The TOP client of a shop: its gateway, keys and session; a per-shop rate limiter; one session
 * refresh (saving the new tokens sealed), else the shop is marked 需要重新授权 and its sync stops.
 */
export function apiFor(connection: ShopConnection, connections: ShopConnections, overrides: Partial<TopClientOptions> = {}): { client: TopClient; api: TaobaoApi } {
  const client = new TopClient({
    gatewayUrl: connection.gatewayUrl,
    appKey: connection.appKey,
    appSecret: connection.appSecret,
    session: connection.session,
    rateLimiter: shopRateLimiter(`shop:${connection.shopId}`, SHOP_QPS),
    checkUrl: (url) => connections.gateways.assert(url),
    refreshSession: async () => {
      if (!connection.refreshToken) return null
      if (connection.refreshExpiresAt !== null && connection.refreshExpiresAt < Date.now()) return null
      try {
        const tokenUrl = oauthUrl(connection.gatewayUrl, 'token')
        connections.gateways.assert(tokenUrl)
        const tokens = await refreshToken({
          tokenUrl,
          appKey: connection.appKey,
          appSecret: connection.appSecret,
          refreshToken: connection.refreshToken,
        })
        await connections.updateTokens(connection.shopId, {
          session: tokens.accessToken,
          refreshToken: tokens.refreshToken,
          sessionExpiresAt: tokens.expiresAt,
          refreshExpiresAt: tokens.refreshExpiresAt,
        })
        return tokens.accessToken
      } catch {
        return null
      }
    },
    onSessionInvalid: async (error) => {
      await connections.markNeedsReauth(connection.shopId, `授权已失效（${error.subCode ?? error.code}），请重新授权`)
    },
    ...overrides,
  })
  return { client, api: new TaobaoApi(client) }
}

/**
 * OAuth endpoints that go with a gateway: Taobao's own for the real gateway, the simulator's
 * `/authorize` and `/token` beside its `/router/rest`.
 */
export function oauthUrl(gatewayUrl: string, endpoint: 'authorize' | 'token'): string {
  if (/gw\.api\.(taobao|tbsandbox)\.com/.test(gatewayUrl)) {
    return `https://oauth.${gatewayUrl.includes('tbsandbox') ? 'tbsandbox' : 'taobao'}.com/${endpoint}`
  }
  return gatewayUrl.replace(/\/router\/rest\/?$/, `/${endpoint}`)
}
