import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WriteEvent } from '../../server/records/types'
import { runScheduledSyncs } from '../../server/sync/scheduler'
import { allowGateway, startTestApp, type ApiClient, type TestApp } from '../support/app'

/**
 * A gateway that counts what reaches it and answers with words of its own (a TOP error whose
 * msg and sub_msg must never be shown back).
 */
interface CountingGateway {
  url: string
  hits: number
  close(): Promise<void>
}

async function countingGateway(host = '127.0.0.1'): Promise<CountingGateway> {
  const gateway = { url: '', hits: 0, close: async () => {} }
  const server = http.createServer((req, res) => {
    gateway.hits++
    req.resume()
    res.writeHead(502, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error_response: { code: 15, msg: 'LEAKED-internal-detail', sub_code: 'isv.something-<b>bad</b>', sub_msg: 'LEAKED db password hunter2' } }))
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  gateway.url = `http://${host}:${(server.address() as AddressInfo).port}/router/rest`
  gateway.close = () => new Promise((resolve) => server.close(() => resolve()))
  return gateway
}

let app: TestApp
let member: ApiClient
let refused: CountingGateway
let allowed: CountingGateway
const shopEvents: string[] = []

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  // every form permission, no capability (no shops.manage)
  member = await app.clientFor('clerk', 'staff')
  refused = await countingGateway()
  allowed = await countingGateway()
  // as ZG_TAOBAO_GATEWAYS=http://127.0.0.1:<port> would
  allowGateway(app, allowed.url)
  app.ctx.hooks.on('afterCommit', 'shops', (event: WriteEvent) => {
    shopEvents.push(`${event.action}:${event.records.map((r) => r.id).join(',')}`)
  })
})
afterAll(async () => {
  await refused?.close()
  await allowed?.close()
  await app?.close()
})

const shopCount = async () => Number((await app.ctx.db.knex('f_shops').count({ n: '*' }))[0].n)
const auditOf = (form: string, recordId: number) => app.ctx.db.knex('zg_audit').where({ form, record_id: recordId }).orderBy('id')

describe('the gateway allow-list', () => {
  it('refuses a gateway that is not allowed with 422, before any call and before saving anything', async () => {
    const before = await shopCount()
    const bound = await app.api.post('/api/shops', { name: '内网店', app_key: 'K', app_secret: 'S', session: 'T', gateway_url: refused.url })
    expect(bound.status).toBe(422)
    expect(bound.body.error).toMatchObject({ reason: 'gateway_private_address', params: { host: '127.0.0.1' } })
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[::1]:9/router/rest', 'https://evil.example/router/rest']) {
      const other = await app.api.post('/api/shops', { name: '内网店', app_key: 'K', app_secret: 'S', gateway_url: url })
      expect(other.status, url).toBe(422)
    }
    expect(await shopCount()).toBe(before)
    expect(refused.hits).toBe(0)
  })

  it('lets only users who may manage shops set a custom gateway', async () => {
    const byMember = await member.post('/api/shops', { name: '店员的店', app_key: 'K', app_secret: 'S', gateway_url: allowed.url })
    expect(byMember.status).toBe(403)
    // refused by the route (binding needs shops.manage), and by the shop service for a custom gateway
    expect(['capability_denied', 'gateway_needs_capability']).toContain(byMember.body.error.reason)
    expect(allowed.hits).toBe(0)
  })

  it('binds an allow-listed gateway through the records service: audit row, binding event without secrets, hooks', async () => {
    shopEvents.length = 0
    const bound = await app.api.post('/api/shops', { name: '允许的店', app_key: 'K', app_secret: 'TOP-SECRET', session: 'SESSION-SECRET', gateway_url: allowed.url })
    expect(bound.status).toBe(201)
    const id = bound.body.data.shop.id as number
    expect(bound.body.data.connection.gateway_url).toBe(allowed.url)
    expect(shopEvents).toEqual([`create:${id}`])
    const [created] = await auditOf('shops', id)
    expect(created).toMatchObject({ action: 'create', user_id: expect.anything() })
    const [bind] = await auditOf('$shops', id)
    expect(bind).toMatchObject({ action: 'shop_bind', actor_name: 'admin' })
    expect(JSON.parse(bind.changes)).toMatchObject({ app_key: 'K', gateway_url: allowed.url, has_session: true })
    expect(bind.changes).not.toMatch(/SECRET/)

    // rebinding to a refused gateway: 422, nothing changed, nothing called
    const rebound = await app.api.request('PUT', `/api/shops/${id}/connection`, { app_key: 'K', app_secret: 'S', session: 'T', gateway_url: refused.url })
    expect(rebound.status).toBe(422)
    expect((await app.api.get(`/api/shops/${id}`)).body.data.connection.gateway_url).toBe(allowed.url)
    expect(refused.hits).toBe(0)
  })

  it("keeps the sync's error to codes: what the gateway answered is not echoed", async () => {
    const id = (await app.api.post('/api/shops', { name: '报错的店', app_key: 'K', app_secret: 'S', session: 'T', gateway_url: allowed.url })).body.data.shop.id
    const run = (await app.api.post(`/api/shops/${id}/sync`, {})).body.data
    expect(allowed.hits).toBeGreaterThan(0)
    expect(run.status).toBe('failed')
    expect(run.message).toContain('HTTP 502')
    expect(run.message).toContain('code 15')
    expect(run.message).not.toMatch(/LEAKED|hunter2|<b>/)
    const [logged] = (await app.api.get(`/api/shops/${id}/sync-runs`)).body.data
    expect(logged.message).toBe(run.message)
  })

  it('checks the gateway again before every call', async () => {
    const id = (await app.api.post('/api/shops', { name: '改了网关的店', app_key: 'K', app_secret: 'S', session: 'T', gateway_url: allowed.url })).body.data.shop.id
    // the stored URL changed behind the API's back
    await app.ctx.db.knex('zg_shop_connections').where({ shop_id: id }).update({ gateway_url: refused.url })
    const run = (await app.api.post(`/api/shops/${id}/sync`, {})).body.data
    expect(run.status).toBe('failed')
    expect(run.message).toMatch(/loopback, private/)
    expect(refused.hits).toBe(0)
  })
})

describe('a deleted shop', () => {
  it('loses its sealed credentials with its record, and the scheduler no longer syncs it', async () => {
    const id = (await app.api.post('/api/shops', { name: '将删除的店', app_key: 'K', app_secret: 'S', session: 'T', gateway_url: allowed.url })).body.data.shop.id as number
    expect(await app.ctx.db.knex('zg_shop_connections').where({ shop_id: id }).first()).toBeTruthy()
    shopEvents.length = 0
    expect((await app.api.delete(`/api/forms/shops/records/${id}`)).status).toBe(204)
    expect(shopEvents).toEqual([`delete:${id}`])
    expect(await app.ctx.db.knex('zg_shop_connections').where({ shop_id: id }).first()).toBeUndefined()
    const unbind = (await auditOf('$shops', id)).find((e) => e.action === 'shop_unbind')
    expect(unbind).toMatchObject({ actor_name: 'admin' })

    // a shop record removed around the records service: its connection is dropped, not synced
    const other = (await app.api.post('/api/shops', { name: '绕过删除的店', app_key: 'K', app_secret: 'S', session: 'T', gateway_url: allowed.url })).body.data.shop.id as number
    await app.ctx.db.knex('f_shops').where({ id: other }).delete()
    // every other shop of this file has synced just now (or is not active): only due shops would be synced
    const synced = await runScheduledSyncs(app.ctx, () => {})
    expect(synced).not.toContain(id)
    expect(synced).not.toContain(other)
    expect(await app.ctx.db.knex('zg_shop_connections').whereIn('shop_id', [id, other]).first()).toBeUndefined()
  })
})
