import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSimulator } from '../../server/taobao/simulator'
import { TradeSync } from '../../server/sync/trade-sync'
import { allowGateway, startTestApp, type TestApp } from '../support/app'
import { erp } from '../support/erp'
import { expectStockConsistent } from '../support/invariants'

const HOUR = 3_600_000
const catalog = {
  items: [
    { title: '纯棉圆领短袖T恤', outerId: 'TX1', price: '59.00', skus: [{ outerId: 'TX1-W-M', properties: '颜色分类:白色;尺码:M', quantity: 100 }, { outerId: 'TX1-B-L', properties: '颜色分类:黑色;尺码:L', quantity: 100 }] },
    { title: '陶瓷马克杯', outerId: 'MUG', price: '35.00', skus: [{ outerId: 'MUG-WHITE', properties: '颜色分类:哑光白', quantity: 100 }] },
    { title: '加厚纯棉浴巾', outerId: 'TOWEL', price: '89.90', skus: [{ outerId: 'TOWEL-GREY', properties: '颜色分类:灰色', quantity: 100 }] },
  ],
}

let app: TestApp
let sim: ReturnType<typeof createSimulator>
let gateway: Awaited<ReturnType<ReturnType<typeof createSimulator>['listen']>>
let shopId: number
let t: ReturnType<typeof erp>

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
  // 7 days of history at 60 trades an hour: more than 10,000 trades.
  sim = createSimulator({ seed: 42, appKey: 'K', appSecret: 'S', session: 'T', mode: 'test', startTime: '2026-11-20 12:00:00', historyDays: 7, tradesPerHour: 62, catalog })
  gateway = await sim.listen(0, '127.0.0.1')
  allowGateway(app, gateway.gatewayUrl)
  const data = await t.masterData(catalog.items.flatMap((item) => item.skus.map((s) => ({ outer_id: s.outerId }))))
  await t.receive(data.main.id, data.skus.map((s: any) => ({ sku: s.id, qty: 1000, cost: '20.00' })))
  await t.create('settings', { default_warehouse: data.main.id })
  const bound = await t.ok(app.api.post('/api/shops', { name: '模拟淘宝店', platform: 'taobao', app_key: 'K', app_secret: 'S', session: 'T', gateway_url: gateway.gatewayUrl }), 201)
  shopId = bound.data.shop.id
  expect(JSON.stringify(bound)).not.toContain('"S"')
}, 120_000)
afterAll(async () => {
  await gateway?.close()
  await app?.close()
})

async function truth() {
  const res = await fetch(`${gateway.url}/__sim/truth?trades=1`)
  return (await res.json()) as any
}

/** What we hold of the shop's trades, by tid. */
async function stored() {
  const rows = await app.ctx.db.knex('f_platform_trades').where({ shop: shopId }).select('tid', 'status', 'payment', 'modified')
  return new Map(rows.map((r: any) => [String(r.tid), r]))
}

/**
 * Every trade the simulator holds, as it was at the sync's `synced_until` (the newest minute is
 * left to the next run): trades modified up to then are stored exactly as the simulator has them;
 * later changes may not be there yet; nothing is stored that the simulator does not have.
 */
async function expectMatchesTruth(syncedUntil: string) {
  const until = Date.parse(syncedUntil)
  const expected = await truth()
  const mine = await stored()
  const known = new Set(expected.trade_list.map((t: any) => t.tid))
  expect([...mine.keys()].filter((tid) => !known.has(tid))).toEqual([])
  let cents = 0
  let settled = 0
  for (const trade of expected.trade_list) {
    const row = mine.get(trade.tid)
    if (trade.modified_ms > until - 1000) {
      if (row) expect(Number(row.modified)).toBeLessThanOrEqual(trade.modified_ms)
      continue
    }
    settled++
    expect(row, `trade ${trade.tid}`).toBeDefined()
    expect(row.status, `status of ${trade.tid}`).toBe(trade.status)
    expect(Number(row.payment), `payment of ${trade.tid}`).toBe(Math.round(Number(trade.payment) * 100))
    expect(Number(row.modified)).toBe(trade.modified_ms)
    cents += Math.round(Number(trade.payment) * 100)
  }
  const settledRows = await app.ctx.db.knex('f_platform_trades').where({ shop: shopId }).where('modified', '<=', until - 1000).sum({ s: 'payment' }).count({ n: '*' }).first()
  expect(Number(settledRows!.n)).toBe(settled)
  expect(Number(settledRows!.s)).toBe(cents)
  return { total: expected.trade_list.length, settled }
}

describe('the Taobao trade sync against the simulator over HTTP', () => {
  it('pulls more than 10,000 trades whose result matches the simulator', async () => {
    const started = Date.now()
    const first = await t.ok(app.api.post(`/api/shops/${shopId}/sync`, {}))
    expect(first.data).toMatchObject({ status: 'succeeded', kind: 'initial', failed: 0 })
    const { total, settled } = await expectMatchesTruth(first.data.synced_until)
    expect(total).toBeGreaterThan(10_000)
    expect(settled).toBe(total)
    expect(first.data.created).toBe(total)
    expect(first.data.orders_created).toBeGreaterThan(0)
    // list APIs leave buyer messages out: the newest flagged paid trades are read in full, 200 a run
    expect(first.data.messages_read).toBe(200)
    const read = await app.ctx.db.knex('f_platform_trades').where({ shop: shopId }).whereNotNull('buyer_message').select('status', 'has_buyer_message', 'id')
    expect(read).toHaveLength(200)
    for (const r of read) expect([Boolean(r.has_buyer_message), ['WAIT_SELLER_SEND_GOODS', 'SELLER_CONSIGNED_PART'].includes(r.status)]).toEqual([true, true])
    const waiting = await app.ctx.db.knex('f_platform_trades').where({ shop: shopId, has_buyer_message: true }).whereNull('buyer_message').whereIn('status', ['WAIT_SELLER_SEND_GOODS', 'SELLER_CONSIGNED_PART']).max({ id: 'id' }).first()
    expect(Number(waiting!.id)).toBeLessThan(Math.min(...read.map((r: any) => Number(r.id))))
    // ids above 2^53 survive exactly
    const big = [...(await stored()).keys()].filter((tid) => BigInt(tid) > 2n ** 53n)
    expect(big.length).toBe(total)
    console.log(`initial sync of ${total} trades: ${Math.round((Date.now() - started) / 1000)} s`)
    const orders = await app.ctx.db.knex('f_orders').count({ n: '*' }).first()
    expect(Number(orders!.n)).toBe(first.data.orders_created)
  })

  it('syncs incrementally, and a repeated run changes nothing', async () => {
    sim.clock.advance(3 * HOUR)
    const next = await t.ok(app.api.post(`/api/shops/${shopId}/sync`, {}))
    expect(next.data).toMatchObject({ status: 'succeeded', kind: 'incremental' })
    expect(next.data.created + next.data.updated).toBeGreaterThan(0)
    await expectMatchesTruth(next.data.synced_until)
    const again = await t.ok(app.api.post(`/api/shops/${shopId}/sync`, {}))
    expect(again.data).toMatchObject({ status: 'succeeded', created: 0, updated: 0 })
    await expectMatchesTruth(again.data.synced_until)
    const runs = await t.ok(app.api.get(`/api/shops/${shopId}/sync-runs`))
    expect(runs.data.map((r: any) => r.kind)).toEqual(['incremental', 'incremental', 'initial'])
  })

  it('overlapping windows leave no duplicates and the latest state', async () => {
    sim.clock.advance(2 * HOUR)
    // Move the checkpoint back a day: every window is pulled again.
    await app.ctx.db.knex('zg_sync_checkpoints').where({ shop_id: shopId, stream: 'trades' }).update({ synced_until: sim.clock.now() - 26 * HOUR })
    const run = await t.ok(app.api.post(`/api/shops/${shopId}/sync`, {}))
    expect(run.data.status).toBe('succeeded')
    await expectMatchesTruth(run.data.synced_until)
    const duplicates = await app.ctx.db.knex('f_platform_trades').select('tid').count({ n: '*' }).groupBy('tid').havingRaw('COUNT(*) > 1')
    expect(duplicates).toEqual([])
    const lineDuplicates = await app.ctx.db.knex('f_platform_trades__lines').select('oid').count({ n: '*' }).groupBy('oid').havingRaw('COUNT(*) > 1')
    expect(lineDuplicates).toEqual([])
    const orderDuplicates = await app.ctx.db.knex('f_orders__trades').select('value').count({ n: '*' }).groupBy('value').havingRaw('COUNT(*) > 1')
    expect(orderDuplicates).toEqual([])
  })

  it('a run killed mid-way resumes from its checkpoint with nothing lost or doubled', async () => {
    sim.clock.advance(5 * HOUR)
    let pages = 0
    const crashing = new TradeSync(app.ctx, app.ctx.connections, {
      afterPage: () => {
        if (++pages === 3) throw new Error('killed')
      },
    })
    const crashed = await crashing.run(shopId)
    expect(crashed).toMatchObject({ status: 'failed', message: 'killed' })
    // A process that died leaves its lease behind; it expires, and the next run takes over.
    await app.ctx.db.knex('zg_sync_leases').insert({ shop_id: shopId, holder: 'dead-process', expires_at: Date.now() - 1 })
    const resumed = await t.ok(app.api.post(`/api/shops/${shopId}/sync`, {}))
    expect(resumed.data.status).toBe('succeeded')
    await expectMatchesTruth(resumed.data.synced_until)
    await expectStockConsistent(app.ctx.db.knex)
  })

  it('never runs a shop twice at once', async () => {
    await app.ctx.db.knex('zg_sync_leases').insert({ shop_id: shopId, holder: 'someone-else', expires_at: Date.now() + 60_000 })
    const busy = await app.api.post(`/api/shops/${shopId}/sync`, {})
    expect(busy.status).toBe(409)
    await app.ctx.db.knex('zg_sync_leases').where({ shop_id: shopId }).delete()
  })

  it('writes shipments back to Taobao, re-reading the trade after an uncertain failure, and shows failures', async () => {
    const waiting = await t.list('orders', { filter: { field: 'status', op: 'eq', value: 'pending' }, sort: 'id', limit: 3 })
    expect(waiting.length).toBe(3)
    const courier = (await t.list('couriers'))[0]
    const shipOne = async (order: any, waybill: string) => {
      await t.ok(t.act('orders', order.id, 'audit'))
      return t.ok(t.act('orders', order.id, 'ship', { courier: courier.id, waybill_no: waybill }))
    }
    const settle = async (id: number) => {
      for (let i = 0; i < 100; i++) {
        const order = await t.get('orders', id)
        if (order.platform_ship_status && order.platform_ship_status !== 'pending') return order
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      throw new Error('the write-back did not settle')
    }

    // 1. plain: sent, and Taobao now shows the trade shipped with our waybill
    await shipOne(waiting[0], 'ZT0001')
    const first = await settle(waiting[0].id)
    expect(first.platform_ship_error).toBeNull()
    expect(first.platform_ship_status).toBe('sent')
    const sends = (await truth()).logistics_sends
    expect(sends.some((s: any) => s.out_sid === 'ZT0001' && s.tid === waiting[0].tids)).toBe(true)

    // 2. an isp error: the trade is read again (not shipped), then the send is retried and succeeds
    await fetch(`${gateway.url}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ isp_errors: 4, methods: ['taobao.logistics.offline.send'] }) })
    await shipOne(waiting[1], 'ZT0002')
    let order = await settle(waiting[1].id).catch(() => null)
    for (let i = 0; i < 5 && order?.platform_ship_status !== 'sent'; i++) {
      await (await import('../../server/sync')).processShipments(app.ctx)
      order = await t.get('orders', waiting[1].id)
    }
    expect(order!.platform_ship_status).toBe('sent')
    await fetch(`${gateway.url}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })

    // 3. a business error (isv.*) is not retried: the order shows 回传失败 with the reason, and can be resent
    await fetch(`${gateway.url}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errors: [{ code: 15, msg: 'Remote service error', sub_code: 'isv.logistics-offline-service-error:B04', sub_msg: '运单号不符合规则', count: 1 }], methods: ['taobao.logistics.offline.send'] }) })
    await shipOne(waiting[2], 'ZT0003')
    const failed = await settle(waiting[2].id)
    expect(failed).toMatchObject({ status: 'shipped', platform_ship_status: 'failed' })
    expect(failed.platform_ship_error).toMatch(/运单号不符合规则/)
    await t.ok(t.act('orders', waiting[2].id, 'resend_shipment'))
    const resent = await settle(waiting[2].id)
    expect(resent.platform_ship_error).toBeNull()
    expect(resent.platform_ship_status).toBe('sent')

    // The next sync sees the trades shipped, and leaves our shipped orders alone.
    sim.clock.advance(10 * 60_000)
    const run = await t.ok(app.api.post(`/api/shops/${shopId}/sync`, {}))
    expect(run.data.status).toBe('succeeded')
    for (const o of waiting) expect((await t.get('orders', o.id)).status).toBe('shipped')
    await expectStockConsistent(app.ctx.db.knex)
  })

  it('consumes TMC messages: changed trades are read in full, stored, then confirmed', async () => {
    await t.ok(app.api.patch(`/api/shops/${shopId}`, { schedule_minutes: 5, tmc_enabled: true }))
    sim.clock.advance(45 * 60_000)
    const consumed = (await t.ok(app.api.post(`/api/shops/${shopId}/tmc/consume`, {}))).data
    expect(consumed.messages).toBeGreaterThan(0)
    expect(consumed.trades).toBeGreaterThan(0)
    // Every trade the messages named is now stored as the simulator has it.
    const expected = await truth()
    const mine = await stored()
    const changed = expected.trade_list.filter((trade: any) => trade.modified_ms > sim.clock.now() - 45 * 60_000)
    expect(changed.length).toBeGreaterThan(0)
    for (const trade of changed) {
      expect(mine.get(trade.tid)?.status, trade.tid).toBe(trade.status)
    }
    const again = (await t.ok(app.api.post(`/api/shops/${shopId}/tmc/consume`, {}))).data
    expect(again.messages).toBeLessThan(consumed.messages)
    const tmc = (await truth()).tmc
    expect(tmc.pending).toBe(0)
  })
})
