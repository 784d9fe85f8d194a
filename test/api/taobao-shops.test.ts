import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSimulator } from '../../server/taobao/simulator'
import { allowGateway, startTestApp, type TestApp } from '../support/app'
import { erp } from '../support/erp'

let app: TestApp
let gateway: Awaited<ReturnType<ReturnType<typeof createSimulator>['listen']>>
let t: ReturnType<typeof erp>

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
  const sim = createSimulator({ seed: 9, appKey: 'K', appSecret: 'S', session: null, mode: 'test', historyDays: 1, tradesPerHour: 5 })
  gateway = await sim.listen(0, '127.0.0.1')
  allowGateway(app, gateway.gatewayUrl)
}, 60_000)
afterAll(async () => {
  await gateway?.close()
  await app?.close()
})

describe('binding shops', () => {
  it('connects an existing shop record, authorizes it by OAuth, and never shows a secret', async () => {
    const shop = await t.create('shops', { name: '已有店铺', platform: 'taobao' })
    const bad = await app.api.request('PUT', `/api/shops/${shop.id}/connection`, { app_key: 'K' })
    expect(bad.status).toBe(400)
    const connected = (await t.ok(app.api.request('PUT', `/api/shops/${shop.id}/connection`, { app_key: 'K', app_secret: 'S', gateway_url: gateway.gatewayUrl }))).data
    expect(connected.connection).toMatchObject({ status: 'needs_reauth', has_session: false })
    const stored = await app.ctx.db.knex('zg_shop_connections').where({ shop_id: shop.id }).first()
    expect(stored.app_secret_sealed).toMatch(/^v1:/)
    expect(stored.app_secret_sealed).not.toContain('S:')

    // OAuth: the authorize page (the simulator approves at once in test mode) → our callback.
    // The state is bound to the asking browser by a cookie that only the callback gets back.
    const asked = await app.api.get(`/api/shops/${shop.id}/oauth/authorize-url`)
    const { url } = asked.body.data
    expect(url).toContain('client_id=K')
    expect(asked.headers.get('set-cookie')).toMatch(/^zg_oauth=[^;]+; Max-Age=600; Path=\/api\/taobao\/oauth; HttpOnly; SameSite=Lax/)
    const approved = await fetch(url, { redirect: 'manual' })
    const callback = approved.headers.get('location')!
    expect(callback).toContain('/api/taobao/oauth/callback?code=')
    const cookie = asked.headers.get('set-cookie')!.split(';')[0]
    const landed = await fetch(callback.replace(/^https?:\/\/[^/]+/, app.baseUrl), { redirect: 'manual', headers: { cookie } })
    expect(landed.headers.get('location')).toBe(`/shops/${shop.id}?authorized=1`)
    const after = (await t.ok(app.api.get(`/api/shops/${shop.id}`))).data
    expect(after.connection).toMatchObject({ status: 'active', has_session: true })
    expect(JSON.stringify(after)).not.toMatch(/"S"|access_token|refresh_token/)
    const run = (await t.ok(app.api.post(`/api/shops/${shop.id}/sync`, {}))).data
    expect(run.status).toBe('succeeded')
    expect((await t.ok(app.api.get('/api/shops'))).data.find((s: any) => s.shop.id === shop.id).last_run).toMatchObject({ status: 'succeeded', effects: expect.any(Object) })

    // A stale or forged callback goes back to a page that says so.
    const forged = await fetch(`${app.baseUrl}/api/taobao/oauth/callback?code=x&state=nope`, { redirect: 'manual' })
    expect(forged.headers.get('location')).toMatch(/^\/shops\?authorized=0&error=/)
    const denied = await fetch(`${app.baseUrl}/api/taobao/oauth/callback?error=access_denied`, { redirect: 'manual' })
    expect(decodeURIComponent(denied.headers.get('location')!)).toContain('淘宝授权未完成（access_denied）')
  })

  it('marks a run that died with its server as interrupted', async () => {
    const shop = (await t.ok(app.api.post('/api/shops', { name: '中断测试', app_key: 'K', app_secret: 'S', session: 'x', gateway_url: gateway.gatewayUrl }), 201)).data.shop
    await app.ctx.db.knex('zg_sync_runs').insert({ shop_id: shop.id, kind: 'incremental', status: 'running', started_at: Date.now() - 600_000 })
    const log = (await t.ok(app.api.get(`/api/shops/${shop.id}/sync-runs`))).data
    expect(log[0]).toMatchObject({ status: 'failed', message: expect.stringMatching(/interrupted/) })
  })

  it('refuses two stock rules for the same target', async () => {
    const shop = (await t.ok(app.api.get('/api/shops'))).data[0].shop
    const res = await app.api.request('PUT', `/api/shops/${shop.id}/stock-rules`, { rules: [{ scope: 'shop' }, { scope: 'shop', ratio_percent: 50 }] })
    expect(res.status).toBe(400)
    expect(res.body.error.message).toMatch(/rules\[1\]/)
  })
})
