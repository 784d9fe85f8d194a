import { formatTopTime, parseTopTime } from '../time'
import type { SimContext } from './apis/context'
import { Catalog } from './catalog'
import { refundId } from './generator'
import { formatCents } from './money'

export interface TruthQuery {
  /** include every trade (tid, status, modified, payment, lines, refunds) */
  trades?: boolean
  /** restrict the trades (counts and list) by created or modified time, inclusive */
  createdFrom?: number
  createdTo?: number
  modifiedFrom?: number
  modifiedTo?: number
}

export interface TruthOrder {
  oid: string
  outer_sku_id: string | null
  num: number
  payment: string
  divide_order_fee: string
  shipped: boolean
  refund_status: string
}

export interface TruthRefund {
  refund_id: string
  oid: string
  status: string
  refund_fee: string
  modified: string
}

/** One trade as the simulator holds it (ids as strings). */
export interface TruthTrade {
  tid: string
  status: string
  created: string
  modified: string
  created_ms: number
  modified_ms: number
  payment: string
  post_fee: string
  buyer_nick: string
  oaid: string
  orders: TruthOrder[]
  refunds: TruthRefund[]
}

/** `?created_from=…` accepts epoch ms or TOP time text. */
export function readTruthQuery(query: Record<string, unknown>): TruthQuery {
  const time = (value: unknown) => {
    if (value === undefined || value === '') return undefined
    const text = String(value)
    const ms = /^\d+$/.test(text) ? Number(text) : parseTopTime(text)
    if (ms === null) throw new RangeError(`"${text}" is not epoch ms or yyyy-MM-dd HH:mm:ss`)
    return ms
  }
  return {
    trades: query.trades === '1' || query.trades === 'true',
    createdFrom: time(query.created_from),
    createdTo: time(query.created_to),
    modifiedFrom: time(query.modified_from),
    modifiedTo: time(query.modified_to),
  }
}

const inRange = (value: number, from?: number, to?: number) =>
  (from === undefined || value >= Math.floor(from / 1000) * 1000) && (to === undefined || value <= Math.floor(to / 1000) * 1000)

/** What the simulator holds at its current time: the reference a sync is checked against. */
export function computeTruth(ctx: SimContext, now: number, query: TruthQuery) {
  const { store, shop, activity, tmcQueue } = ctx
  const byStatus: Record<string, number> = {}
  const refundsByStatus: Record<string, number> = {}
  let total = 0
  let lines = 0
  let paymentCents = 0
  let refundCount = 0
  let refundCents = 0
  const tradeList: TruthTrade[] = []
  for (const plan of store.allTrades(now)) {
    if (!inRange(plan.created, query.createdFrom, query.createdTo)) continue
    const state = store.state(plan, now)
    if (!inRange(state.modified, query.modifiedFrom, query.modifiedTo)) continue
    const details = store.details(plan)
    total += 1
    lines += details.lines.length
    paymentCents += details.paymentCents
    byStatus[state.status] = (byStatus[state.status] ?? 0) + 1
    const refunds = state.lines.flatMap((line, i) => (line.refund ? [{ line: i, refund: line.refund }] : []))
    for (const { line, refund } of refunds) {
      refundCount += 1
      refundsByStatus[refund.status] = (refundsByStatus[refund.status] ?? 0) + 1
      if (refund.status === 'SUCCESS') refundCents += details.lines[line].divideCents
    }
    if (!query.trades) continue
    tradeList.push({
      tid: plan.tid,
      status: state.status,
      created: formatTopTime(plan.created),
      modified: formatTopTime(state.modified),
      created_ms: plan.created,
      modified_ms: state.modified,
      payment: formatCents(details.paymentCents),
      post_fee: formatCents(details.postCents),
      buyer_nick: details.buyerNick,
      oaid: details.receivers[state.addressChanged ? 1 : 0].oaid,
      orders: details.lines.map((line, i) => ({
        oid: line.oid,
        outer_sku_id: line.sku?.outerId ?? null,
        num: line.num,
        payment: formatCents(line.paymentCents),
        divide_order_fee: formatCents(line.divideCents),
        shipped: !!state.lines[i].shipped,
        refund_status: state.lines[i].refund?.status ?? 'NO_REFUND',
      })),
      refunds: refunds.map(({ line, refund }) => ({
        refund_id: refundId(shop.seed, plan.index, line),
        oid: details.lines[line].oid,
        status: refund.status,
        refund_fee: formatCents(details.lines[line].divideCents),
        modified: formatTopTime(refund.modified),
      })),
    })
  }
  return {
    now,
    now_text: formatTopTime(now),
    seller_nick: shop.sellerNick,
    history_start: store.historyStart,
    trades: { total, lines, by_status: byStatus, payment_sum: formatCents(paymentCents) },
    refunds: { total: refundCount, by_status: refundsByStatus, success_refund_fee_sum: formatCents(refundCents) },
    items: store.catalog.items.map((item) => ({
      num_iid: item.numIid,
      outer_id: item.outerId,
      num: Catalog.itemQuantity(item),
      skus: item.skus.map((sku) => ({ sku_id: sku.skuId, outer_id: sku.outerId, quantity: sku.quantity })),
    })),
    stock_uploads: activity.stockUploads.map((upload) => ({ ...upload, at_text: formatTopTime(upload.at) })),
    logistics_sends: activity.logisticsSends.map((send) => ({ ...send, at_text: formatTopTime(send.at) })),
    tmc: { published: tmcQueue.published, pending: tmcQueue.pending, confirmed: tmcQueue.confirmed, duplicates_delivered: tmcQueue.duplicatesDelivered },
    calls: Object.fromEntries(activity.calls),
    ...(query.trades ? { trade_list: tradeList } : {}),
  }
}
