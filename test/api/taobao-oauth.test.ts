import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSimulator } from '../../server/taobao/simulator'
import { allowGateway, startTestApp, type ApiClient, type TestApp } from '../support/app'
import { erp } from '../support/erp'

type Gateway = Awaited<ReturnType<ReturnType<typeof createSimulator>['listen']>>

let app: TestApp
let t: ReturnType<typeof erp>
/** two Taobao accounts of the same app */
let first: Gateway
let second: Gateway

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
  const account = (seed: number, sellerNick: string, sellerUserId: string) =>
    createSimulator({ seed, appKey: 'K', appSecret: 'S', session: null, mode: 'test', historyDays: 1, tradesPerHour: 2, sellerNick, sellerUserId }).listen(0, '127.0.0.1')
  first = await account(3, '甲店', '2200000000001')
  second = await account(4, '乙店', '2200000000002')
  for (const gateway of [first, second]) allowGateway(app, gateway.gatewayUrl)
})
afterAll(async () => {
  await first?.close()
  await second?.close()
  await app?.close()
})

async function connectedShop(name: string, gateway: Gateway, extra: Record<string, unknown> = {}) {
  return (await t.ok(app.api.post('/api/shops', { name, app_key: 'K', app_secret: 'S', gateway_url: gateway.gatewayUrl, ...extra }), 201)).data.shop as { id: number }
}

/** authorize-url → the (auto-approving) simulator → the callback URL on our server, and the browser cookie */
async function startAuthorization(shopId: number, api: ApiClient = app.api) {
  const asked = await api.get(`/api/shops/${shopId}/oauth/authorize-url`)
  expect(asked.status, JSON.stringify(asked.body)).toBe(200)
  const url = asked.body.data.url as string
  const approved = await fetch(url, { redirect: 'manual' })
  return {
    state: new URL(url).searchParams.get('state')!,
    cookie: asked.headers.get('set-cookie')!.split(';')[0],
    callback: approved.headers.get('location')!.replace(/^https?:\/\/[^/]+/, app.baseUrl),
  }
}

/** where the callback sends the browser, decoded */
async function land(callback: string, cookie?: string) {
  const res = await fetch(callback, { redirect: 'manual', headers: cookie ? { cookie } : {} })
  return decodeURIComponent(res.headers.get('location') ?? '')
}

const connection = async (shopId: number) => (await t.ok(app.api.get(`/api/shops/${shopId}`))).data.connection

describe('OAuth state', () => {
  it('is stored only as a digest, with an expiry', async () => {
    const shop = await connectedShop('摘要店', first)
    const { state } = await startAuthorization(shop.id)
    const rows = await app.ctx.db.knex('zg_oauth_states').where({ shop_id: shop.id })
    expect(rows).toHaveLength(1)
    expect(rows[0].state_hash).not.toContain(state)
    expect(Number(rows[0].expires_at) - Date.now()).toBeGreaterThan(9 * 60_000)
    expect(Number(rows[0].expires_at) - Date.now()).toBeLessThanOrEqual(10 * 60_000)
    expect(JSON.stringify(await app.ctx.db.knex('zg_shop_connections').where({ shop_id: shop.id }))).not.toContain(state)
  })

  it('works once: a second use of a successful callback is refused', async () => {
    const shop = await connectedShop('一次店', first)
    const { callback, cookie } = await startAuthorization(shop.id)
    expect(await land(callback, cookie)).toBe(`/shops/${shop.id}?authorized=1`)
    expect(await land(callback, cookie)).toMatch(/^\/shops\?authorized=0&error=this authorization link is not valid any more/)
  })

  it('is spent by a failed callback too', async () => {
    const shop = await connectedShop('失败店', first)
    const denied = await startAuthorization(shop.id)
    const deniedUrl = new URL(denied.callback)
    expect(await land(`${app.baseUrl}/api/taobao/oauth/callback?error=access_denied&state=${deniedUrl.searchParams.get('state')}`, denied.cookie)).toContain('淘宝授权未完成（access_denied）')
    expect(await land(denied.callback, denied.cookie)).toMatch(/not valid any more/)

    // From another browser (no cookie, or another one): refused, and the state is gone for everyone.
    const stolen = await startAuthorization(shop.id)
    expect(await land(stolen.callback)).toMatch(/^\/shops\?authorized=0&error=finish the authorization in the browser that started it/)
    expect(await land(stolen.callback, stolen.cookie)).toMatch(/not valid any more/)
    const other = await startAuthorization(shop.id)
    expect(await land(other.callback, 'zg_oauth=' + 'x'.repeat(43))).toMatch(/browser that started it/)
    expect((await connection(shop.id)).has_session).toBe(false)
  })

  it('expires after 10 minutes', async () => {
    const shop = await connectedShop('超时店', first)
    const { callback, cookie } = await startAuthorization(shop.id)
    await app.ctx.db.knex('zg_oauth_states').where({ shop_id: shop.id }).update({ expires_at: Date.now() - 1 })
    expect(await land(callback, cookie)).toMatch(/longer than 10 minutes/)
    expect((await connection(shop.id)).has_session).toBe(false)
  })

  it('needs the shop-binding permission to be made', async () => {
    const shop = await connectedShop('权限店', first)
    // every form permission of the packs, no capability: reads shops, may not bind them
    const viewer = await app.clientFor('viewer', 'staff')
    const res = await viewer.get(`/api/shops/${shop.id}/oauth/authorize-url`)
    expect(res.status).toBe(403)
    expect(res.body.error.reason).toBe('capability_denied')
    expect((await viewer.get(`/api/shops/${shop.id}`)).status).toBe(200)
  })
})

describe('a shop bound to a Taobao account', () => {
  it('refuses tokens of another account', async () => {
    const shop = await connectedShop('绑定店', first)
    const ok = await startAuthorization(shop.id)
    expect(await land(ok.callback, ok.cookie)).toBe(`/shops/${shop.id}?authorized=1`)
    expect(await app.ctx.db.knex('zg_shop_connections').where({ shop_id: shop.id }).first('taobao_user_id')).toMatchObject({ taobao_user_id: '2200000000001' })

    // Re-pointed at the same app, but the merchant signs in to Taobao as another shop's account.
    await t.ok(app.api.request('PUT', `/api/shops/${shop.id}/connection`, { app_key: 'K', app_secret: 'S', gateway_url: second.gatewayUrl, seller_nick: '甲店' }))
    const wrong = await startAuthorization(shop.id)
    const landed = await land(wrong.callback, wrong.cookie)
    expect(landed).toMatch(new RegExp(`^/shops/${shop.id}\\?authorized=0&error=the Taobao account "乙店" is not the one this shop is bound to \\("甲店"\\)`))
    expect(await connection(shop.id)).toMatchObject({ has_session: false, status: 'needs_reauth', seller_nick: '甲店' })

    // The right account is still welcome.
    await t.ok(app.api.request('PUT', `/api/shops/${shop.id}/connection`, { app_key: 'K', app_secret: 'S', gateway_url: first.gatewayUrl }))
    const again = await startAuthorization(shop.id)
    expect(await land(again.callback, again.cookie)).toBe(`/shops/${shop.id}?authorized=1`)
  })

  it('bound by hand (session and nick), refuses another nick and takes its own', async () => {
    const shop = await connectedShop('手工店', second, { session: 'hand-made', seller_nick: '甲店' })
    const wrong = await startAuthorization(shop.id)
    expect(await land(wrong.callback, wrong.cookie)).toMatch(/the Taobao account "乙店" is not the one this shop is bound to \("甲店"\)/)
    const mine = await connectedShop('手工店2', second, { session: 'hand-made', seller_nick: '乙店' })
    const right = await startAuthorization(mine.id)
    expect(await land(right.callback, right.cookie)).toBe(`/shops/${mine.id}?authorized=1`)
  })
})
