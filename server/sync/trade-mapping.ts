import { formatDateTime, parseDateTimeText } from '../../schema/lib/time'

/** A TOP value as text: ids and money arrive as strings or numbers; nothing is turned into a float. */
function text(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null
  return typeof value === 'object' ? String((value as { toString(): string }).toString()) : String(value)
}

/** TOP times are 'yyyy-MM-dd HH:mm:ss' in Asia/Shanghai (or epoch ms after normalisation). */
export function topTime(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null
  if (typeof value === 'number') return formatDateTime(value)
  const ms = parseDateTimeText(String(value))
  return ms === null ? null : formatDateTime(ms)
}

function money(value: unknown): string | null {
  const t = text(value)
  return t === null ? null : t
}

/** Keeps only what the answer carried: a field a list API leaves out must not erase a stored value. */
function present(record: Record<string, unknown>, source: Record<string, unknown>, always: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => always.includes(key) || source[key] !== undefined))
}

/** The Taobao trade as a `platform_trades` record (ids as text, money as decimal strings). */
export function tradeRecord(shopId: number, trade: Record<string, any>, source: 'api' | 'import' = 'api'): Record<string, unknown> {
  const orders: Record<string, any>[] = Array.isArray(trade.orders) ? trade.orders : (trade.orders?.order ?? [])
  return present(mapTrade(shopId, trade, orders, source), trade, ['shop', 'tid', 'source', 'lines'])
}

function mapTrade(shopId: number, trade: Record<string, any>, orders: Record<string, any>[], source: string): Record<string, unknown> {
  return {
    shop: shopId,
    tid: text(trade.tid_str ?? trade.tid),
    status: text(trade.status),
    type: text(trade.type),
    buyer_nick: text(trade.buyer_nick),
    buyer_open_uid: text(trade.buyer_open_uid),
    receiver_name: text(trade.receiver_name),
    receiver_mobile: text(trade.receiver_mobile),
    receiver_phone: text(trade.receiver_phone),
    receiver_state: text(trade.receiver_state),
    receiver_city: text(trade.receiver_city),
    receiver_district: text(trade.receiver_district),
    receiver_town: text(trade.receiver_town),
    receiver_address: text(trade.receiver_address),
    receiver_zip: text(trade.receiver_zip),
    oaid: text(trade.oaid),
    payment: money(trade.payment),
    total_fee: money(trade.total_fee),
    post_fee: money(trade.post_fee),
    discount_fee: money(trade.discount_fee),
    adjust_fee: money(trade.adjust_fee),
    received_payment: money(trade.received_payment),
    created: topTime(trade.created),
    pay_time: topTime(trade.pay_time),
    modified: topTime(trade.modified),
    consign_time: topTime(trade.consign_time),
    end_time: topTime(trade.end_time),
    has_buyer_message: trade.has_buyer_message === undefined ? (text(trade.buyer_message) ? true : undefined) : trade.has_buyer_message === true || trade.has_buyer_message === 'true',
    buyer_message: text(trade.buyer_message),
    seller_memo: text(trade.seller_memo),
    seller_flag: trade.seller_flag === undefined || trade.seller_flag === null ? null : Number(trade.seller_flag),
    shipping_type: text(trade.shipping_type),
    source,
    lines: orders.map((o) => present(mapOrder(o), o, ['oid', 'refund_status'])),
  }
}

function mapOrder(o: Record<string, any>): Record<string, unknown> {
  return {
      oid: text(o.oid_str ?? o.oid),
      num_iid: text(o.num_iid),
      sku_id: text(o.sku_id),
      outer_iid: text(o.outer_iid),
      outer_sku_id: text(o.outer_sku_id),
      title: text(o.title),
      sku_properties_name: text(o.sku_properties_name),
      price: money(o.price),
      num: o.num === undefined || o.num === null ? null : Number(o.num),
      total_fee: money(o.total_fee),
      payment: money(o.payment),
      discount_fee: money(o.discount_fee),
      status: text(o.status),
      refund_status: text(o.refund_status) ?? 'NO_REFUND',
      refund_id: text(o.refund_id),
  }
}
