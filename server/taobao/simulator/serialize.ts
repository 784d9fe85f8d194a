import { formatTopTime } from '../time'
import { Catalog, type SimItem, type SimSku } from './catalog'
import { LOGISTICS_COMPANIES } from './data'
import { refundId, type TradeDetails, type TradePlan } from './generator'
import type { LineState, TradeState } from './lifecycle'
import { formatCents } from './money'

/**
 * JSON as the gateway writes it: 64-bit ids as bare numbers. Values wrapped with bareNumber() are
 * emitted unquoted (JSON.stringify escapes the NUL marker as \u0000, which no real text contains).
 */
const BARE_MARKER = '\u0000#'
/** how the marker and its opening quote look in JSON.stringify's output */
const ESCAPED_MARKER = '"\\u0000#'

export function bareNumber(digits: string): string {
  return BARE_MARKER + digits
}

export function toTopJson(value: unknown): string {
  const text = JSON.stringify(value)
  let out = ''
  let from = 0
  for (let at = text.indexOf(ESCAPED_MARKER); at >= 0; at = text.indexOf(ESCAPED_MARKER, from)) {
    const closingQuote = text.indexOf('"', at + ESCAPED_MARKER.length)
    out += text.slice(from, at) + text.slice(at + ESCAPED_MARKER.length, closingQuote)
    from = closingQuote + 1
  }
  return from === 0 ? text : out + text.slice(from)
}

export interface ShopInfo {
  sellerNick: string
  seed: number
}

/** The `fields` parameter: top-level names plus `orders.x` style names for nested lists. */
export class FieldSelection {
  private readonly top = new Set<string>()
  private readonly nested = new Map<string, Set<string> | 'all'>()

  constructor(text: string) {
    for (const raw of text.split(',')) {
      const name = raw.trim()
      if (!name) continue
      const dot = name.indexOf('.')
      if (dot < 0) {
        this.top.add(name)
        continue
      }
      const parent = name.slice(0, dot)
      const existing = this.nested.get(parent)
      if (existing === 'all') continue
      const set = existing ?? new Set<string>()
      set.add(name.slice(dot + 1))
      this.nested.set(parent, set)
    }
  }

  has(name: string): boolean {
    return this.top.has(name) || this.nested.has(name)
  }

  /** the wanted names inside a nested list; 'all' when the parent itself was named */
  inside(parent: string): Set<string> | 'all' | null {
    if (this.top.has(parent)) return 'all'
    return this.nested.get(parent) ?? null
  }
}

function pick(source: Record<string, unknown>, wanted: Set<string> | 'all'): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(source)) {
    if (value !== undefined && value !== null && (wanted === 'all' || wanted.has(key))) out[key] = value
  }
  return out
}

const time = (ms: number | null | undefined) => (ms === null || ms === undefined ? undefined : formatTopTime(ms))

/** Not in the list APIs' partial data. */
const FULLINFO_ONLY = new Set(['tid_str', 'buyer_message', 'seller_memo', 'buyer_memo', 'promotion_details'])

function orderStatus(trade: TradeState, line: LineState): string {
  if (trade.status === 'WAIT_BUYER_PAY' || trade.status === 'TRADE_CLOSED_BY_TAOBAO') return trade.status
  if (line.closed || trade.status === 'TRADE_CLOSED') return 'TRADE_CLOSED'
  if (trade.status === 'TRADE_FINISHED') return 'TRADE_FINISHED'
  return line.shipped ? 'WAIT_BUYER_CONFIRM_GOODS' : 'WAIT_SELLER_SEND_GOODS'
}

export function refundedCents(details: TradeDetails, state: TradeState): number {
  return state.lines.reduce((sum, line, i) => sum + (line.refund?.status === 'SUCCESS' ? details.lines[i].divideCents : 0), 0)
}

export function tradeJson(
  shop: ShopInfo,
  plan: TradePlan,
  state: TradeState,
  details: TradeDetails,
  fields: FieldSelection,
  view: 'list' | 'full',
): Record<string, unknown> {
  const receiver = details.receivers[state.addressChanged ? 1 : 0]
  const num = details.lines.reduce((sum, line) => sum + line.num, 0)
  const trade: Record<string, unknown> = {
    tid: bareNumber(plan.tid),
    tid_str: plan.tid,
    status: state.status,
    type: 'fixed',
    created: time(plan.created),
    modified: time(state.modified),
    pay_time: time(state.payTime),
    consign_time: time(state.consignTime),
    end_time: time(state.endTime),
    payment: formatCents(details.paymentCents),
    total_fee: formatCents(details.totalCents),
    post_fee: formatCents(details.postCents),
    discount_fee: formatCents(details.tradeDiscountCents),
    adjust_fee: '0.00',
    received_payment: formatCents(state.status === 'TRADE_FINISHED' ? details.paymentCents - refundedCents(details, state) : 0),
    commission_fee: '0.00',
    seller_nick: shop.sellerNick,
    buyer_nick: details.buyerNick,
    buyer_open_uid: details.buyerOpenUid,
    receiver_name: receiver.name,
    receiver_state: receiver.state,
    receiver_city: receiver.city,
    receiver_district: receiver.district,
    receiver_town: receiver.town,
    receiver_address: receiver.address,
    receiver_zip: receiver.zip,
    receiver_mobile: receiver.mobile,
    receiver_phone: '',
    oaid: receiver.oaid,
    seller_flag: state.memoSet ? details.sellerFlag : 0,
    shipping_type: 'express',
    trade_from: details.tradeFrom,
    alipay_no: details.alipayNo,
    num,
    num_iid: bareNumber(details.lines[0].item.numIid),
    has_buyer_message: details.buyerMessage !== null,
    buyer_message: details.buyerMessage ?? undefined,
    seller_memo: state.memoSet ? details.sellerMemo : undefined,
    promotion_details: details.tradeDiscountCents
      ? { promotion_detail: [{ id: bareNumber(plan.tid), promotion_name: '店铺优惠券', discount_fee: formatCents(details.tradeDiscountCents), promotion_id: `shopbonus-${plan.index % 97}` }] }
      : undefined,
  }
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(trade)) {
    if (value === undefined || !fields.has(key)) continue
    if (view === 'list' && FULLINFO_ONLY.has(key)) continue
    out[key] = value
  }
  const orderFields = fields.inside('orders')
  if (orderFields) {
    const orders = details.lines.map((line, i) => {
      const lineState = state.lines[i]
      const shipped = lineState.shipped
      const companyCode = shipped ? (shipped.byApi ? shipped.companyCode! : details.sellerCompany) : undefined
      const order: Record<string, unknown> = {
        oid: bareNumber(line.oid),
        oid_str: view === 'full' ? line.oid : undefined,
        num_iid: bareNumber(line.item.numIid),
        sku_id: line.sku?.skuId,
        outer_iid: line.item.outerId,
        outer_sku_id: line.sku?.outerId,
        title: line.item.title,
        sku_properties_name: line.sku?.propertiesText,
        pic_path: line.item.picUrl,
        price: formatCents(line.priceCents),
        num: line.num,
        total_fee: formatCents(line.totalCents),
        payment: formatCents(line.paymentCents),
        discount_fee: formatCents(line.discountCents),
        adjust_fee: '0.00',
        divide_order_fee: formatCents(line.divideCents),
        part_mjz_discount: formatCents(line.partMjzCents),
        status: orderStatus(state, lineState),
        refund_status: lineState.refund?.status ?? 'NO_REFUND',
        refund_id: lineState.refund ? bareNumber(refundId(shop.seed, plan.index, i)) : undefined,
        logistics_company: companyCode ? (LOGISTICS_COMPANIES[companyCode] ?? companyCode) : undefined,
        invoice_no: shipped ? (shipped.byApi ? shipped.outSid : `${details.sellerOutSid}${i}`) : undefined,
        consign_time: time(shipped?.at),
        shipping_type: 'express',
        end_time: state.endTime !== null ? time(state.endTime) : undefined,
        is_oversold: false,
      }
      return pick(order, orderFields)
    })
    out.orders = { order: orders }
  }
  return out
}

export function refundJson(
  shop: ShopInfo,
  plan: TradePlan,
  state: TradeState,
  details: TradeDetails,
  line: number,
  fields: FieldSelection | 'all',
): Record<string, unknown> {
  const refund = state.lines[line].refund!
  const detail = details.lines[line]
  const source: Record<string, unknown> = {
    refund_id: bareNumber(refundId(shop.seed, plan.index, line)),
    tid: bareNumber(plan.tid),
    oid: bareNumber(detail.oid),
    num_iid: bareNumber(detail.item.numIid),
    sku: detail.sku?.propertiesText,
    status: refund.status,
    order_status: refund.tradeStatusAtRequest,
    good_status: refund.afterShipment ? 'BUYER_RECEIVED' : 'BUYER_NOT_RECEIVED',
    has_good_return: refund.afterShipment,
    refund_fee: formatCents(detail.divideCents),
    payment: formatCents(detail.divideCents),
    total_fee: formatCents(detail.totalCents),
    price: formatCents(detail.priceCents),
    created: time(refund.created),
    modified: time(refund.modified),
    refund_phase: 'onsale',
    dispute_type: refund.afterShipment ? 'REFUND_AND_RETURN' : 'REFUND',
    reason: details.refundReason,
    desc: '',
    num: detail.num,
    title: detail.item.title,
    outer_id: detail.sku?.outerId ?? detail.item.outerId,
    buyer_nick: details.buyerNick,
    seller_nick: shop.sellerNick,
  }
  return pick(source, fields === 'all' ? 'all' : new Set(Object.keys(source).filter((key) => fields.has(key))))
}

function skuJson(item: SimItem, sku: SimSku, wanted: Set<string> | 'all'): Record<string, unknown> {
  return pick(
    {
      sku_id: bareNumber(sku.skuId),
      num_iid: bareNumber(item.numIid),
      properties: sku.properties,
      properties_name: sku.propertiesName,
      quantity: sku.quantity,
      price: formatCents(sku.priceCents),
      outer_id: sku.outerId,
      barcode: sku.barcode,
      created: time(sku.created),
      modified: time(sku.modified),
      status: 'normal',
    },
    wanted,
  )
}

export function itemJson(shop: ShopInfo, item: SimItem, fields: FieldSelection | 'all'): Record<string, unknown> {
  const source: Record<string, unknown> = {
    num_iid: bareNumber(item.numIid),
    title: item.title,
    nick: shop.sellerNick,
    num: Catalog.itemQuantity(item),
    price: formatCents(item.priceCents),
    outer_id: item.outerId,
    approve_status: 'onsale',
    cid: bareNumber(item.cid),
    pic_url: item.picUrl,
    created: time(item.created),
    modified: time(item.modified),
    list_time: time(item.created),
  }
  const out = pick(source, fields === 'all' ? 'all' : new Set(Object.keys(source).filter((key) => fields.has(key))))
  // `sku` in fields asks for the SKU list (`sku.outer_id` style narrows it).
  const skuFields = fields === 'all' ? 'all' : (fields.inside('sku') ?? fields.inside('skus'))
  if (skuFields && item.skus.length) out.skus = { sku: item.skus.map((sku) => skuJson(item, sku, skuFields)) }
  return out
}
