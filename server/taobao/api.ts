import type { TopClient } from './client'
import {
  readItem,
  readRefund,
  readTmcMessage,
  readTrade,
  unwrapList,
  type TmcMessage,
  type TopItem,
  type TopRefund,
  type TopTrade,
} from './normalize'
import { toTopTime, type TopTimeInput } from './time'

const ORDER_FIELD_LIST = [
  'oid', 'num_iid', 'sku_id', 'outer_iid', 'outer_sku_id', 'title', 'sku_properties_name', 'pic_path', 'price', 'num',
  'total_fee', 'payment', 'discount_fee', 'adjust_fee', 'divide_order_fee', 'part_mjz_discount', 'status', 'refund_status',
  'refund_id', 'logistics_company', 'invoice_no', 'consign_time', 'shipping_type', 'end_time', 'is_oversold',
]

const TRADE_BASE_FIELDS = [
  'tid', 'status', 'type', 'created', 'modified', 'pay_time', 'consign_time', 'end_time', 'payment', 'total_fee', 'post_fee',
  'discount_fee', 'adjust_fee', 'received_payment', 'commission_fee', 'seller_nick', 'buyer_nick', 'buyer_open_uid',
  'receiver_name', 'receiver_state', 'receiver_city', 'receiver_district', 'receiver_town', 'receiver_address',
  'receiver_zip', 'receiver_mobile', 'receiver_phone', 'oaid', 'seller_flag', 'shipping_type', 'trade_from', 'alipay_no',
  'has_buyer_message',
]

/** What the list APIs return (partial data: no buyer_message / seller_memo there). */
export const TRADE_LIST_FIELDS = [...TRADE_BASE_FIELDS, ...ORDER_FIELD_LIST.map((f) => `orders.${f}`)].join(',')
/** trade.fullinfo.get: adds tid_str/oid_str, buyer_message, seller_memo, promotion_details. */
export const TRADE_FULLINFO_FIELDS = [
  ...TRADE_BASE_FIELDS, 'tid_str', 'buyer_message', 'seller_memo', 'buyer_memo', 'promotion_details',
  ...[...ORDER_FIELD_LIST, 'oid_str'].map((f) => `orders.${f}`),
].join(',')
export const ITEM_LIST_FIELDS = 'num_iid,title,nick,num,price,outer_id,approve_status,cid,pic_url,created,modified,list_time'
export const ITEM_DETAIL_FIELDS = `${ITEM_LIST_FIELDS},barcode,sku`
export const REFUND_FIELDS = [
  'refund_id', 'tid', 'oid', 'num_iid', 'status', 'order_status', 'good_status', 'has_good_return', 'refund_fee', 'payment',
  'total_fee', 'created', 'modified', 'refund_phase', 'dispute_type', 'reason', 'desc', 'company_name', 'sid', 'num', 'title',
  'outer_id', 'buyer_nick', 'seller_nick',
].join(',')

/** taobao.items.seller.list.get and taobao.skus.quantity.update take at most 20 ids. */
export const MAX_IDS_PER_CALL = 20

type Fields = string | readonly string[]
const fieldList = (fields: Fields | undefined, fallback: string) => (fields === undefined ? fallback : typeof fields === 'string' ? fields : fields.join(','))
const optionalTime = (value: TopTimeInput | undefined) => (value === undefined ? undefined : toTopTime(value))

export interface TradePage {
  trades: TopTrade[]
  /** when use_has_next is false */
  totalResults?: number
  /** when use_has_next is true */
  hasNext?: boolean
}

export interface TradesSoldGetParams {
  startCreated?: TopTimeInput
  endCreated?: TopTimeInput
  status?: string
  type?: string
  buyerNick?: string
  pageNo?: number
  pageSize?: number
  useHasNext?: boolean
  fields?: Fields
}

export interface TradesSoldIncrementGetParams {
  startModified: TopTimeInput
  endModified: TopTimeInput
  status?: string
  type?: string
  pageNo?: number
  pageSize?: number
  /** default false: total_results lets a sync page backwards from the last page, as the doc advises */
  useHasNext?: boolean
  fields?: Fields
}

export interface ItemsOnsaleGetParams {
  startModified?: TopTimeInput
  endModified?: TopTimeInput
  pageNo?: number
  pageSize?: number
  orderBy?: string
  fields?: Fields
}

export interface RefundsReceiveGetParams {
  startModified?: TopTimeInput
  endModified?: TopTimeInput
  status?: string
  pageNo?: number
  pageSize?: number
  useHasNext?: boolean
  fields?: Fields
}

export interface SkuQuantity {
  skuId: string
  quantity: number
}

export interface ItemQuantityUpdateParams {
  numIid: string
  quantity: number
  skuId?: string
  /** the SKU's outer id, instead of skuId */
  outerId?: string
  /** 1 = absolute (default), 2 = incremental */
  type?: 1 | 2
}

export interface LogisticsOfflineSendParams {
  tid: string
  /** waybill number */
  outSid: string
  /** SF, YTO, ZTO, STO, YUNDA, EMS, POSTB… */
  companyCode: string
  /** ship only subTids (order oids) of the trade */
  isSplit?: boolean
  subTids?: readonly string[]
}

function pageInfo(response: Record<string, unknown>): { totalResults?: number; hasNext?: boolean } {
  const out: { totalResults?: number; hasNext?: boolean } = {}
  if (response.total_results !== undefined) out.totalResults = Number(response.total_results)
  if (response.has_next !== undefined) out.hasNext = response.has_next === true || response.has_next === 'true'
  return out
}

function assertQuantity(quantity: number) {
  if (!Number.isInteger(quantity) || quantity < 0) throw new RangeError(`quantity must be a whole number ≥ 0, got ${quantity}`)
}

/** The TOP APIs the sync needs, with normalized results (see normalize.ts for the shapes). */
export class TaobaoApi {
  constructor(readonly client: TopClient) {}

  async tradesSoldGet(params: TradesSoldGetParams): Promise<TradePage> {
    const response = await this.client.call('taobao.trades.sold.get', {
      fields: fieldList(params.fields, TRADE_LIST_FIELDS),
      start_created: optionalTime(params.startCreated),
      end_created: optionalTime(params.endCreated),
      status: params.status,
      type: params.type,
      buyer_nick: params.buyerNick,
      page_no: params.pageNo ?? 1,
      page_size: params.pageSize ?? 100,
      use_has_next: params.useHasNext,
    })
    return { trades: unwrapList(response, 'trades', 'trade').map(readTrade), ...pageInfo(response) }
  }

  async tradesSoldIncrementGet(params: TradesSoldIncrementGetParams): Promise<TradePage> {
    const response = await this.client.call('taobao.trades.sold.increment.get', {
      fields: fieldList(params.fields, TRADE_LIST_FIELDS),
      start_modified: toTopTime(params.startModified),
      end_modified: toTopTime(params.endModified),
      status: params.status,
      type: params.type,
      page_no: params.pageNo ?? 1,
      page_size: params.pageSize ?? 100,
      use_has_next: params.useHasNext ?? false,
    })
    return { trades: unwrapList(response, 'trades', 'trade').map(readTrade), ...pageInfo(response) }
  }

  async tradeFullinfoGet(tid: string, fields?: Fields): Promise<TopTrade> {
    const response = await this.client.call('taobao.trade.fullinfo.get', { fields: fieldList(fields, TRADE_FULLINFO_FIELDS), tid })
    return readTrade(response.trade)
  }

  async itemsOnsaleGet(params: ItemsOnsaleGetParams = {}): Promise<{ items: TopItem[]; totalResults: number }> {
    const response = await this.client.call('taobao.items.onsale.get', {
      fields: fieldList(params.fields, ITEM_LIST_FIELDS),
      start_modified: optionalTime(params.startModified),
      end_modified: optionalTime(params.endModified),
      order_by: params.orderBy,
      page_no: params.pageNo ?? 1,
      page_size: params.pageSize ?? 200,
    })
    return { items: unwrapList(response, 'items', 'item').map(readItem), totalResults: Number(response.total_results ?? 0) }
  }

  /** Items with their SKUs; unknown ids are simply absent from the answer. */
  async itemsSellerListGet(numIids: readonly string[], fields?: Fields): Promise<TopItem[]> {
    if (numIids.length === 0) return []
    if (numIids.length > MAX_IDS_PER_CALL) throw new RangeError(`at most ${MAX_IDS_PER_CALL} num_iids per call, got ${numIids.length}`)
    const response = await this.client.call('taobao.items.seller.list.get', { fields: fieldList(fields, ITEM_DETAIL_FIELDS), num_iids: numIids })
    return unwrapList(response, 'items', 'item').map(readItem)
  }

  /** Absolute quantities (type 1) by default, so a retried call cannot apply twice. */
  async skusQuantityUpdate(numIid: string, skuQuantities: readonly SkuQuantity[], type: 1 | 2 = 1): Promise<TopItem> {
    if (skuQuantities.length === 0 || skuQuantities.length > MAX_IDS_PER_CALL) {
      throw new RangeError(`1 to ${MAX_IDS_PER_CALL} SKU quantities per call, got ${skuQuantities.length}`)
    }
    skuQuantities.forEach((entry) => type === 1 && assertQuantity(entry.quantity))
    const response = await this.client.call('taobao.skus.quantity.update', {
      num_iid: numIid,
      skuid_quantities: skuQuantities.map((entry) => `${entry.skuId}:${entry.quantity}`).join(';'),
      type,
    })
    return readItem(response.item)
  }

  async itemQuantityUpdate(params: ItemQuantityUpdateParams): Promise<TopItem> {
    if ((params.type ?? 1) === 1) assertQuantity(params.quantity)
    const response = await this.client.call('taobao.item.quantity.update', {
      num_iid: params.numIid,
      quantity: params.quantity,
      sku_id: params.skuId,
      outer_id: params.outerId,
      type: params.type ?? 1,
    })
    return readItem(response.item)
  }

  /**
   * Not retried after a timeout or an unclear failure: the shipment may have gone through, so the
   * caller re-reads the trade (tradeFullinfoGet) before sending again.
   */
  async logisticsOfflineSend(params: LogisticsOfflineSendParams): Promise<{ isSuccess: boolean }> {
    if (params.isSplit && !params.subTids?.length) throw new RangeError('a split shipment names its subTids')
    const response = await this.client.call(
      'taobao.logistics.offline.send',
      {
        tid: params.tid,
        out_sid: params.outSid,
        company_code: params.companyCode,
        is_split: params.isSplit ? 1 : undefined,
        sub_tid: params.isSplit ? params.subTids : undefined,
      },
      { idempotent: false },
    )
    const shipping = (response.shipping ?? {}) as Record<string, unknown>
    return { isSuccess: shipping.is_success === true || shipping.is_success === 'true' }
  }

  async refundsReceiveGet(params: RefundsReceiveGetParams): Promise<{ refunds: TopRefund[]; totalResults?: number; hasNext?: boolean }> {
    const response = await this.client.call('taobao.refunds.receive.get', {
      fields: fieldList(params.fields, REFUND_FIELDS),
      start_modified: optionalTime(params.startModified),
      end_modified: optionalTime(params.endModified),
      status: params.status,
      page_no: params.pageNo ?? 1,
      page_size: params.pageSize ?? 100,
      use_has_next: params.useHasNext,
    })
    return { refunds: unwrapList(response, 'refunds', 'refund').map(readRefund), ...pageInfo(response) }
  }

  async refundGet(refundId: string, fields?: Fields): Promise<TopRefund> {
    const response = await this.client.call('taobao.refund.get', { fields: fieldList(fields, REFUND_FIELDS), refund_id: refundId })
    return readRefund(response.refund)
  }

  /** Up to `quantity` (≤ 200) messages; a message may come more than once: handle them idempotently. */
  async tmcMessagesConsume(quantity = 100, groupName?: string): Promise<TmcMessage[]> {
    const response = await this.client.call('taobao.tmc.messages.consume', { quantity, group_name: groupName })
    return unwrapList(response, 'messages', 'tmc_message').map(readTmcMessage)
  }

  /** Confirmed messages are not delivered again. */
  async tmcMessagesConfirm(ids: readonly string[], failedIds: readonly string[] = [], groupName?: string): Promise<void> {
    if (ids.length === 0 && failedIds.length === 0) return
    await this.client.call('taobao.tmc.messages.confirm', {
      s_message_ids: ids.length ? ids : undefined,
      f_message_ids: failedIds.length ? failedIds : undefined,
      group_name: groupName,
    })
  }
}
