import { isLosslessNumber } from 'lossless-json'
import { parseTopJson } from './json'

/**
 * Typed, tolerant readers of TOP entities. Field names stay TOP's (snake_case, as in the ERP's
 * platform_trades form); ids and money are strings, times keep TOP's `yyyy-MM-dd HH:mm:ss` text
 * (GMT+8; parseTopTime turns them into epoch ms). Missing fields stay undefined, unknown ones are
 * dropped, list envelopes (`orders.order[]`) become plain arrays.
 */
type FieldKind = 'id' | 'text' | 'money' | 'time' | 'int' | 'bool'
type FieldSpec = Record<string, FieldKind>
type ValueOf<K extends FieldKind> = K extends 'int' ? number : K extends 'bool' ? boolean : string
type FromSpec<S extends FieldSpec> = { [K in keyof S]?: ValueOf<S[K]> }

const ORDER_FIELDS = {
  oid: 'id', oid_str: 'id', num_iid: 'id', sku_id: 'id', outer_iid: 'text', outer_sku_id: 'text', title: 'text',
  sku_properties_name: 'text', pic_path: 'text', price: 'money', num: 'int', total_fee: 'money', payment: 'money',
  discount_fee: 'money', adjust_fee: 'money', divide_order_fee: 'money', part_mjz_discount: 'money', status: 'text',
  refund_status: 'text', refund_id: 'id', logistics_company: 'text', invoice_no: 'text', consign_time: 'time',
  shipping_type: 'text', end_time: 'time', is_oversold: 'bool',
} as const satisfies FieldSpec

const PROMOTION_FIELDS = {
  id: 'id', promotion_id: 'text', promotion_name: 'text', promotion_desc: 'text', discount_fee: 'money', gift_item_name: 'text',
} as const satisfies FieldSpec

const TRADE_FIELDS = {
  tid: 'id', tid_str: 'id', status: 'text', type: 'text', created: 'time', modified: 'time', pay_time: 'time',
  consign_time: 'time', end_time: 'time', payment: 'money', total_fee: 'money', post_fee: 'money', discount_fee: 'money',
  adjust_fee: 'money', received_payment: 'money', commission_fee: 'money', seller_nick: 'text', buyer_nick: 'text',
  buyer_open_uid: 'text', receiver_name: 'text', receiver_state: 'text', receiver_city: 'text', receiver_district: 'text',
  receiver_town: 'text', receiver_address: 'text', receiver_zip: 'text', receiver_mobile: 'text', receiver_phone: 'text',
  oaid: 'text', seller_flag: 'int', shipping_type: 'text', trade_from: 'text', alipay_no: 'text', num: 'int', num_iid: 'id',
  has_buyer_message: 'bool', buyer_message: 'text', seller_memo: 'text', buyer_memo: 'text',
} as const satisfies FieldSpec

const SKU_FIELDS = {
  sku_id: 'id', num_iid: 'id', properties: 'text', properties_name: 'text', quantity: 'int', price: 'money',
  outer_id: 'text', barcode: 'text', created: 'time', modified: 'time', status: 'text',
} as const satisfies FieldSpec

const ITEM_FIELDS = {
  num_iid: 'id', title: 'text', nick: 'text', num: 'int', price: 'money', outer_id: 'text', barcode: 'text',
  approve_status: 'text', cid: 'id', pic_url: 'text', created: 'time', modified: 'time', list_time: 'time',
  delist_time: 'time', has_showcase: 'bool',
} as const satisfies FieldSpec

const REFUND_FIELDS = {
  refund_id: 'id', tid: 'id', oid: 'id', num_iid: 'id', sku: 'text', status: 'text', order_status: 'text', good_status: 'text',
  has_good_return: 'bool', refund_fee: 'money', payment: 'money', total_fee: 'money', price: 'money', created: 'time',
  modified: 'time', refund_phase: 'text', dispute_type: 'text', reason: 'text', desc: 'text', company_name: 'text',
  sid: 'text', num: 'int', title: 'text', outer_id: 'text', buyer_nick: 'text', seller_nick: 'text',
} as const satisfies FieldSpec

const TMC_FIELDS = {
  id: 'id', topic: 'text', pub_time: 'time', pub_app_key: 'text', user_id: 'id', user_nick: 'text',
} as const satisfies FieldSpec

export type TopOrder = FromSpec<typeof ORDER_FIELDS> & { oid: string }
export type TopPromotionDetail = FromSpec<typeof PROMOTION_FIELDS>
export type TopTrade = FromSpec<typeof TRADE_FIELDS> & {
  tid: string
  status: string
  orders: TopOrder[]
  promotion_details?: TopPromotionDetail[]
}
/** properties_text: properties_name without the `pid:vid:` prefixes (`颜色分类:白色;尺码:M`) */
export type TopSku = FromSpec<typeof SKU_FIELDS> & { sku_id: string; properties_text?: string }
export type TopItem = FromSpec<typeof ITEM_FIELDS> & { num_iid: string; skus?: TopSku[] }
export type TopRefund = FromSpec<typeof REFUND_FIELDS> & { refund_id: string }
export type TmcMessage = FromSpec<typeof TMC_FIELDS> & {
  id: string
  topic: string
  /** the decoded `content` JSON (ids as strings); {} when it was not JSON */
  content: Record<string, unknown>
  raw_content: string
}

function readField(kind: FieldKind, value: unknown): unknown {
  if (value === undefined || value === null) return undefined
  switch (kind) {
    case 'int': {
      const n = typeof value === 'number' ? value : Number(String(value))
      return Number.isFinite(n) ? n : undefined
    }
    case 'bool':
      return value === true || value === 'true' || value === 1 || value === '1'
    case 'id': {
      if (isLosslessNumber(value)) return value.value
      const text = String(value).trim()
      return text === '' ? undefined : text
    }
    default:
      return typeof value === 'object' ? undefined : String(value)
  }
}

function readFields<S extends FieldSpec>(spec: S, raw: unknown): FromSpec<S> {
  const out: Record<string, unknown> = {}
  if (!raw || typeof raw !== 'object') return out as FromSpec<S>
  const source = raw as Record<string, unknown>
  for (const [key, kind] of Object.entries(spec)) {
    const value = readField(kind, source[key])
    if (value !== undefined) out[key] = value
  }
  return out as FromSpec<S>
}

/** `{"orders":{"order":[…]}}` → […]; tolerates a missing envelope, a bare array or a single object. */
export function unwrapList(container: unknown, key: string, inner: string): unknown[] {
  if (!container || typeof container !== 'object') return []
  const wrapper = (container as Record<string, unknown>)[key]
  if (wrapper === undefined || wrapper === null || wrapper === '') return []
  if (Array.isArray(wrapper)) return wrapper
  if (typeof wrapper !== 'object') return []
  const list = (wrapper as Record<string, unknown>)[inner]
  if (Array.isArray(list)) return list
  return list && typeof list === 'object' ? [list] : []
}

function requireId(entity: string, key: string, value: string | undefined): string {
  if (!value) throw new TypeError(`${entity} without ${key}`)
  return value
}

export function readOrder(raw: unknown): TopOrder {
  const order = readFields(ORDER_FIELDS, raw)
  return { ...order, oid: requireId('order', 'oid', order.oid) }
}

export function readTrade(raw: unknown): TopTrade {
  const trade = readFields(TRADE_FIELDS, raw)
  const promotions = unwrapList(raw, 'promotion_details', 'promotion_detail').map((p) => readFields(PROMOTION_FIELDS, p))
  return {
    ...trade,
    tid: requireId('trade', 'tid', trade.tid),
    status: trade.status ?? '',
    // an order without oid (the doc's sample has `"order":[{}]`) cannot be stored: it is left out
    orders: unwrapList(raw, 'orders', 'order')
      .filter((order) => readField('id', (order as Record<string, unknown> | null)?.oid) !== undefined)
      .map(readOrder),
    ...(promotions.length ? { promotion_details: promotions } : {}),
  }
}

/** `1627207:28341:颜色分类:白色;20509:28315:尺码:M` → `颜色分类:白色;尺码:M` */
export function readablePropertiesName(propertiesName: string): string {
  return propertiesName
    .split(';')
    .filter(Boolean)
    .map((part) => {
      const pieces = part.split(':')
      return pieces.length >= 4 && /^\d+$/.test(pieces[0]) && /^-?\d+$/.test(pieces[1]) ? pieces.slice(2).join(':') : part
    })
    .join(';')
}

export function readSku(raw: unknown): TopSku {
  const sku = readFields(SKU_FIELDS, raw)
  return {
    ...sku,
    sku_id: requireId('sku', 'sku_id', sku.sku_id),
    ...(sku.properties_name ? { properties_text: readablePropertiesName(sku.properties_name) } : {}),
  }
}

export function readItem(raw: unknown): TopItem {
  const item = readFields(ITEM_FIELDS, raw)
  const hasSkus = !!raw && typeof raw === 'object' && 'skus' in raw
  return {
    ...item,
    num_iid: requireId('item', 'num_iid', item.num_iid),
    ...(hasSkus ? { skus: unwrapList(raw, 'skus', 'sku').map(readSku) } : {}),
  }
}

export function readRefund(raw: unknown): TopRefund {
  const refund = readFields(REFUND_FIELDS, raw)
  return { ...refund, refund_id: requireId('refund', 'refund_id', refund.refund_id) }
}

export function readTmcMessage(raw: unknown): TmcMessage {
  const message = readFields(TMC_FIELDS, raw)
  const rawContent = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).content : undefined
  let content: Record<string, unknown> = {}
  if (typeof rawContent === 'string') {
    try {
      const parsed = parseTopJson(rawContent)
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) content = parsed as Record<string, unknown>
    } catch {
      // not JSON: keep raw_content only
    }
  } else if (rawContent && typeof rawContent === 'object') {
    content = rawContent as Record<string, unknown>
  }
  return {
    ...message,
    id: requireId('tmc message', 'id', message.id),
    topic: message.topic ?? '',
    content,
    raw_content: typeof rawContent === 'string' ? rawContent : JSON.stringify(rawContent ?? {}),
  }
}
