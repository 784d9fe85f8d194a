import type { AppContext } from '../context'
import { SkuMatcher } from '../erp/trade-orders'
import { conflict } from '../lib/errors'
import type { RecordsService } from '../records/service'
import { parseTopTime, threeMonthsBefore, TopError, type TaobaoApi, type TopClient, type TopErrorKind, type TopTrade } from '../taobao'
import { apiFor } from './client-factory'
import type { ShopConnection, ShopConnections } from './connections'
import { applyTradeEffects, type EffectCounts } from './erp-effects'
import { SyncLease } from './lease'
import { Checkpoints, SyncRetries, SyncRuns, type SyncCounts } from './runs'
import { tradeRecord } from './trade-mapping'
import { ruleActor, SYNC_ACTOR } from '../audit/actors'

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
/** First-sync created windows: a week each (about 13 windows for three months). */
const CREATED_WINDOW = 7 * DAY
/** Incremental windows: ≤ 30 min (Taobao's advice), starting 15 min before the checkpoint. */
export const INCREMENT_WINDOW = 30 * MINUTE
export const OVERLAP = 15 * MINUTE
/** The newest minute is left for the next run: list APIs may lag a little behind writes. */
const SETTLE = MINUTE
const PAGE_SIZE = 100
/**
 * Pulled pages are stored a few at a time: one transaction per 500 trades costs about a fifth of
 * the queries of one per page. Each window is flushed before its checkpoint moves.
 */
const TRADES_PER_WRITE = 500

export interface SyncSummary extends SyncCounts, EffectCounts {
  /** buyer messages read in full (list APIs leave them out) */
  messages_read?: number
  /** trades from the retry list (earlier failures) stored in this run */
  retried?: number
  /** trades on the retry list after this run */
  retry_pending?: number
  run_id: number
  shop_id: number
  kind: 'initial' | 'incremental'
  status: 'succeeded' | 'failed'
  synced_until: string | null
  message: string | null
  errors: string[]
}

/**
 * Pulls a shop's trades into platform_trades and on into ERP orders. The first run walks
 * created-time windows back three months; later runs walk modified-time windows from the
 * checkpoint (with overlap). A window's checkpoint is saved only once the whole window is
 * stored (a trade that could not be stored is on the retry list by then, and read again on the
 * next runs), and every write is an idempotent upsert by shop + tid that ignores older data — so
 * a repeated, overlapping or interrupted run leaves no duplicates and nothing missed.
 */
export class TradeSync {
  private readonly runs: SyncRuns
  private readonly checkpoints: Checkpoints
  private readonly retries: SyncRetries

  constructor(
    private readonly ctx: AppContext,
    private readonly connections: ShopConnections,
    private readonly hooks: { afterPage?: (page: number) => Promise<void> | void } = {},
  ) {
    this.runs = new SyncRuns(ctx.db.knex)
    this.checkpoints = new Checkpoints(ctx.db.knex)
    this.retries = new SyncRetries(ctx.db.knex)
  }

  async run(shopId: number, options: { full?: boolean } = {}): Promise<SyncSummary> {
    // The connection is looked up before the lease is taken: a shop without one must not hold it.
    const connection = await this.connections.get(shopId)
    const lease = new SyncLease(this.ctx.db.knex, shopId)
    if (!(await lease.acquire())) throw conflict('this shop is being synced right now; try again when that run finishes').because('sync_running')
    try {
      return await this.runLeased(shopId, connection, lease, options)
    } finally {
      await lease.release()
    }
  }

  private async runLeased(shopId: number, connection: ShopConnection, lease: SyncLease, options: { full?: boolean }): Promise<SyncSummary> {
    if (options.full) for (const stream of ['trades', 'trades_initial', 'trades_initial_started']) await this.checkpoints.clear(shopId, stream)
    const initial = (await this.checkpoints.get(shopId, 'trades')) === null
    const runId = await this.runs.start(shopId, initial ? 'initial' : 'incremental')
    const counts: SyncCounts = { windows: 0, pages: 0, created: 0, updated: 0, unchanged: 0, failed: 0 }
    const effects: EffectCounts = { orders_created: 0, orders_cancelled: 0, orders_flagged: 0, orders_updated: 0, after_sales: 0 }
    const errors: string[] = []
    let syncedUntil: number | null = null
    try {
      if (connection.status === 'needs_reauth') throw new Error(`店铺需要重新授权：${connection.statusReason ?? ''}`)
      const { client, api } = apiFor(connection, this.connections)
      const now = await gatewayNow(client, api)
      const store = await PageStore.open(this.ctx, this.retries, shopId, counts, effects, errors)
      let renewed = Date.now()
      const renew = async () => {
        // Renewed a few times per lease period, not on every page.
        if (Date.now() - renewed < 20_000) return
        if (!(await lease.renew())) throw new Error('the sync lease was lost to another process')
        renewed = Date.now()
      }
      const progress = (done: number, total: number, message: string) => this.runs.progress(runId, counts, (100 * done) / Math.max(total, 1), message)

      if (initial) {
        // When the first initial run began: trades in the windows it stores can change while it (and
        // any run resuming it) goes on, so the incremental sync starts from there.
        let began = await this.checkpoints.get(shopId, 'trades_initial_started')
        if (began === null) {
          began = now
          await this.checkpoints.set(shopId, 'trades_initial_started', began)
        }
        // Created windows of a week, oldest first, back to the API's three-month limit.
        const start = (await this.checkpoints.get(shopId, 'trades_initial')) ?? threeMonthsBefore(now) + MINUTE
        const windows = Math.ceil((now - start) / CREATED_WINDOW)
        for (let from = start, n = 0; from < now; from += CREATED_WINDOW, n++) {
          const to = Math.min(from + CREATED_WINDOW, now)
          await this.pullCreated(api, store, from, to, renew)
          counts.windows++
          await this.checkpoints.set(shopId, 'trades_initial', to)
          await progress(n + 1, windows, `首次同步 ${new Date(to).toISOString().slice(0, 10)}`)
        }
        await this.checkpoints.set(shopId, 'trades', began - OVERLAP)
        await this.checkpoints.clear(shopId, 'trades_initial')
        await this.checkpoints.clear(shopId, 'trades_initial_started')
        syncedUntil = now
        // A resumed first sync catches up at once with what changed since the first run began.
        if (began !== now) syncedUntil = await this.pullIncrements(api, store, shopId, now, renew, progress)
      } else {
        syncedUntil = await this.pullIncrements(api, store, shopId, now, renew, progress)
      }
      await store.retryFailed(api, renew)
      await store.fillMessages(api)
      const message = store.report()
      await this.runs.finish(runId, counts, 'succeeded', message, errors, { ...effects, messages_read: store.messages, retried: store.recovered })
      return { ...summary(runId, shopId, initial, 'succeeded', counts, effects, syncedUntil, message, errors), messages_read: store.messages, retried: store.recovered, retry_pending: await this.retries.count(shopId) }
    } catch (error) {
      const message = describe(error)
      await this.runs.finish(runId, counts, 'failed', message, errors, { ...effects })
      return { ...summary(runId, shopId, initial, 'failed', counts, effects, syncedUntil, message, errors), retry_pending: await this.retries.count(shopId) }
    }
  }

  /** Modified windows from the checkpoint (less the overlap) to a minute ago; answers where they end. */
  private async pullIncrements(api: TaobaoApi, store: PageStore, shopId: number, now: number, renew: () => Promise<void>, progress: (done: number, total: number, message: string) => Promise<void>): Promise<number | null> {
    const checkpoint = (await this.checkpoints.get(shopId, 'trades'))!
    const end = now - SETTLE
    const windows = Math.max(1, Math.ceil((end - (checkpoint - OVERLAP)) / INCREMENT_WINDOW))
    let syncedUntil: number | null = null
    let n = 0
    for (let from = checkpoint - OVERLAP; from < end; from += INCREMENT_WINDOW, n++) {
      const to = Math.min(from + INCREMENT_WINDOW, end)
      await this.pullModified(api, store, from, to, renew)
      store.counts.windows++
      await this.checkpoints.set(shopId, 'trades', to)
      syncedUntil = to
      await progress(n + 1, windows, `增量同步至 ${new Date(to).toISOString()}`)
    }
    return syncedUntil
  }

  /**
   * TMC push: trade and refund messages name trades that changed; each is read in full (which
   * also brings memos and messages), stored through the same path as pulled pages, and only then
   * confirmed. A message whose trade could not be read or stored stays unconfirmed, so TMC
   * delivers it again (a trade that failed to store is also on the retry list of the pulls).
   * Repeated messages are harmless (upserts), and the pulls stay as the safety net.
   */
  async consumeMessages(shopId: number, maxBatches = 10): Promise<{ messages: number; trades: number; failed: number }> {
    const connection = await this.connections.get(shopId)
    const lease = new SyncLease(this.ctx.db.knex, shopId)
    if (!(await lease.acquire())) return { messages: 0, trades: 0, failed: 0 }
    const result = { messages: 0, trades: 0, failed: 0 }
    try {
      const { api } = apiFor(connection, this.connections)
      const counts: SyncCounts = { windows: 0, pages: 0, created: 0, updated: 0, unchanged: 0, failed: 0 }
      const effects: EffectCounts = { orders_created: 0, orders_cancelled: 0, orders_flagged: 0, orders_updated: 0, after_sales: 0 }
      const store = await PageStore.open(this.ctx, this.retries, shopId, counts, effects, [])
      // Changes the pulls have already stored need no second read.
      const pulledUntil = (await this.checkpoints.get(shopId, 'trades')) ?? 0
      // Batches of stale messages (only confirmed) do not count against the limit.
      for (let batch = 0, reads = 0; reads < maxBatches && batch < maxBatches * 20; batch++) {
        const messages = await api.tmcMessagesConsume(100)
        if (messages.length === 0) break
        const tidOf = (m: (typeof messages)[number]) => {
          const tid = m.content.tid
          return typeof tid === 'string' || typeof tid === 'number' ? String(tid) : null
        }
        const fresh = messages.filter((m) => messageTime(m.pub_time) > pulledUntil)
        if (fresh.length) reads++
        const tids = [...new Set(fresh.map(tidOf).filter((tid): tid is string => tid !== null))]
        const trades: TopTrade[] = []
        const unstored = new Set<string>()
        for (let i = 0; i < tids.length; i += 10) {
          const read = await Promise.all(
            tids.slice(i, i + 10).map(async (tid) => {
              try {
                return await api.tradeFullinfoGet(tid)
              } catch (error) {
                // An outage or a bad session ends the consume; a trade that cannot be read waits.
                if (!(error instanceof TopError) || !TRADE_REFUSALS.has(error.kind)) throw error
                unstored.add(tid)
                return null
              }
            }),
          )
          trades.push(...read.filter((trade): trade is TopTrade => trade !== null))
        }
        for (const tid of (await store.save(trades)).keys()) unstored.add(tid)
        const stored = messages.filter((m) => {
          const tid = tidOf(m)
          return tid === null || !unstored.has(tid)
        })
        await api.tmcMessagesConfirm(stored.map((m) => m.id))
        result.messages += stored.length
        result.trades += trades.length
        result.failed += unstored.size
      }
      return result
    } finally {
      await lease.release()
    }
  }

  /**
   * Created windows page forwards. The next page is fetched while the current one is written, so
   * the gateway's time and the database's time overlap.
   */
  private async pullCreated(api: TaobaoApi, store: PageStore, from: number, to: number, renew: () => Promise<void>) {
    const fetchPage = (page: number) => api.tradesSoldGet({ startCreated: from, endCreated: to, pageNo: page, pageSize: PAGE_SIZE, useHasNext: true })
    let current = await fetchPage(1)
    for (let page = 1; ; page++) {
      const next = current.hasNext && current.trades.length > 0 ? fetchPage(page + 1) : null
      // A failed prefetch is reported when it is awaited, not as an unhandled rejection meanwhile.
      next?.catch(() => {})
      await store.add(current.trades)
      await renew()
      await this.hooks.afterPage?.(page)
      if (!next) return store.flush()
      current = await next
    }
  }

  /**
   * Modified windows are paged from the last page back to the first, as Taobao advises: trades
   * that change while we page move to the front of the list, so walking backwards never skips one.
   * As above, the next page is fetched while the current one is written.
   */
  private async pullModified(api: TaobaoApi, store: PageStore, from: number, to: number, renew: () => Promise<void>) {
    const fetchPage = (page: number) => api.tradesSoldIncrementGet({ startModified: from, endModified: to, pageNo: page, pageSize: PAGE_SIZE })
    const first = await fetchPage(1)
    const pages = Math.ceil((first.totalResults ?? first.trades.length) / PAGE_SIZE)
    let next = pages >= 2 ? fetchPage(pages) : null
    for (let page = pages; page >= 2; page--) {
      const current = await next!
      next = page - 1 >= 2 ? fetchPage(page - 1) : null
      next?.catch(() => {})
      await store.add(current.trades)
      await renew()
      await this.hooks.afterPage?.(page)
    }
    await store.add(first.trades)
    await store.flush()
    await renew()
  }
}

/**
 * One page of trades into platform_trades (one batch) and on into the ERP. A trade that cannot be
 * stored goes on the shop's retry list before the page counts as done, so before any checkpoint
 * moves past it; a trade on the list leaves it once stored (by a later page or by a retry).
 */
class PageStore {
  private readonly writer: TradeWriter
  /** the shop's retry list, read when the run began and kept up to date */
  private readonly waiting: Set<string>
  /** tids that failed in this run: retried on the next runs, not again in this one */
  private readonly failedNow = new Set<string>()
  /** trades from the retry list stored in this run */
  recovered = 0
  /** trades dropped from the retry list in this run after too many attempts */
  private gaveUp = 0
  /** buyer messages read in full this run */
  messages = 0

  private constructor(
    private readonly ctx: AppContext,
    private readonly retries: SyncRetries,
    private readonly shopId: number,
    readonly counts: SyncCounts,
    effects: EffectCounts,
    private readonly errors: string[],
    waiting: string[],
  ) {
    this.writer = new TradeWriter(ctx.records.as(SYNC_ACTOR), counts, effects, (tid, message) => errors.push(`${tid}: ${message}`))
    this.waiting = new Set(waiting)
  }

  static async open(ctx: AppContext, retries: SyncRetries, shopId: number, counts: SyncCounts, effects: EffectCounts, errors: string[]): Promise<PageStore> {
    const waiting = (await retries.list(shopId)).map((r) => r.tid)
    return new PageStore(ctx, retries, shopId, counts, effects, errors, waiting)
  }

  /** Pulled trades waiting to be stored, by tid: a trade seen twice keeps its newest state. */
  private readonly pending = new Map<string, Record<string, unknown>>()

  /** Takes a pulled page; stores what has gathered once there is enough for one write. */
  async add(trades: TopTrade[]): Promise<void> {
    this.counts.pages++
    for (const trade of trades) {
      const record = tradeRecord(this.shopId, trade)
      const tid = String(record.tid)
      const seen = this.pending.get(tid)
      if (!seen || !(Date.parse(String(record.modified)) < Date.parse(String(seen.modified)))) this.pending.set(tid, record)
    }
    if (this.pending.size >= TRADES_PER_WRITE) await this.flush()
  }

  /** Stores every pulled trade not yet stored (a trade that cannot be is on the retry list after). */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return
    const records = [...this.pending.values()]
    this.pending.clear()
    await this.write(records)
  }

  /** Stores a page now; answers the tids that could not be stored (now on the retry list), with why. */
  async save(trades: TopTrade[]): Promise<Map<string, string>> {
    this.counts.pages++
    if (trades.length === 0) return new Map()
    return this.write(trades.map((trade) => tradeRecord(this.shopId, trade)))
  }

  private async write(records: Record<string, unknown>[], counts: SyncCounts = this.counts): Promise<Map<string, string>> {
    const failed = await this.writer.write(records, counts)
    await this.recordFailures(failed)
    const stored = records.map((r) => String(r.tid)).filter((tid) => this.waiting.has(tid) && !failed.has(tid))
    if (stored.length) {
      await this.retries.stored(this.shopId, stored)
      for (const tid of stored) this.waiting.delete(tid)
      this.recovered += stored.length
    }
    return failed
  }

  private async recordFailures(failed: Map<string, string>) {
    // An attempt is a run: a trade failing twice in one run (overlapping windows) counts once.
    const fresh = new Map([...failed].filter(([tid]) => !this.failedNow.has(tid)))
    if (fresh.size === 0) return
    const dropped = await this.retries.failed(this.shopId, fresh, MAX_RETRY_ATTEMPTS)
    for (const tid of fresh.keys()) {
      this.failedNow.add(tid)
      this.waiting.add(tid)
    }
    for (const { tid, attempts, error } of dropped) {
      this.waiting.delete(tid)
      this.gaveUp++
      this.errors.push(`${tid}: 已尝试 ${attempts} 次仍未保存，不再重试（该交易在淘宝再有变化时会重新同步）：${error ?? ''}`)
    }
  }

  /**
   * Trades earlier runs could not store are read in full again and stored (those that failed in
   * this run wait for the next one). A trade-specific refusal counts as a failed attempt; any
   * other API error (outage, session) ends the run as failed, leaving the list as it is.
   */
  async retryFailed(api: TaobaoApi, renew: () => Promise<void>, limit = RETRIES_PER_RUN): Promise<void> {
    const due = [...this.waiting].filter((tid) => !this.failedNow.has(tid)).slice(0, limit)
    for (let i = 0; i < due.length; i += 10) {
      const unread = new Map<string, string>()
      const trades: TopTrade[] = []
      await Promise.all(
        due.slice(i, i + 10).map(async (tid) => {
          try {
            trades.push(await api.tradeFullinfoGet(tid))
          } catch (error) {
            if (!(error instanceof TopError) || !TRADE_REFUSALS.has(error.kind)) throw error
            unread.set(tid, describe(error))
            this.counts.failed++
            this.errors.push(`${tid}: ${describe(error)}`)
          }
        }),
      )
      await this.recordFailures(unread)
      if (trades.length) await this.write(trades.map((trade) => tradeRecord(this.shopId, trade)))
      await renew()
    }
  }

  /**
   * List APIs leave out buyer messages: paid trades flagged as having one are read in full, a
   * limited number per run (the rest follow on the next runs), so the merchant sees the message
   * before shipping and auto-audit can tell.
   */
  async fillMessages(api: TaobaoApi, limit = MESSAGES_PER_RUN): Promise<void> {
    const { data: rows } = await this.ctx.records.list('platform_trades', {
      filter: {
        and: [
          { field: 'shop', op: 'eq', value: this.shopId },
          { field: 'has_buyer_message', op: 'eq', value: true },
          { field: 'buyer_message', op: 'is_empty' },
          { field: 'status', op: 'in', value: ['WAIT_SELLER_SEND_GOODS', 'SELLER_CONSIGNED_PART'] },
        ],
      },
      sort: '-id',
      limit,
      total: false,
    })
    const records: Record<string, unknown>[] = []
    // Ten reads at a time (the shop's rate limiter still paces them).
    for (let i = 0; i < rows.length; i += 10) {
      await Promise.all(
        rows.slice(i, i + 10).map(async ({ tid }) => {
          try {
            const full = await api.tradeFullinfoGet(String(tid))
            records.push({ ...tradeRecord(this.shopId, full), buyer_message: full.buyer_message || '（留言为空）' })
          } catch (error) {
            this.errors.push(`${tid}: ${describe(error)}`)
          }
        }),
      )
    }
    // Backfilled messages are not the platform's changes: counted apart from created/updated.
    const filled: SyncCounts = { windows: 0, pages: 0, created: 0, updated: 0, unchanged: 0, failed: 0 }
    if (records.length) await this.write(records, filled)
    this.messages += filled.updated
    this.counts.failed += filled.failed
  }

  /** The run's message: what failed and waits for a retry, what was recovered or given up. */
  report(): string | null {
    const waiting = [...this.failedNow].filter((tid) => this.waiting.has(tid)).length
    const parts = [
      waiting ? `${waiting} 笔交易未能保存，已记入重试列表，下次同步时重新读取` : '',
      this.recovered ? `重试列表中 ${this.recovered} 笔交易已保存` : '',
      this.gaveUp ? `${this.gaveUp} 笔交易多次重试仍未保存，已放弃` : '',
      this.messages ? `读取买家留言 ${this.messages} 条` : '',
    ].filter(Boolean)
    return parts.length ? parts.join('；') : null
  }
}

/**
 * Runs inside each batch's transaction before the upsert and may leave records out or adjust
 * them (the seller-center import keeps newer API data); `kept` records count as unchanged.
 */
export type TradeScreen = (service: RecordsService, records: Record<string, unknown>[]) => Promise<{ records: Record<string, unknown>[]; kept: number }>

/**
 * How trade records reach platform_trades and the ERP, for the sync and the seller-center
 * import alike: a batch is upserted by shop + tid (older data ignored) with its ERP effects in
 * one transaction. If that fails, each trade is tried on its own so one bad trade cannot hold up
 * the rest; those that still fail are counted and reported with their tid. Trades are written as
 * `service`'s actor; their ERP effects as the system.
 */
export class TradeWriter {
  constructor(
    private readonly service: RecordsService,
    readonly counts: SyncCounts,
    readonly effects: EffectCounts,
    private readonly onFailure: (tid: string, message: string) => void,
    private readonly screen?: TradeScreen,
  ) {}

  /** Answers the tids that could not be written, with why (each also reported to onFailure). */
  async write(records: Record<string, unknown>[], counts: SyncCounts = this.counts): Promise<Map<string, string>> {
    const failed = new Map<string, string>()
    await this.writeOrSplit(records, counts, failed)
    return failed
  }

  private async writeOrSplit(records: Record<string, unknown>[], counts: SyncCounts, failed: Map<string, string>): Promise<void> {
    try {
      await this.writeTogether(records, counts)
    } catch (error) {
      if (records.length === 1) {
        counts.failed++
        failed.set(String(records[0].tid), describe(error))
        this.onFailure(String(records[0].tid), describe(error))
        return
      }
      for (const record of records) await this.writeOrSplit([record], counts, failed)
    }
  }

  private async writeTogether(records: Record<string, unknown>[], counts: SyncCounts) {
    const { result, kept, effects } = await this.service.transaction(async (records_) => {
      const screened = this.screen ? await this.screen(records_, records) : { records, kept: 0 }
      const result = screened.records.length
        ? await records_.upsertMany('platform_trades', screened.records, { by: ['shop', 'tid'], ifNewer: 'modified' })
        : { created: 0, updated: 0, unchanged: 0, changed: [] as number[] }
      // Only trades that are new or changed can change the ERP.
      // the trades' effects are the rules of whoever wrote them (the sync's own, or an importing user's)
      const system = records_.as(ruleActor(records_.actor))
      const effects = await applyTradeEffects(system, result.changed, new SkuMatcher(system))
      return { result, kept: screened.kept, effects }
    })
    counts.created += result.created
    counts.updated += result.updated
    counts.unchanged += result.unchanged + kept
    for (const key of Object.keys(effects) as (keyof EffectCounts)[]) this.effects[key] += effects[key]
  }
}

/** Full reads of trades per run for their buyer messages (each is one API call). */
const MESSAGES_PER_RUN = 200
/** Full reads per run of trades earlier runs could not store. */
const RETRIES_PER_RUN = 200
/** Failed attempts (the pull's included) after which a trade leaves the retry list. */
export const MAX_RETRY_ATTEMPTS = 5
/** Errors about the trade itself (it cannot be read), not about the API or the session. */
const TRADE_REFUSALS = new Set<TopErrorKind>(['isv', 'arguments'])


function messageTime(value: unknown): number {
  if (typeof value === 'number') return value
  return typeof value === 'string' ? (parseTopTime(value) ?? 0) : 0
}

/** The gateway's clock: a tiny call teaches the client any offset (the simulator runs its own time). */
async function gatewayNow(client: TopClient, api: TaobaoApi): Promise<number> {
  const now = client.gatewayNow()
  await api.tradesSoldIncrementGet({ startModified: now - MINUTE, endModified: now, pageNo: 1, pageSize: 1 })
  return client.gatewayNow()
}

function describe(error: unknown): string {
  // Only codes are kept: what a gateway wrote in its answer (msg, sub_msg, a body) is not repeated.
  if (error instanceof TopError) return topErrorText(error)
  return error instanceof Error ? error.message : String(error)
}

function summary(runId: number, shopId: number, initial: boolean, status: 'succeeded' | 'failed', counts: SyncCounts, effects: EffectCounts, until: number | null, message: string | null, errors: string[]): SyncSummary {
  return {
    run_id: runId,
    shop_id: shopId,
    kind: initial ? 'initial' : 'incremental',
    status,
    ...counts,
    ...effects,
    synced_until: until === null ? null : new Date(until).toISOString(),
    message,
    errors,
  }
}

/** A TOP error as the sync log shows it: the kind, the HTTP status and the error codes, never the gateway's own words. */
export function topErrorText(error: TopError): string {
  const code = (value: unknown) => (value === undefined || value === null ? '' : String(value).replace(/[^\w.:-]/g, '').slice(0, 64))
  const parts = [`淘宝接口错误（${error.kind}`]
  if (error.httpStatus !== undefined) parts.push(`HTTP ${error.httpStatus}`)
  if (error.code !== null) parts.push(`code ${error.code}`)
  if (error.subCode) parts.push(code(error.subCode))
  return `${parts.join('，')}）`
}
