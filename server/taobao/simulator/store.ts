import { Catalog, type SimCatalogInput } from './catalog'
import { ArrivalStream, finishTimeAfterShip, planTrade, tradeDetails, type GeneratorSettings, type TradeDetails, type TradePlan } from './generator'
import { foldTrade, staticEvents, type TradeEvent, type TradeState } from './lifecycle'

const SECOND = 1000
const HOUR = 3_600_000
const DAY = 24 * HOUR
/** trades are generated this far ahead of the clock, so generation happens in chunks */
const GENERATION_CHUNK_MS = 6 * HOUR
/** event index keys: whole seconds × 2^22 + trade index (fits a double exactly until 2038) */
const INDEX_BITS = 2 ** 22
const MAX_TRADES = INDEX_BITS - 1
const DETAILS_CACHE_SIZE = 20_000

export interface StoreSettings extends GeneratorSettings {
  startTime: number
  historyDays: number
  tradesPerHour: number
  catalog?: SimCatalogInput
}

export interface TradeView {
  plan: TradePlan
  state: TradeState
}

const toSecond = (ms: number) => Math.floor(ms / SECOND) * SECOND
const eventKey = (at: number, index: number) => Math.floor(at / SECOND) * INDEX_BITS + index

function lowerBound(values: ArrayLike<number>, target: number): number {
  let lo = 0
  let hi = values.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (values[mid] < target) lo = mid + 1
    else hi = mid
  }
  return lo
}

function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length)
  let i = 0
  let j = 0
  let k = 0
  while (i < a.length && j < b.length) out[k++] = a[i] <= b[j] ? a[i++] : b[j++]
  while (i < a.length) out[k++] = a[i++]
  while (j < b.length) out[k++] = b[j++]
  return out
}

/**
 * The shop's trades. Plans are generated lazily in created order; a trade's state at any moment is
 * folded from its plan plus the ERP's API calls (dynamic events). Two sorted indexes answer the
 * list APIs: creation times, and every event time (for modified windows).
 */
export class TradeStore {
  readonly catalog: Catalog
  readonly historyStart: number
  private readonly settings: StoreSettings
  private readonly arrivals: ArrivalStream
  private readonly plans: TradePlan[] = []
  private readonly createdTimes: number[] = []
  private staticKeys: Float64Array = new Float64Array(0)
  private dynamicKeys: number[] = []
  private readonly dynamicEvents = new Map<number, TradeEvent[]>()
  private generatedUntil: number
  private pendingCreated: number
  private readonly detailsCache = new Map<number, TradeDetails>()
  /** bumped by every API write, so cached query results are dropped */
  version = 0

  constructor(settings: StoreSettings) {
    this.settings = settings
    this.catalog = new Catalog(settings.seed, settings.startTime, settings.catalog)
    this.historyStart = settings.startTime - settings.historyDays * DAY
    this.arrivals = new ArrivalStream(settings.seed, this.historyStart, settings.tradesPerHour)
    this.pendingCreated = this.arrivals.next()
    this.generatedUntil = this.historyStart
    this.ensureGenerated(settings.startTime)
  }

  get tradeCount(): number {
    return this.plans.length
  }

  /** Generates plans up to `until` (plus a chunk ahead) and indexes their events. */
  ensureGenerated(until: number) {
    if (until < this.generatedUntil) return
    const target = until + GENERATION_CHUNK_MS
    const newKeys: number[] = []
    while (this.pendingCreated <= target) {
      const index = this.plans.length
      if (index >= MAX_TRADES) throw new RangeError(`the simulator holds at most ${MAX_TRADES} trades`)
      const plan = planTrade(this.settings, index, this.pendingCreated)
      this.plans.push(plan)
      this.createdTimes.push(plan.created)
      for (const event of staticEvents(plan)) newKeys.push(eventKey(event.at, index))
      this.pendingCreated = this.arrivals.next()
    }
    this.generatedUntil = target
    if (newKeys.length) this.staticKeys = mergeSorted(this.staticKeys, Float64Array.from(newKeys).sort())
  }

  plan(index: number): TradePlan | undefined {
    return this.plans[index]
  }

  findByTid(tid: string): TradePlan | undefined {
    // tids grow with the index: binary search on the numeric value
    const target = BigInt(tid)
    let lo = 0
    let hi = this.plans.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const value = BigInt(this.plans[mid].tid)
      if (value === target) return this.plans[mid]
      if (value < target) lo = mid + 1
      else hi = mid - 1
    }
    return undefined
  }

  details(plan: TradePlan): TradeDetails {
    let details = this.detailsCache.get(plan.index)
    if (!details) {
      details = tradeDetails(this.settings.seed, this.catalog, plan)
      if (this.detailsCache.size >= DETAILS_CACHE_SIZE) this.detailsCache.delete(this.detailsCache.keys().next().value!)
      this.detailsCache.set(plan.index, details)
    }
    return details
  }

  state(plan: TradePlan, now: number): TradeState {
    return foldTrade(plan, this.dynamicEvents.get(plan.index), now)
  }

  /** Plans created in [from, to] (inclusive, whole seconds) and not after now, oldest first. */
  createdBetween(from: number, to: number, now: number): TradePlan[] {
    this.ensureGenerated(now)
    const lo = lowerBound(this.createdTimes, toSecond(from))
    const hi = lowerBound(this.createdTimes, toSecond(Math.min(to, now)) + 1)
    return this.plans.slice(lo, Math.max(lo, hi))
  }

  /** Trades with an event in [from, to] up to now: a superset of those modified in the window. */
  touchedBetween(from: number, to: number, now: number): TradePlan[] {
    this.ensureGenerated(now)
    const low = eventKey(from, 0)
    const high = eventKey(Math.min(to, now), 0) + INDEX_BITS
    const indexes = new Set<number>()
    for (let i = lowerBound(this.staticKeys, low); i < this.staticKeys.length && this.staticKeys[i] < high; i++) {
      indexes.add(this.staticKeys[i] % INDEX_BITS)
    }
    for (let i = lowerBound(this.dynamicKeys, low); i < this.dynamicKeys.length && this.dynamicKeys[i] < high; i++) {
      indexes.add(this.dynamicKeys[i] % INDEX_BITS)
    }
    return [...indexes].sort((a, b) => a - b).map((index) => this.plans[index])
  }

  /** Trades whose `modified` at `now` lies in [from, to]. */
  modifiedBetween(from: number, to: number, now: number): TradeView[] {
    const lo = toSecond(from)
    const hi = toSecond(to)
    const views: TradeView[] = []
    for (const plan of this.touchedBetween(lo, hi, now)) {
      const state = this.state(plan, now)
      if (state.modified >= lo && state.modified <= hi) views.push({ plan, state })
    }
    return views
  }

  /** Every trade that exists at now, oldest first. */
  allTrades(now: number): TradePlan[] {
    this.ensureGenerated(now)
    return this.plans.slice(0, lowerBound(this.createdTimes, toSecond(now) + 1))
  }

  /** Records an API shipment of some lines; adds the buyer's confirmation when it completes the trade. */
  addShipment(plan: TradePlan, at: number, lines: number[], companyCode: string, outSid: string) {
    const when = toSecond(at)
    this.addDynamicEvent(plan, { at: when, kind: 'api_ship', lines, companyCode, outSid })
    const state = this.state(plan, when)
    if (state.status === 'WAIT_BUYER_CONFIRM_GOODS') this.addDynamicEvent(plan, { at: finishTimeAfterShip(plan, when), kind: 'api_finish' })
    this.version += 1
  }

  private addDynamicEvent(plan: TradePlan, event: TradeEvent) {
    const events = this.dynamicEvents.get(plan.index) ?? []
    events.push(event)
    events.sort((a, b) => a.at - b.at)
    this.dynamicEvents.set(plan.index, events)
    const key = eventKey(event.at, plan.index)
    this.dynamicKeys.splice(lowerBound(this.dynamicKeys, key), 0, key)
  }
}
