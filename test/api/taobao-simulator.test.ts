import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TaobaoApi } from '../../server/taobao/api'
import { TopClient } from '../../server/taobao/client'
import { parseTopJson } from '../../server/taobao/json'
import { signTopRequest, type SignMethod } from '../../server/taobao/sign'
import { formatTopTime, parseTopTime, threeMonthsBefore } from '../../server/taobao/time'
import { createSimulator, type ListeningSimulator, type SimTruth, type Simulator } from '../../server/taobao/simulator/index'

// The simulator as a gateway: raw signed requests, checked field by field.
const START = '2025-06-01 12:00:00'
const START_MS = parseTopTime(START)!
let sim: Simulator
let server: ListeningSimulator

beforeAll(async () => {
  sim = createSimulator({ seed: 3, startTime: START, historyDays: 20, tradesPerHour: 30, appKey: 'K', appSecret: 'S', session: 'T' })
  server = await sim.listen(0)
})
afterAll(async () => {
  await server?.close()
})

type Params = Record<string, string | undefined>

/** A signed request as an SDK would build it; `tamper` edits params after signing. */
function signed(method: string | undefined, apiParams: Params, options: { signMethod?: SignMethod; secret?: string; timestamp?: string; omit?: string[] } = {}) {
  const params: Params = {
    method,
    app_key: 'K',
    session: 'T',
    timestamp: options.timestamp ?? formatTopTime(sim.clock.now()),
    format: 'json',
    v: '2.0',
    sign_method: options.signMethod ?? 'md5',
    ...apiParams,
  }
  for (const key of options.omit ?? []) delete params[key]
  const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<string, string>
  clean.sign = signTopRequest(clean, options.secret ?? 'S', (clean.sign_method as SignMethod) ?? 'md5')
  if (options.omit?.includes('sign')) delete clean.sign
  return clean
}

async function rawGet(params: Record<string, string>): Promise<{ text: string; json: any; date: string | null }> {
  const response = await fetch(`${server.gatewayUrl}?${new URLSearchParams(params)}`)
  expect(response.status).toBe(200)
  const text = await response.text()
  return { text, json: parseTopJson(text), date: response.headers.get('date') }
}

async function rawPost(query: Record<string, string>, body: Record<string, string>) {
  const response = await fetch(`${server.gatewayUrl}?${new URLSearchParams(query)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
    body: new URLSearchParams(body),
  })
  expect(response.status).toBe(200)
  return parseTopJson(await response.text()) as any
}

const errorCode = async (params: Record<string, string>) => (await rawGet(params)).json.error_response
const soldGet = { fields: 'tid,status,payment,orders', page_size: '5' }

function api(now = () => sim.clock.now()) {
  return new TaobaoApi(new TopClient({ gatewayUrl: server.gatewayUrl, appKey: 'K', appSecret: 'S', session: 'T', now }))
}

describe('the gateway protocol', () => {
  it('answers GET and POST, merging query and body before checking the signature', async () => {
    const params = signed('taobao.trades.sold.get', soldGet)
    const viaGet = (await rawGet(params)).json
    expect(viaGet.trades_sold_get_response.trades.trade).toHaveLength(5)
    const { fields, page_size, ...system } = params
    const viaPost = await rawPost(system, { fields, page_size })
    expect(viaPost.trades_sold_get_response.trades).toEqual(viaGet.trades_sold_get_response.trades)
  })

  it('accepts all three sign methods and refuses a wrong one', async () => {
    for (const signMethod of ['md5', 'hmac', 'hmac-sha256'] as const) {
      const { json } = await rawGet(signed('taobao.trades.sold.get', soldGet, { signMethod }))
      expect(json.trades_sold_get_response, signMethod).toBeDefined()
      expect((await errorCode(signed('taobao.trades.sold.get', soldGet, { signMethod, secret: 'x' }))).code).toBe(25)
    }
    expect((await errorCode({ ...signed('taobao.trades.sold.get', soldGet), sign_method: 'sha1' })).code).toBe(25)
    const tampered = signed('taobao.trades.sold.get', soldGet)
    expect((await errorCode({ ...tampered, page_size: '6' })).code).toBe(25)
  })

  it('checks in the documented order, with HTTP 200 error envelopes', async () => {
    const cases: [Record<string, string>, number, string?][] = [
      [signed(undefined, soldGet), 21],
      [signed('taobao.trades.sold.get', soldGet, { omit: ['app_key'] }), 28],
      [{ ...signed('taobao.trades.sold.get', soldGet), app_key: 'other' }, 29],
      [signed('taobao.trades.sold.get', soldGet, { omit: ['timestamp'] }), 30],
      [signed('taobao.trades.sold.get', soldGet, { timestamp: '2025/06/01 12:00' }), 31],
      [signed('taobao.trades.sold.get', soldGet, { timestamp: formatTopTime(sim.clock.now() - 11 * 60_000) }), 31],
      [signed('taobao.trades.sold.get', soldGet, { omit: ['v'] }), 32],
      [signed('taobao.trades.sold.get', soldGet, { omit: ['sign'] }), 24],
      [signed('taobao.no.such.method', soldGet), 22],
      [signed('taobao.trades.sold.get', soldGet, { omit: ['session'] }), 26],
      [{ ...signed('taobao.trades.sold.get', { ...soldGet, session: 'nope' }) }, 27, 'invalid-sessionkey'],
      [signed('taobao.trades.sold.get', { page_size: '5' }), 40],
      [signed('taobao.trades.sold.get', { ...soldGet, page_size: '101' }), 41],
      [signed('taobao.trades.sold.get', { ...soldGet, status: 'NOT_A_STATUS' }), 41],
    ]
    for (const [params, code, subCode] of cases) {
      const { json, text } = await rawGet(params)
      expect(json.error_response?.code, JSON.stringify(params)).toBe(code)
      expect(json.error_response.request_id).toMatch(/^[a-z0-9]{12}$/)
      if (subCode) expect(json.error_response.sub_code).toBe(subCode)
      expect(text.startsWith('{"error_response":')).toBe(true)
    }
    // nine minutes of skew is fine; the Date header carries the simulated clock
    const { json, date } = await rawGet(signed('taobao.trades.sold.get', soldGet, { timestamp: formatTopTime(sim.clock.now() + 9 * 60_000) }))
    expect(json.trades_sold_get_response).toBeDefined()
    expect(Date.parse(date!)).toBe(Math.floor(sim.clock.now() / 1000) * 1000)
  })

  it('limits arguments as the real APIs do', async () => {
    const oldest = threeMonthsBefore(sim.clock.now())
    expect((await errorCode(signed('taobao.trades.sold.get', { ...soldGet, start_created: formatTopTime(oldest - 1000) }))).code).toBe(41)
    expect((await rawGet(signed('taobao.trades.sold.get', { ...soldGet, start_created: formatTopTime(oldest) }))).json.trades_sold_get_response).toBeDefined()
    expect((await errorCode(signed('taobao.trades.sold.increment.get', { ...soldGet, start_modified: '2025-05-31 11:59:59', end_modified: START }))).code).toBe(41)
    expect((await errorCode(signed('taobao.trades.sold.increment.get', { ...soldGet, start_modified: START }))).code).toBe(40)
    expect((await rawGet(signed('taobao.items.onsale.get', { fields: 'num_iid', page_size: '200' }))).json.items_onsale_get_response.total_results).toBe(18)
    expect((await errorCode(signed('taobao.items.onsale.get', { fields: 'num_iid', page_size: '201' }))).code).toBe(41)
    const ids = Array.from({ length: 21 }, (_, i) => String(600_000_000_000 + i)).join(',')
    expect((await errorCode(signed('taobao.items.seller.list.get', { fields: 'num_iid', num_iids: ids }))).code).toBe(41)
    expect((await errorCode(signed('taobao.trade.fullinfo.get', { fields: 'tid', tid: '123' }))).sub_code).toBe('isv.trade-not-exist')
  })

  it('writes 64-bit ids as bare numbers, Order.sku_id as a string, money as strings, receivers masked', async () => {
    const { text, json } = await rawGet(signed('taobao.trades.sold.get', { fields: 'tid,payment,post_fee,receiver_name,receiver_mobile,oaid,orders', page_size: '50' }))
    expect(text).toMatch(/"tid":3\d{18},/)
    expect(text).toMatch(/"oid":3\d{18},/)
    expect(text).toMatch(/"sku_id":"\d+"/)
    expect(text).toMatch(/"payment":"\d+\.\d{2}"/)
    for (const trade of json.trades_sold_get_response.trades.trade) {
      expect(BigInt(trade.tid)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER))
      expect(trade.receiver_name).toMatch(/^\p{Script=Han}\*+$/u)
      expect(trade.receiver_mobile).toMatch(/^1\d{2}\*{8}$/)
      expect(trade.oaid.length).toBeGreaterThan(40)
      const lines = trade.orders.order
      const sum = lines.reduce((cents: number, line: any) => cents + Math.round(Number(line.divide_order_fee) * 100), 0)
      expect(sum + Math.round(Number(trade.post_fee) * 100)).toBe(Math.round(Number(trade.payment) * 100))
    }
  })

  it('gives partial data in lists and the whole trade in fullinfo', async () => {
    const fields = 'tid,buyer_message,seller_memo,has_buyer_message,tid_str,orders.oid,orders.oid_str'
    const { trades } = await api().tradesSoldGet({ pageSize: 100, fields })
    const withMessage = trades.find((t) => t.has_buyer_message)!
    expect(withMessage.buyer_message).toBeUndefined()
    expect(withMessage.tid_str).toBeUndefined()
    expect(Object.keys(withMessage.orders[0])).toEqual(['oid'])
    const full = await api().tradeFullinfoGet(withMessage.tid, fields)
    expect(full.buyer_message).toBeTruthy()
    expect(full.tid_str).toBe(full.tid)
  })

  it('serves the same data to the same seed and start', async () => {
    const twin = createSimulator({ seed: 3, startTime: START, historyDays: 20, tradesPerHour: 30 })
    expect(twin.truth({ trades: true })).toEqual({ ...sim.truth({ trades: true }), calls: {}, stock_uploads: [], logistics_sends: [] })
  })
})

describe('the shop over simulated time', () => {
  it('creates, pays, ships and closes trades as the clock advances, with TMC messages', async () => {
    const local = createSimulator({ seed: 5, startTime: START, historyDays: 1, tradesPerHour: 60 })
    const before = local.truth({ trades: true }) as Required<SimTruth>
    local.clock.advance(2 * 86_400_000)
    const after = local.truth({ trades: true }) as Required<SimTruth>
    expect(after.trades.total).toBeGreaterThan(before.trades.total + 2000)
    const changed = after.trade_list.filter((t) => {
      const old = before.trade_list.find((o) => o.tid === t.tid)
      return old && old.status !== t.status
    })
    expect(changed.length).toBeGreaterThan(100)
    expect(changed.every((t) => t.modified_ms > START_MS)).toBe(true)
    for (const status of ['WAIT_BUYER_PAY', 'WAIT_SELLER_SEND_GOODS', 'WAIT_BUYER_CONFIRM_GOODS', 'TRADE_CLOSED_BY_TAOBAO']) {
      expect(after.trades.by_status[status], status).toBeGreaterThan(0)
    }
    expect(after.tmc.published).toBeGreaterThan(after.trades.total - before.trades.total)
    const buyers = new Map<string, number>()
    for (const t of after.trade_list) buyers.set(t.buyer_nick, (buyers.get(t.buyer_nick) ?? 0) + 1)
    expect([...buyers.values()].some((n) => n > 1)).toBe(true) // repeat buyers
  })

  it('lists increments by modified time, newest first, consistent with the truth', async () => {
    const local = createSimulator({ seed: 9, startTime: START, historyDays: 5, tradesPerHour: 50, appKey: 'K', appSecret: 'S', session: 'T' })
    local.clock.advance(6 * 3_600_000)
    const localServer = await local.listen(0)
    try {
      const client = new TaobaoApi(new TopClient({ gatewayUrl: localServer.gatewayUrl, appKey: 'K', appSecret: 'S', session: 'T', now: () => local.clock.now() }))
      const window = { startModified: '2025-06-01 14:00:00', endModified: '2025-06-01 14:30:00' }
      const pages = []
      for (let pageNo = 1; ; pageNo++) {
        const page = await client.tradesSoldIncrementGet({ ...window, pageNo, pageSize: 40 })
        pages.push(...page.trades)
        if (pageNo * 40 >= page.totalResults!) break
      }
      const modified = pages.map((t) => parseTopTime(t.modified!)!)
      expect(modified).toEqual([...modified].sort((a, b) => b - a))
      const expected = local.truth({ trades: true, modifiedFrom: parseTopTime(window.startModified)!, modifiedTo: parseTopTime(window.endModified)! })
      expect(pages.map((t) => t.tid).sort()).toEqual(expected.trade_list!.map((t) => t.tid).sort())
      expect(pages.length).toBeGreaterThan(20)
    } finally {
      await localServer.close()
    }
  })

  it('ships through the API: split, then the rest; refuses to ship twice; the buyer confirms later', async () => {
    const trades = sim.truth({ trades: true }).trade_list!
    const target = trades.find((t) => t.status === 'WAIT_SELLER_SEND_GOODS' && t.orders.length >= 2 && t.orders.every((o) => o.refund_status === 'NO_REFUND'))!
    expect(target).toBeDefined()
    const client = api()
    const [first, ...rest] = target.orders.map((o) => o.oid)
    await client.logisticsOfflineSend({ tid: target.tid, outSid: 'YT7000000001', companyCode: 'YTO', isSplit: true, subTids: [first] })
    let trade = await client.tradeFullinfoGet(target.tid)
    expect(trade.status).toBe('SELLER_CONSIGNED_PART')
    expect(trade.orders.find((o) => o.oid === first)).toMatchObject({ status: 'WAIT_BUYER_CONFIRM_GOODS', invoice_no: 'YT7000000001', logistics_company: '圆通速递' })
    await client.logisticsOfflineSend({ tid: target.tid, outSid: 'YT7000000002', companyCode: 'YTO', isSplit: true, subTids: rest })
    trade = await client.tradeFullinfoGet(target.tid)
    expect(trade.status).toBe('WAIT_BUYER_CONFIRM_GOODS')
    expect(parseTopTime(trade.modified!)).toBe(Math.floor(sim.clock.now() / 1000) * 1000)
    await expect(client.logisticsOfflineSend({ tid: target.tid, outSid: 'YT7000000003', companyCode: 'YTO' })).rejects.toMatchObject({
      kind: 'isv',
      subCode: 'isv.logistics-offline-service-error:ALREADY_CONSIGNED',
    })
    const sends = sim.truth().logistics_sends.filter((s) => s.tid === target.tid)
    expect(sends.map((s) => s.ok)).toEqual([true, true, false])
    const finishes = createSimulator({ seed: 3, startTime: START, historyDays: 20, tradesPerHour: 30 })
    expect(finishes.truth({ trades: true }).trade_list!.find((t) => t.tid === target.tid)!.status).toBe('WAIT_SELLER_SEND_GOODS')
    sim.clock.advance(15 * 86_400_000)
    const later = sim.truth({ trades: true }).trade_list!.find((t) => t.tid === target.tid)!
    expect(['TRADE_FINISHED', 'TRADE_CLOSED']).toContain(later.status)
  })

  it('records absolute stock uploads, all or nothing', async () => {
    const client = api()
    const [item] = (await client.itemsOnsaleGet({ pageSize: 200, orderBy: 'num:desc' })).items
    const [detail] = await client.itemsSellerListGet([item.num_iid])
    const skus = detail.skus!
    const updated = await client.skusQuantityUpdate(item.num_iid, skus.map((s, i) => ({ skuId: s.sku_id, quantity: i })))
    expect(updated.num).toBe((skus.length * (skus.length - 1)) / 2)
    // the same upload again changes nothing: absolute quantities
    await client.skusQuantityUpdate(item.num_iid, skus.map((s, i) => ({ skuId: s.sku_id, quantity: i })))
    const truth = sim.truth()
    expect(truth.items.find((i) => i.num_iid === item.num_iid)!.skus.map((s) => s.quantity)).toEqual(skus.map((_, i) => i))
    expect(truth.stock_uploads.filter((u) => u.num_iid === item.num_iid)).toHaveLength(skus.length * 2)
    await expect(client.skusQuantityUpdate(item.num_iid, [{ skuId: skus[0].sku_id, quantity: 50 }, { skuId: '1', quantity: 5 }])).rejects.toMatchObject({ kind: 'isv' })
    expect(sim.truth().items.find((i) => i.num_iid === item.num_iid)!.skus[0].quantity).toBe(0)
    const byOuterId = await client.itemQuantityUpdate({ numIid: item.num_iid, outerId: skus[1].outer_id, quantity: 9 })
    expect(byOuterId.skus).toEqual([expect.objectContaining({ sku_id: skus[1].sku_id, quantity: 9 })])
  })

  it('lists refunds by modified time and answers refund.get', async () => {
    const client = api()
    const start = sim.clock.now() - 10 * 86_400_000
    const { refunds, totalResults } = await client.refundsReceiveGet({ startModified: start, endModified: sim.clock.now(), pageSize: 100 })
    expect(totalResults).toBeGreaterThan(0)
    const expected = sim.truth({ trades: true }).trade_list!.flatMap((t) => t.refunds).filter((r) => parseTopTime(r.modified)! >= start)
    expect(totalResults).toBe(expected.length)
    const refund = await client.refundGet(refunds[0].refund_id)
    expect(BigInt(refund.refund_id)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER))
    expect(refund).toMatchObject({ refund_id: refunds[0].refund_id, tid: refunds[0].tid, refund_fee: refunds[0].refund_fee })
    expect(['SUCCESS', 'CLOSED', 'WAIT_SELLER_AGREE']).toContain(refund.status)
  })
})

describe('configuration', () => {
  it("sells a catalog it is given (the ERP's own SKUs)", async () => {
    const local = createSimulator({
      seed: 1,
      startTime: START,
      historyDays: 2,
      tradesPerHour: 10,
      catalog: {
        items: [
          { title: '测试T恤', outerId: 'ERP-T', price: '49.90', skus: [{ outerId: 'ERP-T-W-M', properties: '颜色分类:白色;尺码:M', quantity: 7 }, { outerId: 'ERP-T-B-L', properties: '颜色分类:黑色;尺码:L', price: '59.90' }] },
          { numIid: '612345678901', title: '测试杯子', outerId: 'ERP-C', price: 25, quantity: 3 },
        ],
      },
    })
    const truth = local.truth({ trades: true })
    expect(truth.items).toEqual([
      expect.objectContaining({ outer_id: 'ERP-T', num: 107 }),
      { num_iid: '612345678901', outer_id: 'ERP-C', num: 3, skus: [] },
    ])
    const outerIds = new Set(truth.trade_list!.flatMap((t) => t.orders.map((o) => o.outer_sku_id)))
    expect(outerIds).toEqual(new Set(['ERP-T-W-M', 'ERP-T-B-L', null]))
  })

  it('has no control routes in production mode, and asks before authorizing', async () => {
    const production = createSimulator({ mode: 'production' })
    const productionServer = await production.listen(0)
    try {
      expect((await fetch(`${productionServer.url}/__sim/clock`)).status).toBe(404)
      const page = await fetch(`${productionServer.authorizeUrl}?response_type=code&client_id=sim-app-key&redirect_uri=${encodeURIComponent('http://erp.test/cb')}&state=s`, { redirect: 'manual' })
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('同意授权')
      const denied = await fetch(productionServer.authorizeUrl, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: 'sim-app-key', redirect_uri: 'http://erp.test/cb', state: 's', decision: 'deny' }),
      })
      expect(new URL(denied.headers.get('location')!).searchParams.get('error')).toBe('access_denied')
    } finally {
      await productionServer.close()
    }
  })

  // How fast it generates belongs in `npm run bench` (bench/sync.ts), not in a timed test.
  it('generates 100,000 trades', () => {
    const big = createSimulator({ seed: 2, startTime: START, historyDays: 60, tradesPerHour: 70 })
    expect(big.store.tradeCount).toBeGreaterThan(100_000)
    expect(big.truth().trades.total).toBeGreaterThan(100_000)
  })
})
