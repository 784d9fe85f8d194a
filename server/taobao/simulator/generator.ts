import type { Catalog, SimItem, SimSku } from './catalog'
import {
  BUYER_MESSAGES, MOBILE_PREFIXES, NICK_HEADS, NICK_TAILS, REFUND_REASONS, REGIONS, SELLER_COMPANIES, SELLER_MEMOS,
  STREETS, SURNAMES, TOWNS, TRADE_FROMS,
} from './data'
import { hashSeed, Random } from './random'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** 64-bit ids far above 2^53, like today's Taobao tids. */
const TID_BASE = 3_000_000_000_000_000_000n
const REFUND_ID_BASE = 160_000_000_000_000_000n

export interface GeneratorSettings {
  seed: number
  /** share of paid trades the simulated seller ships within two days (the rest wait 3-4 days for the ERP) */
  sellerShipRatio: number
}

export interface RefundPlan {
  /** every line (→ TRADE_CLOSED) or one line */
  full: boolean
  line: number
  requestAt: number
  resolveAt: number
  success: boolean
}

/** A trade's fixed script: what happens to it and when, unless the ERP acts first. */
export interface TradePlan {
  index: number
  tid: string
  created: number
  lineCount: number
  payAt: number | null
  /** unpaid → TRADE_CLOSED_BY_TAOBAO */
  closeAt: number | null
  /** the simulated seller ships from the seller center (skipped once the ERP shipped through the API) */
  sellerShipAt: number | null
  /** buyer confirms this long after the full shipment */
  finishDelay: number
  memoAt: number | null
  addressChangeAt: number | null
  refund: RefundPlan | null
}

/** Shop traffic by hour of day (GMT+8), normalised to an average of 1. */
const HOUR_WEIGHTS = (() => {
  const raw = [0.5, 0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 0.7, 1, 1.2, 1.3, 1.3, 1.2, 1.2, 1.2, 1.2, 1.1, 1.1, 1.2, 1.4, 1.6, 1.7, 1.5, 1]
  const mean = raw.reduce((a, b) => a + b, 0) / raw.length
  return raw.map((w) => w / mean)
})()

/** Trade creation times: a Poisson stream following the daily rhythm, in whole seconds. */
export class ArrivalStream {
  private time: number
  private readonly random: Random
  private readonly meanGapMs: number

  constructor(seed: number, from: number, tradesPerHour: number) {
    if (!(tradesPerHour > 0)) throw new RangeError('tradesPerHour must be positive')
    this.time = from
    this.random = new Random(hashSeed(seed, 'arrivals'))
    this.meanGapMs = HOUR / tradesPerHour
  }

  next(): number {
    const hour = new Date(this.time + 8 * HOUR).getUTCHours()
    this.time += this.random.exponential(this.meanGapMs / HOUR_WEIGHTS[hour])
    return Math.floor(this.time / SECOND) * SECOND
  }
}

export function tradeId(seed: number, index: number): string {
  const offset = BigInt(hashSeed(seed, 'tid-block') % 100_000) * 10_000_000_000n
  return String(TID_BASE + offset + BigInt(index) * 1000n + BigInt(hashSeed(seed, 'tid', index) % 900))
}

/** Single-line trades reuse the tid as oid, as Taobao does; lines of bigger ones follow it. */
export function orderId(tid: string, lineCount: number, line: number): string {
  return lineCount === 1 ? tid : String(BigInt(tid) + BigInt(line + 1))
}

const refundBlock = (seed: number) => BigInt(hashSeed(seed, 'refund-block') % 10_000) * 100_000_000_000n

export function refundId(seed: number, index: number, line: number): string {
  return String(REFUND_ID_BASE + refundBlock(seed) + BigInt(index) * 10n + BigInt(line))
}

/** The (trade index, line) a refund id of this shop stands for; null for ids of other shops. */
export function refundLocation(seed: number, id: string): { index: number; line: number } | null {
  const offset = BigInt(id) - REFUND_ID_BASE - refundBlock(seed)
  if (offset < 0n || offset >= 100_000_000_000n) return null
  return { index: Number(offset / 10n), line: Number(offset % 10n) }
}

export function planTrade(settings: GeneratorSettings, index: number, created: number): TradePlan {
  const random = new Random(hashSeed(settings.seed, 'life', index))
  const lineCount = [1, 2, 3][random.weighted([70, 22, 8])]
  const paid = random.chance(0.88)
  const payAt = paid ? created + (random.chance(0.75) ? random.durationMs(20 * SECOND, 5 * MINUTE) : random.durationMs(5 * MINUTE, 3 * HOUR)) : null
  const closeAt = paid ? null : created + random.durationMs(HOUR, 24 * HOUR)
  let sellerShipAt: number | null = null
  if (payAt !== null) {
    sellerShipAt = random.chance(settings.sellerShipRatio)
      ? payAt + random.durationMs(2 * HOUR, 48 * HOUR)
      : payAt + random.durationMs(72 * HOUR, 96 * HOUR)
  }
  const finishDelay = random.durationMs(3 * DAY, 10 * DAY)
  const memoAt = random.chance(0.12) ? created + random.durationMs(2 * MINUTE, 48 * HOUR) : null
  const addressChangeAt = payAt !== null && random.chance(0.05) ? payAt + random.durationMs(5 * MINUTE, 12 * HOUR) : null
  let refund: RefundPlan | null = null
  const refundRoll = random.next()
  if (payAt !== null && ((lineCount > 1 && refundRoll < 0.06) || (refundRoll >= 0.06 && refundRoll < 0.1))) {
    const requestAt = payAt + random.durationMs(30 * MINUTE, 96 * HOUR)
    refund = {
      full: refundRoll >= 0.06,
      line: random.int(0, lineCount - 1),
      requestAt,
      resolveAt: requestAt + random.durationMs(HOUR, 48 * HOUR),
      success: random.chance(0.85),
    }
  }
  return { index, tid: tradeId(settings.seed, index), created, lineCount, payAt, closeAt, sellerShipAt, finishDelay, memoAt, addressChangeAt, refund }
}

/** The buyer confirms finishDelay after the full shipment, but not while a refund is open. */
export function finishTimeAfterShip(plan: TradePlan, shippedAt: number): number {
  const due = shippedAt + plan.finishDelay
  if (plan.refund && plan.refund.requestAt < due) return Math.max(due, plan.refund.resolveAt + 12 * HOUR)
  return due
}

export interface Receiver {
  name: string
  mobile: string
  state: string
  city: string
  district: string
  town: string
  address: string
  zip: string
  oaid: string
}

export interface LineDetail {
  oid: string
  item: SimItem
  sku: SimSku | null
  num: number
  priceCents: number
  totalCents: number
  discountCents: number
  paymentCents: number
  /** payment after the share of the trade-level discount */
  divideCents: number
  partMjzCents: number
}

/** Everything about a trade that does not change over time, derived from (seed, index). */
export interface TradeDetails {
  buyerNick: string
  buyerOpenUid: string
  /** [as ordered, after the buyer changed the address] */
  receivers: [Receiver, Receiver]
  lines: LineDetail[]
  totalCents: number
  postCents: number
  tradeDiscountCents: number
  paymentCents: number
  buyerMessage: string | null
  sellerMemo: string
  sellerFlag: number
  tradeFrom: string
  alipayNo: string
  sellerCompany: string
  sellerOutSid: string
  refundReason: string
}

const REPEAT_BUYERS = 300

function maskName(name: string): string {
  return name[0] + '*'.repeat(Math.max(1, name.length - 1))
}

function buyerReceiver(seed: number, buyerKey: number, slot: number, name: string, mobile: string): Receiver {
  const random = new Random(hashSeed(seed, 'address', buyerKey, slot))
  const region = REGIONS[random.weighted(REGIONS.map((r) => r.weight))]
  const town = random.pick(TOWNS)
  return {
    name: maskName(name),
    mobile: `${mobile.slice(0, 3)}********`,
    state: region.state,
    city: region.city,
    district: random.pick(region.districts),
    town,
    address: `${town}${random.pick(STREETS)}${'*'.repeat(random.int(4, 8))}`,
    zip: region.zip,
    oaid: `1${new Random(hashSeed(seed, 'oaid', buyerKey, slot)).alphanumeric(55)}`,
  }
}

function buyerNick(random: Random): string {
  switch (random.weighted([50, 25, 15, 10])) {
    case 0:
      return random.pick(NICK_HEADS) + random.pick(NICK_TAILS)
    case 1:
      return `tb${random.digits(9)}`
    case 2:
      return `t_15${random.digits(11)}`
    default:
      return random.pick(NICK_HEADS) + random.digits(4)
  }
}

export function tradeDetails(seed: number, catalog: Catalog, plan: TradePlan): TradeDetails {
  const random = new Random(hashSeed(seed, 'detail', plan.index))
  const buyerKey = random.chance(0.35) ? random.int(0, REPEAT_BUYERS - 1) : REPEAT_BUYERS + plan.index
  const buyer = new Random(hashSeed(seed, 'buyer', buyerKey))
  const nick = buyerNick(buyer)
  const openUid = `AAH${buyer.alphanumeric(21)}`
  const realName = buyer.pick([...SURNAMES]) + (buyer.chance(0.6) ? '**' : '*')
  const mobile = buyer.pick(MOBILE_PREFIXES) + buyer.digits(8)
  const usualSlot = random.chance(0.1) ? 1 : 0
  const receivers: [Receiver, Receiver] = [
    buyerReceiver(seed, buyerKey, usualSlot, realName, mobile),
    buyerReceiver(seed, buyerKey, 1 - usualSlot + 2, realName, mobile),
  ]

  const lines: LineDetail[] = []
  const usedSkus = new Set<string>()
  for (let line = 0; line < plan.lineCount; line++) {
    let item = catalog.items[catalog.pickItemIndex(random)]
    let sku = item.skus.length ? random.pick(item.skus) : null
    for (let attempt = 0; attempt < 5 && usedSkus.has(sku?.skuId ?? item.numIid); attempt++) {
      item = catalog.items[catalog.pickItemIndex(random)]
      sku = item.skus.length ? random.pick(item.skus) : null
    }
    usedSkus.add(sku?.skuId ?? item.numIid)
    const num = [1, 2, 3][random.weighted([80, 15, 5])]
    const priceCents = sku?.priceCents ?? item.priceCents
    const totalCents = priceCents * num
    const discountCents = random.chance(0.25) ? Math.floor((totalCents * random.int(5, 15)) / 100 / 100) * 100 : 0
    const paymentCents = totalCents - discountCents
    lines.push({ oid: orderId(plan.tid, plan.lineCount, line), item, sku, num, priceCents, totalCents, discountCents, paymentCents, divideCents: paymentCents, partMjzCents: 0 })
  }
  const linesPayment = lines.reduce((sum, line) => sum + line.paymentCents, 0)
  const postCents = random.chance(0.7) ? 0 : random.pick([600, 800, 1000, 1200])
  const tradeDiscountCents = linesPayment >= 9900 && random.chance(0.3) ? Math.min(random.pick([500, 1000, 2000]), Math.floor(linesPayment / 2)) : 0
  // The shop coupon is shared over the lines in proportion to their payment; the last takes the rest.
  let remaining = tradeDiscountCents
  lines.forEach((line, i) => {
    const share = i === lines.length - 1 ? remaining : Math.floor((tradeDiscountCents * line.paymentCents) / linesPayment)
    remaining -= share
    line.partMjzCents = share
    line.divideCents = line.paymentCents - share
  })
  const createdDay = new Date(plan.created + 8 * HOUR).toISOString().slice(0, 10).replace(/-/g, '')
  return {
    buyerNick: nick,
    buyerOpenUid: openUid,
    receivers,
    lines,
    totalCents: lines.reduce((sum, line) => sum + line.totalCents, 0),
    postCents,
    tradeDiscountCents,
    paymentCents: linesPayment + postCents - tradeDiscountCents,
    buyerMessage: random.chance(0.2) ? random.pick(BUYER_MESSAGES) : null,
    sellerMemo: random.pick(SELLER_MEMOS),
    sellerFlag: random.int(1, 5),
    tradeFrom: random.pick(TRADE_FROMS),
    alipayNo: `${createdDay}22001${random.digits(17)}`,
    sellerCompany: random.pick(SELLER_COMPANIES),
    sellerOutSid: `7${random.digits(13)}`,
    refundReason: random.pick(REFUND_REASONS),
  }
}
