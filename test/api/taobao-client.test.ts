import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { TaobaoApi } from '../../server/taobao/api'
import { authorizeUrl, exchangeCode, refreshToken } from '../../server/taobao/auth'
import { TopClient, type TopClientOptions } from '../../server/taobao/client'
import { TopError } from '../../server/taobao/errors'
import { TokenBucketRateLimiter } from '../../server/taobao/rate-limiter'
import { createSimulator, type ListeningSimulator, type Simulator } from '../../server/taobao/simulator/index'

// The client against the simulator over real HTTP: each error class comes from the simulator's fault injection.
const START = '2025-06-01 12:00:00'
let sim: Simulator
let server: ListeningSimulator

beforeAll(async () => {
  sim = createSimulator({ seed: 7, startTime: START, historyDays: 10, tradesPerHour: 40, appKey: 'K', appSecret: 'S', session: 'T' })
  server = await sim.listen(0)
})
afterAll(async () => {
  await server?.close()
})
afterEach(async () => {
  await control('POST', '/__sim/faults', {})
})

async function control(method: 'GET' | 'POST', path: string, body?: unknown) {
  const response = await fetch(server.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  expect(response.status).toBe(200)
  return response.json()
}

const truth = (query = '') => control('GET', `/__sim/truth${query}`)
const callsOf = async (method: string) => ((await truth()).calls[method] ?? 0) as number

/** A client on the simulated clock whose sleeps are recorded, not waited. */
function makeClient(overrides: Partial<TopClientOptions> = {}) {
  const sleeps: number[] = []
  const client = new TopClient({
    gatewayUrl: server.gatewayUrl,
    appKey: 'K',
    appSecret: 'S',
    session: 'T',
    now: () => sim.clock.now(),
    sleep: async (ms) => void sleeps.push(ms),
    ...overrides,
  })
  return { client, api: new TaobaoApi(client), sleeps }
}

const lastDay = { startCreated: '2025-05-31 12:00:00', endCreated: START, pageNo: 1, pageSize: 20 }

async function expectTopError(promise: Promise<unknown>): Promise<TopError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(TopError)
  return error as TopError
}

describe('rate limits', () => {
  it('waits the seconds the ban names, then succeeds', async () => {
    await control('POST', '/__sim/faults', { rate_limit: 2, ban_seconds: 3 })
    const { api, sleeps } = makeClient()
    const before = await callsOf('taobao.trades.sold.get')
    const page = await api.tradesSoldGet(lastDay)
    expect(page.trades).toHaveLength(20)
    expect(sleeps).toHaveLength(2)
    for (const ms of sleeps) {
      expect(ms).toBeGreaterThanOrEqual(3000)
      expect(ms).toBeLessThan(3250)
    }
    expect((await callsOf('taobao.trades.sold.get')) - before).toBe(3)
  })

  it('gives up after maxRateLimitWaits', async () => {
    await control('POST', '/__sim/faults', { rate_limit: 10 })
    const { api, sleeps } = makeClient({ maxRateLimitWaits: 2 })
    const error = await expectTopError(api.tradesSoldGet(lastDay))
    expect(error).toMatchObject({ kind: 'rate_limit', code: 7, subCode: 'accesscontrol.limited-by-app-api-access-count', waitSeconds: 1 })
    expect(sleeps).toHaveLength(2)
  })

  it('a shared per-shop limiter keeps calls under the gateway QPS limit', async () => {
    await control('POST', '/__sim/faults', { qps: 20 })
    const limiter = new TokenBucketRateLimiter({ qps: 15, burst: 1 })
    const { api, sleeps } = makeClient({ rateLimiter: limiter })
    const started = Date.now()
    await Promise.all(Array.from({ length: 30 }, (_, i) => api.tradesSoldGet({ ...lastDay, pageNo: (i % 5) + 1, pageSize: 5 })))
    expect(sleeps).toEqual([]) // never banned
    expect(Date.now() - started).toBeGreaterThanOrEqual(1800)
  })
})

describe('isp and unavailable errors', () => {
  it('retries with growing backoff, then succeeds', async () => {
    await control('POST', '/__sim/faults', { isp_errors: 2 })
    const { api, sleeps } = makeClient({ retryBaseDelayMs: 400 })
    const before = await callsOf('taobao.trades.sold.get')
    expect((await api.tradesSoldGet(lastDay)).trades).toHaveLength(20)
    expect(sleeps).toHaveLength(2)
    expect(sleeps[0]).toBeGreaterThanOrEqual(400)
    expect(sleeps[0]).toBeLessThanOrEqual(480)
    expect(sleeps[1]).toBeGreaterThanOrEqual(800)
    expect(sleeps[1]).toBeLessThanOrEqual(960)
    expect((await callsOf('taobao.trades.sold.get')) - before).toBe(3)
  })

  it('gives up after maxRetries', async () => {
    await control('POST', '/__sim/faults', { isp_errors: 10 })
    const { api, sleeps } = makeClient({ maxRetries: 2 })
    const before = await callsOf('taobao.trades.sold.get')
    const error = await expectTopError(api.tradesSoldGet(lastDay))
    expect(error).toMatchObject({ kind: 'isp', code: 15, subCode: 'isp.top-remote-connection-error', retryable: true })
    expect(sleeps).toHaveLength(2)
    expect((await callsOf('taobao.trades.sold.get')) - before).toBe(3)
  })

  it('retries code 10 (service unavailable) but not isp.top-parse-error', async () => {
    await control('POST', '/__sim/faults', { errors: [{ code: 10, msg: 'Service currently unavailable', count: 1 }] })
    const first = makeClient()
    expect((await first.api.tradesSoldGet(lastDay)).trades).toHaveLength(20)
    expect(first.sleeps).toHaveLength(1)
    await control('POST', '/__sim/faults', { errors: [{ code: 15, sub_code: 'isp.top-parse-error', count: 1 }] })
    const second = makeClient()
    const error = await expectTopError(second.api.tradesSoldGet(lastDay))
    expect(error).toMatchObject({ kind: 'isp', retryable: false, subCode: 'isp.top-parse-error' })
    expect(second.sleeps).toEqual([])
  })
})

describe('sessions', () => {
  it('refreshes an invalid session once and retries with the new one', async () => {
    let refreshes = 0
    const invalid: TopError[] = []
    const { client, api } = makeClient({
      session: 'not-a-session',
      refreshSession: async () => (refreshes++, 'T'),
      onSessionInvalid: (e) => void invalid.push(e),
    })
    expect((await api.tradesSoldGet(lastDay)).trades).toHaveLength(20)
    expect(refreshes).toBe(1)
    expect(invalid).toEqual([])
    expect(client.session).toBe('T')
  })

  it('refresh giving nothing: onSessionInvalid once, the error thrown, no loop', async () => {
    let refreshes = 0
    const invalid: TopError[] = []
    const { api } = makeClient({
      session: 'not-a-session',
      refreshSession: async () => (refreshes++, null),
      onSessionInvalid: (e) => void invalid.push(e),
    })
    const before = await callsOf('taobao.trades.sold.get')
    const error = await expectTopError(api.tradesSoldGet(lastDay))
    expect(error).toMatchObject({ kind: 'session', code: 27, subCode: 'invalid-sessionkey' })
    expect(refreshes).toBe(1)
    expect(invalid).toEqual([error])
    expect((await callsOf('taobao.trades.sold.get')) - before).toBe(1)
  })

  it('a refreshed session that fails again is not refreshed a second time', async () => {
    let refreshes = 0
    const invalid: TopError[] = []
    const { api } = makeClient({
      session: 'not-a-session',
      refreshSession: async () => (refreshes++, 'still-not-a-session'),
      onSessionInvalid: (e) => void invalid.push(e),
    })
    const before = await callsOf('taobao.trades.sold.get')
    await expectTopError(api.tradesSoldGet(lastDay))
    expect(refreshes).toBe(1)
    expect(invalid).toHaveLength(1)
    expect((await callsOf('taobao.trades.sold.get')) - before).toBe(2)
  })

  it('a missing session (code 26) goes the same way', async () => {
    const invalid: TopError[] = []
    const { api } = makeClient({ session: null, onSessionInvalid: (e) => void invalid.push(e) })
    const error = await expectTopError(api.tradesSoldGet(lastDay))
    expect(error).toMatchObject({ kind: 'session', code: 26 })
    expect(invalid).toHaveLength(1)
  })
})

describe('errors that are not retried', () => {
  it('a business error (shipping a closed trade) is thrown at once', async () => {
    const closed = (await truth('?trades=1')).trade_list.find((t: { status: string }) => t.status === 'TRADE_CLOSED_BY_TAOBAO')
    expect(closed).toBeDefined()
    const { api, sleeps } = makeClient()
    const before = await callsOf('taobao.logistics.offline.send')
    const error = await expectTopError(api.logisticsOfflineSend({ tid: closed.tid, outSid: 'SF1234567890', companyCode: 'SF' }))
    expect(error).toMatchObject({ kind: 'isv', code: 15, retryable: false })
    expect(error.subCode).toMatch(/^isv\.logistics-offline-service-error/)
    expect(sleeps).toEqual([])
    expect((await callsOf('taobao.logistics.offline.send')) - before).toBe(1)
    expect((await truth()).logistics_sends.at(-1)).toMatchObject({ tid: closed.tid, ok: false })
  })

  it('a wrong secret gives a signature error, sent once', async () => {
    const { api, sleeps } = makeClient({ appSecret: 'wrong-secret' })
    const before = await callsOf('taobao.trades.sold.get')
    const error = await expectTopError(api.tradesSoldGet(lastDay))
    expect(error).toMatchObject({ kind: 'signature', code: 25, retryable: false })
    expect(sleeps).toEqual([])
    expect((await callsOf('taobao.trades.sold.get')) - before).toBe(1)
  })

  it('a wrong app key and an unknown method stop at once', async () => {
    expect(await expectTopError(makeClient({ appKey: 'other' }).api.tradesSoldGet(lastDay))).toMatchObject({ kind: 'app_key', code: 29 })
    expect(await expectTopError(makeClient().client.call('taobao.no.such.api'))).toMatchObject({ kind: 'method', code: 22 })
  })

  it('page_size above 100 and an increment window above one day are refused (code 41)', async () => {
    const { api, sleeps } = makeClient()
    expect(await expectTopError(api.tradesSoldGet({ ...lastDay, pageSize: 101 }))).toMatchObject({ kind: 'arguments', code: 41 })
    const window = await expectTopError(api.tradesSoldIncrementGet({ startModified: '2025-05-30 11:59:59', endModified: START }))
    expect(window).toMatchObject({ kind: 'arguments', code: 41, subCode: 'isv.invalid-parameter' })
    expect(window.msg).toContain('end_modified')
    // exactly one day is allowed
    await api.tradesSoldIncrementGet({ startModified: '2025-05-31 12:00:00', endModified: START })
    expect(sleeps).toEqual([])
  })
})

describe('timeouts and clocks', () => {
  it('times out a slow answer, and retries a read', async () => {
    await control('POST', '/__sim/faults', { slow_ms: 1500, slow_calls: 1 })
    const once = makeClient({ timeoutMs: 300, maxRetries: 0 })
    expect(await expectTopError(once.api.tradesSoldGet(lastDay))).toMatchObject({ kind: 'timeout', code: null })
    await control('POST', '/__sim/faults', { slow_ms: 1500, slow_calls: 1 })
    const retrying = makeClient({ timeoutMs: 300, maxRetries: 1 })
    expect((await retrying.api.tradesSoldGet(lastDay)).trades).toHaveLength(20)
    expect(retrying.sleeps).toHaveLength(1)
  })

  it('does not resend a shipment after a timeout: the write may have happened', async () => {
    const waiting = (await truth('?trades=1')).trade_list.find((t: { status: string }) => t.status === 'WAIT_SELLER_SEND_GOODS')
    await control('POST', '/__sim/faults', { slow_ms: 1500, slow_calls: 1 })
    const { api } = makeClient({ timeoutMs: 300 })
    const before = await callsOf('taobao.logistics.offline.send')
    expect(await expectTopError(api.logisticsOfflineSend({ tid: waiting.tid, outSid: '7700112233', companyCode: 'ZTO' }))).toMatchObject({ kind: 'timeout' })
    expect((await callsOf('taobao.logistics.offline.send')) - before).toBe(1)
    // re-reading shows it went through
    expect((await api.tradeFullinfoGet(waiting.tid)).status).toBe('WAIT_BUYER_CONFIRM_GOODS')
  })

  it('learns the gateway clock after a timestamp rejection and retries once', async () => {
    const { client, api } = makeClient({ now: () => sim.clock.now() - 3_600_000 })
    expect((await api.tradesSoldGet(lastDay)).trades).toHaveLength(20)
    expect(Math.abs(client.clockOffsetMs - 3_600_000)).toBeLessThanOrEqual(1000)
    expect(Math.abs(client.gatewayNow() - sim.clock.now())).toBeLessThanOrEqual(1000)
  })
})

describe('data through the client', () => {
  it('keeps ids above 2^53 exact', async () => {
    const { api } = makeClient()
    const page = await api.tradesSoldGet({ ...lastDay, pageSize: 100 })
    const expected = new Map<string, { orders: { oid: string }[] }>(
      (await truth('?trades=1')).trade_list.map((t: { tid: string }) => [t.tid, t]),
    )
    for (const trade of page.trades) {
      expect(BigInt(trade.tid)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER))
      expect(expected.has(trade.tid)).toBe(true)
      expect(trade.orders.map((o) => o.oid)).toEqual(expected.get(trade.tid)!.orders.map((o) => o.oid))
    }
    const raw = await fetch(client(page.trades[0].tid)).then((r) => r.text())
    expect(raw).toContain(`"tid":${page.trades[0].tid},`)
  })

  it('paging a day window gives exactly what the simulator holds for it', async () => {
    const { api } = makeClient()
    const window = { startCreated: '2025-05-30 00:00:00', endCreated: '2025-05-30 23:59:59' }
    const tids: string[] = []
    let total = -1
    for (let pageNo = 1; ; pageNo++) {
      const page = await api.tradesSoldGet({ ...window, pageNo, pageSize: 100 })
      total = page.totalResults!
      tids.push(...page.trades.map((t) => t.tid))
      if (page.trades.length < 100) break
    }
    const expected = await truth(`?trades=1&created_from=${encodeURIComponent(window.startCreated)}&created_to=${encodeURIComponent(window.endCreated)}`)
    expect(expected.trades.total).toBeGreaterThan(500)
    expect(tids).toHaveLength(expected.trades.total)
    expect(total).toBe(expected.trades.total)
    expect(new Set(tids)).toEqual(new Set(expected.trade_list.map((t: { tid: string }) => t.tid)))
  })

  it('is deterministic: the same seed gives the same first 100 trades', async () => {
    const twin = createSimulator({ seed: 7, startTime: START, historyDays: 10, tradesPerHour: 40, appKey: 'K', appSecret: 'S', session: 'T' })
    const other = createSimulator({ seed: 8, startTime: START, historyDays: 10, tradesPerHour: 40, appKey: 'K', appSecret: 'S', session: 'T' })
    const servers = [await twin.listen(0), await other.listen(0)]
    try {
      const first100 = (gatewayUrl: string) =>
        new TaobaoApi(new TopClient({ gatewayUrl, appKey: 'K', appSecret: 'S', session: 'T', now: () => sim.clock.now() })).tradesSoldGet({ pageSize: 100 })
      const [mine, twins, others] = await Promise.all([first100(server.gatewayUrl), first100(servers[0].gatewayUrl), first100(servers[1].gatewayUrl)])
      expect(mine.trades).toHaveLength(100)
      expect(twins).toEqual(mine)
      expect(others.trades.map((t) => t.tid)).not.toEqual(mine.trades.map((t) => t.tid))
    } finally {
      await Promise.all(servers.map((s) => s.close()))
    }
  })
})

function client(tid: string): string {
  // a raw, signed GET of one trade: to see the bare number in the JSON text itself
  const request = new TopClient({ gatewayUrl: server.gatewayUrl, appKey: 'K', appSecret: 'S', session: 'T', now: () => sim.clock.now() })
  const { url, body } = request.buildRequest('taobao.trade.fullinfo.get', { fields: 'tid,status', tid })
  return `${url}&${body}`
}

describe('TMC', () => {
  it('repeats messages now and then, and never returns confirmed ones', async () => {
    const tmcSim = createSimulator({ seed: 11, startTime: START, historyDays: 2, tradesPerHour: 60, appKey: 'K', appSecret: 'S', session: 'T', tmcDuplicateRate: 0.3 })
    const tmcServer = await tmcSim.listen(0)
    try {
      tmcSim.clock.advance(3 * 3_600_000)
      const api = new TaobaoApi(new TopClient({ gatewayUrl: tmcServer.gatewayUrl, appKey: 'K', appSecret: 'S', session: 'T', now: () => tmcSim.clock.now() }))
      const first = await api.tmcMessagesConsume(50)
      expect(first).toHaveLength(50)
      expect(new Set(first.map((m) => m.id)).size).toBe(50)
      for (const message of first) {
        expect(BigInt(message.id)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER))
        expect(message.topic).toMatch(/^taobao_(trade|refund)_/)
        if (message.topic.startsWith('taobao_trade_')) expect(BigInt(message.content.tid as string)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER))
      }
      // without confirming, the next batch carries some of the same messages again
      const second = await api.tmcMessagesConsume(50)
      const firstIds = new Set(first.map((m) => m.id))
      const repeated = second.filter((m) => firstIds.has(m.id))
      expect(repeated.length).toBeGreaterThan(0)
      expect(repeated.length).toBeLessThan(50)
      const seen = [...new Set([...first, ...second].map((m) => m.id))]
      await api.tmcMessagesConfirm(seen)
      const later: string[] = []
      for (let i = 0; i < 10; i++) {
        tmcSim.clock.advance(10 * 60_000) // past the redelivery delay too
        const batch = await api.tmcMessagesConsume(200)
        later.push(...batch.map((m) => m.id))
        await api.tmcMessagesConfirm(batch.map((m) => m.id))
      }
      expect(later.length).toBeGreaterThan(0)
      expect(later.filter((id) => seen.includes(id))).toEqual([])
    } finally {
      await tmcServer.close()
    }
  })
})

describe('OAuth', () => {
  it('code → token → the token works as session, and refreshes after it expires', async () => {
    const url = authorizeUrl({ authorizeBase: server.authorizeUrl, appKey: 'K', redirectUri: 'http://erp.test/callback', state: 'xyz' })
    const redirect = await fetch(url, { redirect: 'manual' })
    expect(redirect.status).toBe(302)
    const location = new URL(redirect.headers.get('location')!)
    expect(location.origin + location.pathname).toBe('http://erp.test/callback')
    expect(location.searchParams.get('state')).toBe('xyz')
    const code = location.searchParams.get('code')!

    const base = { tokenUrl: server.tokenUrl, appKey: 'K', appSecret: 'S', now: () => sim.clock.now() }
    const tokens = await exchangeCode({ ...base, code, redirectUri: 'http://erp.test/callback' })
    expect(tokens.userNick).toBe(sim.options.sellerNick)
    expect(tokens.userId).toBe(sim.options.sellerUserId)
    expect(tokens.expiresAt).toBeGreaterThan(sim.clock.now())
    await expect(exchangeCode({ ...base, code, redirectUri: 'http://erp.test/callback' })).rejects.toMatchObject({ error: 'invalid_grant' })

    let refreshed = 0
    const { api } = makeClient({
      session: tokens.accessToken,
      refreshSession: async () => {
        refreshed += 1
        return (await refreshToken({ ...base, refreshToken: tokens.refreshToken! })).accessToken
      },
    })
    expect((await api.tradesSoldGet(lastDay)).trades).toHaveLength(20)
    await control('POST', '/__sim/faults', { expire_session: true })
    expect((await api.tradesSoldGet(lastDay)).trades).toHaveLength(20)
    expect(refreshed).toBe(1)
    await expect(exchangeCode({ ...base, appSecret: 'nope', code: 'x', redirectUri: 'http://erp.test/callback' })).rejects.toMatchObject({ error: 'invalid_client' })
  })
})
