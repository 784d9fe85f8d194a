import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSimulator } from '../../server/taobao/simulator'
import { processShipments } from '../../server/sync/shipping'
import { MAX_RETRY_ATTEMPTS, TradeSync } from '../../server/sync/trade-sync'
import { allowGateway, startTestApp, type TestApp } from '../support/app'
import { erp } from '../support/erp'

/** How the sync recovers: trades it could not store, resumed first syncs, leases, sends and uploads that race. */

const HOUR = 3_600_000
const catalog = {
  items: [
    { title: '纯棉圆领短袖T恤', outerId: 'TX1', price: '59.00', skus: [{ outerId: 'TX1-W-M', properties: '颜色分类:白色;尺码:M', quantity: 100 }] },
    { title: '陶瓷马克杯', outerId: 'MUG', price: '35.00', skus: [{ outerId: 'MUG-WHITE', properties: '颜色分类:哑光白', quantity: 100 }] },
  ],
}
type Simulator = ReturnType<typeof createSimulator>
type Gateway = Awaited<ReturnType<Simulator['listen']>>

let app: TestApp
let t: ReturnType<typeof erp>
let data: Awaited<ReturnType<ReturnType<typeof erp>['masterData']>>
const gateways: Gateway[] = []

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
  data = await t.masterData(catalog.items.flatMap((item) => item.skus.map((s) => ({ outer_id: s.outerId }))))
  await t.receive(data.main.id, data.skus.map((s: any) => ({ sku: s.id, qty: 1000, cost: '20.00' })))
  await t.create('settings', { default_warehouse: data.main.id })
  // the stock changes above reach no shop (none is bound yet)
  await app.ctx.stock!.uploadChanged()
}, 120_000)
afterAll(async () => {
  for (const gateway of gateways) await gateway.close()
  await app?.close()
})

/** A simulated shop on its own gateway, bound to the ERP. */
async function bindShop(name: string, options: { seed: number; historyDays: number; tradesPerHour: number }) {
  const sim = createSimulator({ ...options, appKey: 'K', appSecret: 'S', session: 'T', mode: 'test', startTime: '2026-11-20 12:00:00', catalog })
  const gateway = await sim.listen(0, '127.0.0.1')
  gateways.push(gateway)
  allowGateway(app, gateway.gatewayUrl)
  const shopId = (await t.ok(app.api.post('/api/shops', { name, platform: 'taobao', app_key: 'K', app_secret: 'S', session: 'T', gateway_url: gateway.gatewayUrl }), 201)).data.shop.id as number
  const truth = async (query = 'trades=1') => (await (await fetch(`${gateway.url}/__sim/truth?${query}`)).json()) as any
  const faults = (body: unknown) => fetch(`${gateway.url}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const sync = async () => (await t.ok(app.api.post(`/api/shops/${shopId}/sync`, {}))).data
  const storedTrade = (tid: string) => app.ctx.db.knex('f_platform_trades').where({ shop: shopId, tid }).first('status', 'modified')
  return { sim, gateway, shopId, truth, faults, sync, storedTrade }
}

/**
 * Writes of platform_trades fail for one trade (the first one written after arming) while
 * `failing` says so: a deadlock, a busy database, data the ERP refuses.
 */
function failOneTrade(failing: (attempt: number) => boolean = () => true) {
  const state = { tid: null as string | null, attempts: 0 }
  const off = app.ctx.hooks.on('beforeCommit', 'platform_trades', (event) => {
    for (const record of event.records) {
      const tid = String(record.after?.tid)
      state.tid ??= tid
      if (tid === state.tid && failing(++state.attempts)) throw new Error('simulated write failure')
    }
  })
  return { state, off }
}

/** Trades settled by `syncedUntil` are stored as the simulator has them, except those on the retry list. */
async function expectMatchesTruth(shop: Awaited<ReturnType<typeof bindShop>>, syncedUntil: string) {
  const until = Date.parse(syncedUntil)
  const rows = await app.ctx.db.knex('f_platform_trades').where({ shop: shop.shopId }).select('tid', 'status', 'modified')
  const mine = new Map(rows.map((r: any) => [String(r.tid), r]))
  const waiting = new Set((await app.ctx.db.knex('zg_sync_retries').where({ shop_id: shop.shopId }).select('tid')).map((r: any) => String(r.tid)))
  const stale: string[] = []
  let settled = 0
  for (const trade of (await shop.truth()).trade_list) {
    if (trade.modified_ms > until - 1000 || waiting.has(trade.tid)) continue
    settled++
    const row = mine.get(trade.tid)
    if (!row || row.status !== trade.status || Number(row.modified) !== trade.modified_ms) stale.push(`${trade.tid}: ${row?.status ?? 'missing'} ≠ ${trade.status}`)
  }
  expect(stale).toEqual([])
  return settled
}

describe('trades the sync could not store', () => {
  let shop: Awaited<ReturnType<typeof bindShop>>
  beforeAll(async () => {
    shop = await bindShop('重试店', { seed: 7, historyDays: 1, tradesPerHour: 20 })
    expect(await shop.sync()).toMatchObject({ status: 'succeeded', kind: 'initial', failed: 0 })
  }, 120_000)

  it('wait on the retry list while the checkpoint moves on; the next run reads them in full and stores them', async () => {
    shop.sim.clock.advance(2 * HOUR)
    // Fails twice: the page's batch and the trade on its own.
    const broken = failOneTrade((attempt) => attempt <= 2)
    const failed = await shop.sync()
    broken.off()
    const victim = broken.state.tid!
    expect(failed).toMatchObject({ status: 'succeeded', failed: 1, retry_pending: 1 })
    expect(failed.message).toMatch(/1 笔交易未能保存，已记入重试列表/)
    expect(failed.errors).toContain(`${victim}: simulated write failure`)
    expect(await app.ctx.db.knex('zg_sync_retries').where({ shop_id: shop.shopId }).select('tid', 'attempts')).toEqual([{ tid: victim, attempts: 1 }])
    const platform = (await shop.truth()).trade_list.find((trade: any) => trade.tid === victim)
    expect(Number((await shop.storedTrade(victim))?.modified ?? 0)).not.toBe(platform.modified_ms)
    // The checkpoint moved past the trade: only the retry list brings it back.
    const checkpoint = await app.ctx.db.knex('zg_sync_checkpoints').where({ shop_id: shop.shopId, stream: 'trades' }).first()
    expect(Number(checkpoint.synced_until)).toBe(Date.parse(failed.synced_until))
    expect(Number(checkpoint.synced_until) - 30 * 60_000).toBeGreaterThan(platform.modified_ms)

    const next = await shop.sync()
    expect(next).toMatchObject({ status: 'succeeded', failed: 0, retried: 1, retry_pending: 0 })
    expect(next.message).toMatch(/重试列表中 1 笔交易已保存/)
    expect(await shop.storedTrade(victim)).toMatchObject({ status: platform.status })
    expect(Number((await shop.storedTrade(victim))!.modified)).toBe(platform.modified_ms)
    expect(await app.ctx.db.knex('zg_sync_retries').where({ shop_id: shop.shopId })).toEqual([])
    await expectMatchesTruth(shop, next.synced_until)
  })

  it(`gives up after ${MAX_RETRY_ATTEMPTS} failed attempts, saying so in the run log`, async () => {
    shop.sim.clock.advance(HOUR)
    const broken = failOneTrade()
    const runs = []
    for (let i = 0; i < MAX_RETRY_ATTEMPTS; i++) {
      runs.push(await shop.sync())
      shop.sim.clock.advance(10 * 60_000)
    }
    broken.off()
    const victim = broken.state.tid!
    expect(runs.map((run) => run.failed)).toEqual(runs.map(() => 1))
    expect(runs.map((run) => run.retry_pending)).toEqual([1, 1, 1, 1, 0])
    const last = runs.at(-1)
    expect(last.message).toMatch(/1 笔交易多次重试仍未保存，已放弃/)
    expect(last.errors.some((e: string) => e.startsWith(`${victim}: 已尝试 ${MAX_RETRY_ATTEMPTS} 次仍未保存`) && e.includes('simulated write failure'))).toBe(true)
    const log = (await t.ok(app.api.get(`/api/shops/${shop.shopId}/sync-runs`))).data
    expect(log[0].errors.some((e: string) => e.startsWith(`${victim}: 已尝试`))).toBe(true)
    expect(await app.ctx.db.knex('zg_sync_retries').where({ shop_id: shop.shopId })).toEqual([])
  })

  it('confirms only the TMC messages whose trades were stored', async () => {
    await t.ok(app.api.patch(`/api/shops/${shop.shopId}`, { schedule_minutes: 5, tmc_enabled: true }))
    await shop.sync()
    shop.sim.clock.advance(45 * 60_000)
    const broken = failOneTrade()
    const consumed = (await t.ok(app.api.post(`/api/shops/${shop.shopId}/tmc/consume`, {}))).data
    broken.off()
    const victim = broken.state.tid!
    expect(consumed.failed).toBeGreaterThanOrEqual(1)
    expect(consumed.trades).toBeGreaterThan(1)
    // The victim's messages wait for another delivery; the trade is also on the retry list.
    expect((await shop.truth('')).tmc.pending).toBeGreaterThan(0)
    expect((await app.ctx.db.knex('zg_sync_retries').where({ shop_id: shop.shopId })).map((r: any) => r.tid)).toEqual([victim])

    shop.sim.clock.advance(6 * 60_000) // past the redelivery delay
    const again = (await t.ok(app.api.post(`/api/shops/${shop.shopId}/tmc/consume`, {}))).data
    expect(again.failed).toBe(0)
    expect((await shop.truth('')).tmc.pending).toBe(0)
    const platform = (await shop.truth()).trade_list.find((trade: any) => trade.tid === victim)
    expect(await shop.storedTrade(victim)).toMatchObject({ status: platform.status })
    expect(await app.ctx.db.knex('zg_sync_retries').where({ shop_id: shop.shopId })).toEqual([])
    await t.ok(app.api.patch(`/api/shops/${shop.shopId}`, { schedule_minutes: 5, tmc_enabled: false }))
  })
})

describe('a first sync that was interrupted', () => {
  it('resumes, then reads again what changed since the first run began', async () => {
    const shop = await bindShop('续传店', { seed: 11, historyDays: 20, tradesPerHour: 4 })
    let pages = 0
    const crashing = new TradeSync(app.ctx, app.ctx.connections, {
      afterPage: () => {
        if (++pages === 27) throw new Error('killed')
      },
    })
    const crashed = await crashing.run(shop.shopId)
    expect(crashed).toMatchObject({ status: 'failed', kind: 'initial', message: 'killed' })
    expect(crashed.created).toBeGreaterThan(0)
    const began = shop.sim.clock.now()
    // Two days pass: trades in the weeks already stored ship, finish, close.
    shop.sim.clock.advance(48 * HOUR)
    const changed = (await shop.truth()).trade_list.filter((trade: any) => trade.created_ms < began - 8 * 24 * HOUR && trade.modified_ms > began)
    expect(changed.length).toBeGreaterThan(0)

    const resumed = await shop.sync()
    expect(resumed).toMatchObject({ status: 'succeeded', kind: 'initial' })
    expect(Date.parse(resumed.synced_until)).toBeGreaterThan(began + 47 * HOUR)
    expect(await expectMatchesTruth(shop, resumed.synced_until)).toBeGreaterThan(1000)
    const streams = await app.ctx.db.knex('zg_sync_checkpoints').where({ shop_id: shop.shopId }).select('stream', 'synced_until')
    expect(streams.map((s: any) => s.stream)).toEqual(['trades'])
    expect(Number(streams[0].synced_until)).toBe(Date.parse(resumed.synced_until))

    // A full sync starts over: the initial state of an interrupted run is cleared too.
    await app.ctx.db.knex('zg_sync_checkpoints').insert({ shop_id: shop.shopId, stream: 'trades_initial_started', synced_until: began - 24 * HOUR, updated_at: Date.now() })
    const full = (await t.ok(app.api.post(`/api/shops/${shop.shopId}/sync`, { full: true }))).data
    expect(full).toMatchObject({ status: 'succeeded', kind: 'initial', created: 0 })
    // created windows only: no catching up after an earlier run
    expect(full.windows).toBeLessThanOrEqual(14)
    const after = await app.ctx.db.knex('zg_sync_checkpoints').where({ shop_id: shop.shopId }).select('stream', 'synced_until')
    expect(after.map((s: any) => s.stream)).toEqual(['trades'])
    expect(Number(after[0].synced_until)).toBeGreaterThan(shop.sim.clock.now() - HOUR)
  }, 120_000)
})

describe('the sync lease', () => {
  it('is not taken (or kept) for a shop without a Taobao connection', async () => {
    const shop = await t.create('shops', { name: '未绑定店', platform: 'taobao', seller_nick: '未绑定店' })
    for (let i = 0; i < 2; i++) expect((await app.api.post(`/api/shops/${shop.id}/sync`, {})).status).toBe(404)
    expect((await app.api.post(`/api/shops/${shop.id}/tmc/consume`, {})).status).toBe(404)
    expect(await app.ctx.db.knex('zg_sync_leases').where({ shop_id: shop.id })).toEqual([])
  })
})

describe('shipping write-back', () => {
  let shop: Awaited<ReturnType<typeof bindShop>>
  let orders: { id: number; tid: string }[]
  const sendsOf = async (tid: string) => (await shop.truth('')).logistics_sends.filter((s: any) => s.tid === tid)
  const queue = (order: { id: number; tid: string }, outSid: string, extra: Record<string, unknown> = {}) =>
    app.ctx.db.knex('zg_logistics_sends').insert({ shop_id: shop.shopId, order_id: order.id, tid: order.tid, sub_tids: null, company_code: 'ZTO', out_sid: outSid, status: 'pending', created_at: Date.now(), updated_at: Date.now(), ...extra })
  const sendRow = (tid: string, outSid: string) => app.ctx.db.knex('zg_logistics_sends').where({ tid, out_sid: outSid }).orderBy('id', 'desc').first()

  beforeAll(async () => {
    shop = await bindShop('发货店', { seed: 5, historyDays: 1, tradesPerHour: 20 })
    expect(await shop.sync()).toMatchObject({ status: 'succeeded' })
    const pending = await t.list('orders', { filter: { and: [{ field: 'status', op: 'eq', value: 'pending' }, { field: 'shop', op: 'eq', value: shop.shopId }] }, sort: 'id', limit: 5 })
    orders = []
    for (const order of pending) {
      const trades = order.trades ?? []
      if (trades.length !== 1) continue
      orders.push({ id: order.id, tid: String((await t.get('platform_trades', trades[0].id)).tid) })
    }
    expect(orders.length).toBeGreaterThanOrEqual(4)
  }, 120_000)

  it('sends once when several workers run at the same time', async () => {
    await queue(orders[0], 'ZT100001')
    const results = await Promise.all([processShipments(app.ctx), processShipments(app.ctx), processShipments(app.ctx)])
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(1)
    expect(results.reduce((n, r) => n + r.failed, 0)).toBe(0)
    expect(await sendsOf(orders[0].tid)).toHaveLength(1)
    expect(await sendRow(orders[0].tid, 'ZT100001')).toMatchObject({ status: 'sent', attempts: 1, error: null })
    expect((await t.get('orders', orders[0].id)).platform_ship_status).toBe('sent')
  })

  it('takes "already shipped" for success when Taobao shows our waybill, and for a failure otherwise', async () => {
    // The same send again (an earlier answer got lost): Taobao refuses, and shows our waybill.
    await queue(orders[0], 'ZT100001')
    expect(await processShipments(app.ctx)).toEqual({ sent: 1, failed: 0 })
    expect(await sendRow(orders[0].tid, 'ZT100001')).toMatchObject({ status: 'sent', error: null })
    // Another waybill: the trade shipped with something else, which the order shows.
    await queue(orders[0], 'ZT100009')
    expect(await processShipments(app.ctx)).toEqual({ sent: 0, failed: 1 })
    const refused = await sendRow(orders[0].tid, 'ZT100009')
    expect(refused.status).toBe('failed')
    expect(refused.error).toMatch(/ALREADY_CONSIGNED.*淘宝上已用 中通快递 ZT100001 发货/)
    expect((await t.get('orders', orders[0].id)).platform_ship_error).toMatch(/ZT100001/)
  })

  it('leaves a fresh claim alone, and takes over a stale one after asking Taobao', async () => {
    const old = Date.now() - 10 * 60_000
    // a worker is sending this one right now
    await queue(orders[1], 'ZT200001', { status: 'sending', claimed_at: Date.now() })
    // a worker died while sending these: one reached Taobao, one did not
    await queue(orders[0], 'ZT100001', { status: 'sending', claimed_at: old })
    await queue(orders[2], 'ZT300001', { status: 'sending', claimed_at: old })
    const before = (await shop.truth('')).logistics_sends.length
    expect(await processShipments(app.ctx)).toEqual({ sent: 2, failed: 0 })
    expect(await sendRow(orders[1].tid, 'ZT200001')).toMatchObject({ status: 'sending' })
    expect(await sendRow(orders[0].tid, 'ZT100001')).toMatchObject({ status: 'sent' })
    expect(await sendRow(orders[2].tid, 'ZT300001')).toMatchObject({ status: 'sent' })
    // only the one that had not arrived was sent
    const sends = (await shop.truth('')).logistics_sends.slice(before)
    expect(sends.map((s: any) => [s.tid, s.out_sid, s.ok])).toEqual([[orders[2].tid, 'ZT300001', true]])
  })
})

describe('stock upload', () => {
  it('runs one upload of a shop at a time, so the newest quantity lands last', async () => {
    const shop = await bindShop('库存店', { seed: 3, historyDays: 0, tradesPerHour: 1 })
    await t.ok(app.api.post(`/api/shops/${shop.shopId}/items/import`, {}))
    const skus = Object.fromEntries((await t.list('skus')).map((s: any) => [s.outer_id, s.id]))
    const platformQuantity = async (outerId: string) => (await shop.truth('')).items.flatMap((i: any) => i.skus).find((s: any) => s.outer_id === outerId).quantity
    await app.ctx.stock!.upload(shop.shopId)
    const uploads = (await shop.truth('')).stock_uploads
    // the SKU of the item uploaded second
    const second = uploads.at(-1).outer_id as string
    const quantity = await platformQuantity(second)
    expect(quantity).toBeGreaterThan(4)

    // The first call of the next upload answers slowly; meanwhile stock drops and the debounced upload runs.
    await shop.faults({ slow_ms: 1500, slow_calls: 1, methods: ['taobao.skus.quantity.update'] })
    const slow = app.ctx.stock!.upload(shop.shopId)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const damage = await t.create('stock_out', { type: 'damage', warehouse: data.main.id, lines: [{ sku: skus[second], qty: 4 }] })
    await t.submit('stock_out', damage.id)
    const debounced = app.ctx.stock!.uploadChanged()
    await Promise.all([slow, debounced])
    expect(await platformQuantity(second)).toBe(quantity - 4)
    const log = (await t.ok(app.api.get(`/api/shops/${shop.shopId}/stock-uploads`))).data
    expect(log.find((l: any) => l.sku === skus[second]).quantity).toBe(quantity - 4)
    await shop.faults({})
  })
})
