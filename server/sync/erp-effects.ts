import { createOrdersForTrades, PAID_STATUSES, SkuMatcher } from '../erp/trade-orders'
import { idOf, linesOf } from '../erp/util'
import type { RecordsService } from '../records/service'
import type { ApiRecord } from '../records/types'

const CLOSED = new Set(['TRADE_CLOSED', 'TRADE_CLOSED_BY_TAOBAO'])
const SHIPPED_ON_PLATFORM = new Set(['WAIT_BUYER_CONFIRM_GOODS', 'TRADE_BUYER_SIGNED', 'TRADE_FINISHED'])
const OPEN_REFUND = new Set(['WAIT_SELLER_AGREE', 'WAIT_BUYER_RETURN_GOODS', 'WAIT_SELLER_CONFIRM_GOODS'])
const CLOSED_WHILE_PICKING = '平台交易已关闭，请勿发货，商品放回库位后取消订单'
const RECEIVER_FIELDS = ['receiver_name', 'receiver_mobile', 'receiver_state', 'receiver_city', 'receiver_district', 'receiver_address', 'has_buyer_message', 'buyer_message', 'seller_memo', 'oaid']

export interface EffectCounts {
  orders_created: number
  orders_cancelled: number
  orders_flagged: number
  orders_updated: number
  after_sales: number
}

/**
 * What platform changes mean for the ERP, for trades just written: paid trades get their order;
 * closed trades cancel orders not yet picked (releasing reservations) and flag those being picked
 * 异常 so they are not shipped; refunds become after-sales
 * records; a trade shipped from the seller center, or a partial refund before shipping, flags the
 * order 异常; receiver, message and memo changes reach orders not yet shipped.
 */
export async function applyTradeEffects(system: RecordsService, tradeIds: number[], matcher = new SkuMatcher(system)): Promise<EffectCounts> {
  const counts: EffectCounts = { orders_created: 0, orders_cancelled: 0, orders_flagged: 0, orders_updated: 0, after_sales: 0 }
  if (tradeIds.length === 0) return counts
  const before = await ordersOf(system, tradeIds)
  // Only paid trades (they get an order) and trades that have an order can change the ERP; the
  // rest (history shipped, finished or closed before the ERP knew it) are not read back.
  const trades: ApiRecord[] = []
  for (let i = 0; i < tradeIds.length; i += 500) {
    const chunk = tradeIds.slice(i, i + 500)
    const ordered = chunk.filter((id) => before.has(id))
    const relevant = { or: [{ field: 'status', op: 'in', value: [...PAID_STATUSES] }, ...(ordered.length ? [{ field: 'id', op: 'in', value: ordered }] : [])] }
    const filter = { and: [{ field: 'id', op: 'in', value: chunk }, relevant] }
    trades.push(...(await system.list('platform_trades', { filter, limit: 500, lines: true, total: false })).data)
  }
  const created = await createOrdersForTrades(system, trades.filter((t) => !before.has(t.id)), matcher)
  counts.orders_created = created.size
  const orders = new PassOrders(system, before)
  // Where an order is in its workflow is asked of the order's own actions (their `when`s in the template).
  const can = (order: ApiRecord, action: string) => system.actionAvailable('orders', order, action)
  /** not shipped, completed or cancelled: it can still be cancelled or flagged */
  const open = (order: ApiRecord) => can(order, 'cancel') || can(order, 'mark_exception')

  for (const trade of trades) {
    const order = await orders.of(trade.id)
    if (!order || idOf(order.merged_into)) continue
    const status = String(trade.status)
    if (!open(order)) {
      // Shipped here and finished on the platform: the order is complete.
      if (status === 'TRADE_FINISHED' && can(order, 'complete')) {
        await system.runAction('orders', order.id, 'complete')
        orders.touch(order.id)
      }
      continue
    }
    if (CLOSED.has(status) && can(order, 'cancel')) {
      await system.runAction('orders', order.id, 'cancel')
      orders.touch(order.id)
      counts.orders_cancelled++
      continue
    }
    if (CLOSED.has(status)) {
      // Being picked or packed: stop it before it ships (an exception cannot be shipped).
      if (await flag(system, orders, order, CLOSED_WHILE_PICKING)) counts.orders_flagged++
      continue
    }
    if (SHIPPED_ON_PLATFORM.has(status)) {
      if (await flag(system, orders, order, '平台已发货（不是在本系统发货）')) counts.orders_flagged++
      continue
    }
    // A merged order holds several trades' messages; it is not overwritten by one of them.
    if (((order.trades as unknown[]) ?? []).length === 1) {
      const changes = Object.fromEntries(RECEIVER_FIELDS.filter((k) => (trade[k] ?? null) !== (order[k] ?? null)).map((k) => [k, trade[k] ?? null]))
      if (Object.keys(changes).length) {
        await system.updateFields(null, 'orders', order.id, changes)
        orders.touch(order.id)
        counts.orders_updated++
      }
    }
  }
  orders.add(await ordersOf(system, [...created.keys()]))
  counts.after_sales = await syncRefunds(system, trades, orders)
  return counts
}

/**
 * The orders of a pass's trades, as read when it began; an order a step of this pass may have
 * changed (cancelled, flagged, updated) is read again, so a later step never acts on a stale copy
 * (a merged order has several trades; a trade may have several refunds).
 */
class PassOrders {
  private readonly touched = new Set<number>()

  constructor(
    private readonly system: RecordsService,
    private readonly byTrade: Map<number, ApiRecord>,
  ) {}

  add(more: Map<number, ApiRecord>): void {
    for (const [tradeId, order] of more) this.byTrade.set(tradeId, order)
  }

  async of(tradeId: number): Promise<ApiRecord | undefined> {
    const order = this.byTrade.get(tradeId)
    if (!order || !this.touched.has(order.id)) return order
    return this.system.get('orders', order.id)
  }

  touch(orderId: number): void {
    this.touched.add(orderId)
  }
}

/**
 * 标记异常 through the order's action, which gives back its reserved stock (an order already in
 * 异常 only gets the new reason). Returns whether anything changed.
 */
async function flag(system: RecordsService, orders: PassOrders, order: ApiRecord, reason: string): Promise<boolean> {
  if (order.status === 'exception') {
    if (order.exception_reason === reason) return false
    await system.updateFields(null, 'orders', order.id, { exception_reason: reason })
  } else {
    if (!system.actionAvailable('orders', order, 'mark_exception')) return false
    await system.runAction('orders', order.id, 'mark_exception', { reason })
  }
  orders.touch(order.id)
  return true
}

/** The ERP order of each trade (the one its lines point at, not a merged-away one). */
async function ordersOf(system: RecordsService, tradeIds: number[]): Promise<Map<number, ApiRecord>> {
  const orders = new Map<number, ApiRecord>()
  for (let i = 0; i < tradeIds.length; i += 500) {
    const page = await system.list('orders', { filter: { field: 'trades', op: 'in', value: tradeIds.slice(i, i + 500) }, limit: 500, lines: true, total: false })
    for (const order of page.data) {
      for (const trade of (order.trades as { id: number }[]) ?? []) {
        const known = orders.get(trade.id)
        // After a merge the surviving order wins over the cancelled one.
        if (!known || (known.status === 'cancelled' && order.status !== 'cancelled')) orders.set(trade.id, order)
      }
    }
  }
  return orders
}

/** Refunds on trade lines become after-sales records (one per refund id), kept in step with the platform. */
async function syncRefunds(system: RecordsService, trades: ApiRecord[], orders: PassOrders): Promise<number> {
  const refundLines = trades.flatMap((trade) =>
    linesOf(trade)
      .filter((line) => line.refund_id && (OPEN_REFUND.has(String(line.refund_status)) || line.refund_status === 'SUCCESS' || line.refund_status === 'CLOSED'))
      .map((line) => ({ trade, line })),
  )
  if (refundLines.length === 0) return 0
  const ids = refundLines.map((r) => String(r.line.refund_id))
  const existing = new Map<string, ApiRecord>()
  for (let i = 0; i < ids.length; i += 500) {
    for (const a of (await system.list('after_sales', { filter: { field: 'refund_id', op: 'in', value: ids.slice(i, i + 500) }, limit: 500, total: false })).data) existing.set(String(a.refund_id), a)
  }
  let written = 0
  for (const { trade, line } of refundLines) {
    const order = await orders.of(trade.id)
    const status = line.refund_status === 'SUCCESS' ? 'refunded' : line.refund_status === 'CLOSED' ? 'closed' : 'pending'
    const known = existing.get(String(line.refund_id))
    if (known) {
      if (known.status !== status && known.status !== 'returned' && known.status !== 'refunded' && known.status !== 'closed') {
        // A refund goes through the template's 已退款 action, so it posts what the pack declares (the books).
        if (status === 'refunded' && system.actionAvailable('after_sales', known, 'refund')) await system.runAction('after_sales', known.id, 'refund')
        else await system.updateFields(null, 'after_sales', known.id, { status, ...(status === 'refunded' ? { refunded_at: new Date().toISOString() } : {}) })
        written++
      }
      continue
    }
    if (!order || line.refund_status === 'CLOSED') continue
    const orderLines = linesOf(order).filter((l) => l.trade_oid === line.oid)
    const shipped = order.status === 'shipped' || order.status === 'completed'
    const afterSale = await system.create('after_sales', {
      type: shipped ? 'return_refund' : 'refund_only',
      status: status === 'refunded' ? 'pending' : status,
      order: order.id,
      refund_id: String(line.refund_id),
      reason: '平台退款',
      lines: (orderLines.length ? orderLines : [null]).map((l, i) => ({
        order_line: l?.id ?? null,
        sku: idOf(l?.sku),
        qty: l ? Number(l.qty) : Number(line.num ?? 1),
        refund_amount: i === 0 ? (line.payment ?? '0') : '0',
      })),
    })
    if (status === 'refunded') await system.runAction('after_sales', afterSale.id, 'refund')
    written++
    // Before picking (while it can be split) a partial refund needs the merchant's hand.
    if (!shipped && status !== 'closed' && system.actionAvailable('orders', order, 'split') && linesOf(order).length > orderLines.length) {
      await flag(system, orders, order, `部分退款：${line.title ?? line.oid}，请拆分或调整订单`)
    }
  }
  return written
}
