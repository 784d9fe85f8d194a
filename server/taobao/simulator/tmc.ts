import { formatTopTime } from '../time'
import type { TradeDetails, TradePlan } from './generator'
import { refundId } from './generator'
import type { AppliedEvent, TradeState } from './lifecycle'
import { formatCents } from './money'
import { hashSeed, Random } from './random'
import { bareNumber, toTopJson, type ShopInfo } from './serialize'
import type { TradeStore } from './store'

const SECOND = 1000
/** TMC keeps unconsumed messages for three days */
const RETENTION_MS = 3 * 86_400_000
const MESSAGE_ID_BASE = 7_100_000_000_000_000_000n

export interface QueuedMessage {
  id: string
  topic: string
  pubTime: number
  /** the JSON text of `content` */
  content: string
  deliveredAt: number | null
  /** handed out again on the next consume, even though it is in flight (a duplicate delivery) */
  deliverAgain: boolean
}

/**
 * Messages wait until confirmed. A consumed, unconfirmed message comes back after the redelivery
 * delay (simulated time); now and then one is delivered twice.
 */
export class TmcQueue {
  private readonly messages = new Map<string, QueuedMessage>()
  private readonly random: Random
  private readonly idOffset: bigint
  private sequence = 0
  published = 0
  confirmed = 0
  duplicatesDelivered = 0

  constructor(
    seed: number,
    private readonly duplicateRate: number,
    private readonly redeliverMs: number,
  ) {
    this.random = new Random(hashSeed(seed, 'tmc'))
    this.idOffset = BigInt(hashSeed(seed, 'tmc-ids') % 1_000_000) * 1_000_000_000n
  }

  get pending(): number {
    return this.messages.size
  }

  publish(topic: string, pubTime: number, content: Record<string, unknown>) {
    const id = String(MESSAGE_ID_BASE + this.idOffset + BigInt(++this.sequence))
    this.messages.set(id, { id, topic, pubTime, content: toTopJson(content), deliveredAt: null, deliverAgain: false })
    this.published += 1
  }

  consume(quantity: number, now: number): QueuedMessage[] {
    const batch: QueuedMessage[] = []
    for (const message of this.messages.values()) {
      if (message.pubTime < now - RETENTION_MS) {
        this.messages.delete(message.id)
        continue
      }
      if (batch.length >= quantity) break
      if (message.deliverAgain) {
        message.deliverAgain = false
        this.duplicatesDelivered += 1
      } else if (message.deliveredAt === null || now - message.deliveredAt >= this.redeliverMs) {
        message.deliveredAt = now
        message.deliverAgain = this.random.chance(this.duplicateRate)
      } else {
        continue
      }
      batch.push(message)
    }
    return batch
  }

  confirm(ids: readonly string[]): number {
    let count = 0
    for (const id of ids) {
      if (this.messages.delete(id)) count += 1
    }
    this.confirmed += count
    return count
  }

  /** `f_message_ids`: the consumer failed them; deliver again on the next consume. */
  release(ids: readonly string[]) {
    for (const id of ids) {
      const message = this.messages.get(id)
      if (message) message.deliveredAt = null
    }
  }
}

const TRADE_TOPICS: Partial<Record<AppliedEvent['kind'], string>> = {
  create: 'taobao_trade_TradeCreate',
  pay: 'taobao_trade_TradeBuyerPay',
  close_unpaid: 'taobao_trade_TradeClose',
  address: 'taobao_trade_TradeLogisticsAddressChanged',
  memo: 'taobao_trade_TradeMemoModified',
  seller_ship: 'taobao_trade_TradeSellerShip',
  finish: 'taobao_trade_TradeSuccess',
  api_finish: 'taobao_trade_TradeSuccess',
}

/** Turns trade events into TMC messages as the simulated clock passes them. */
export class TmcPublisher {
  private scannedUntil: number

  constructor(
    private readonly store: TradeStore,
    private readonly queue: TmcQueue,
    private readonly shop: ShopInfo,
    startTime: number,
  ) {
    // history before the clock started is not pushed: TMC only reports what happens after permit
    this.scannedUntil = Math.floor(startTime / SECOND) * SECOND
  }

  /** Publishes every event in (last scan, now], oldest first. */
  catchUp(now: number) {
    const to = Math.floor(now / SECOND) * SECOND
    const from = Math.max(this.scannedUntil, to - RETENTION_MS)
    if (to <= from) return
    const found: { at: number; index: number; order: number; topic: string; content: Record<string, unknown> }[] = []
    for (const plan of this.store.touchedBetween(from + SECOND, to, to)) {
      const state = this.store.state(plan, to)
      state.applied.forEach((event, order) => {
        if (event.at <= from || event.at > to || event.kind === 'api_ship') return
        for (const message of this.messagesFor(plan, state, event)) found.push({ at: event.at, index: plan.index, order, ...message })
      })
    }
    found.sort((a, b) => a.at - b.at || a.index - b.index || a.order - b.order)
    for (const message of found) this.queue.publish(message.topic, message.at, message.content)
    this.scannedUntil = to
  }

  /** An API shipment is pushed at once. */
  publishShipment(plan: TradePlan, now: number) {
    this.catchUp(now)
    const state = this.store.state(plan, now)
    const event = [...state.applied].reverse().find((e) => e.kind === 'api_ship')
    if (!event) return
    const topic = event.partial ? 'taobao_trade_TradePartlySellerShip' : 'taobao_trade_TradeSellerShip'
    this.queue.publish(topic, event.at, this.tradeContent(plan, event, this.store.details(plan)))
  }

  private messagesFor(plan: TradePlan, state: TradeState, event: AppliedEvent): { topic: string; content: Record<string, unknown> }[] {
    const details = this.store.details(plan)
    if (event.kind === 'refund_request' || event.kind === 'refund_resolve') {
      const messages = (event.lines ?? []).map((line) => {
        const status = state.lines[line].refund?.status
        const topic =
          event.kind === 'refund_request'
            ? 'taobao_refund_RefundCreated'
            : status === 'SUCCESS'
              ? 'taobao_refund_RefundSuccess'
              : 'taobao_refund_RefundClosed'
        return { topic, content: this.refundContent(plan, details, line, event.at) }
      })
      if (event.tradeClosed) messages.push({ topic: 'taobao_trade_TradeClose', content: this.tradeContent(plan, event, details) })
      return messages
    }
    const topic = TRADE_TOPICS[event.kind]
    return topic ? [{ topic, content: this.tradeContent(plan, event, details) }] : []
  }

  private tradeContent(plan: TradePlan, event: AppliedEvent, details: TradeDetails): Record<string, unknown> {
    return {
      buyer_nick: details.buyerNick,
      payment: formatCents(details.paymentCents),
      oid: bareNumber(details.lines[0].oid),
      tid: bareNumber(plan.tid),
      type: 'guarantee_trade',
      seller_nick: this.shop.sellerNick,
      status: event.status,
    }
  }

  private refundContent(plan: TradePlan, details: TradeDetails, line: number, at: number): Record<string, unknown> {
    return {
      refund_id: bareNumber(refundId(this.shop.seed, plan.index, line)),
      tid: bareNumber(plan.tid),
      oid: bareNumber(details.lines[line].oid),
      refund_fee: formatCents(details.lines[line].divideCents),
      refund_phase: 'onsale',
      buyer_nick: details.buyerNick,
      seller_nick: this.shop.sellerNick,
      modified: formatTopTime(at),
    }
  }
}
