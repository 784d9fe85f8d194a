import { isLosslessNumber, isSafeNumber, LosslessNumber, parse } from 'lossless-json'

/**
 * Keys whose values are identifiers or codes: always strings, whether the gateway sent a bare
 * number (64-bit ids often exceed 2^53) or a string.
 */
export const ID_KEYS: ReadonlySet<string> = new Set([
  'tid', 'oid', 'tid_str', 'oid_str', 'num_iid', 'sku_id', 'refund_id', 'id', 'user_id', 'taobao_user_id',
  'seller_id', 'buyer_id', 'item_id', 'cid', 'alipay_no', 'alipay_id', 'promotion_id', 'sid', 'out_sid',
  'invoice_no', 'outer_id', 'outer_iid', 'outer_sku_id', 'barcode', 'buyer_open_uid', 'oaid', 'pub_app_key',
  'sub_tid', 'num_iids', 'request_id',
])

/** Money is a decimal string; a numeric value keeps its exact source text, never a float. */
export const MONEY_KEYS: ReadonlySet<string> = new Set([
  'payment', 'total_fee', 'post_fee', 'discount_fee', 'adjust_fee', 'received_payment', 'commission_fee',
  'price', 'divide_order_fee', 'part_mjz_discount', 'refund_fee', 'point_fee', 'cod_fee', 'buyer_cod_fee',
  'seller_cod_fee', 'express_agency_fee', 'available_confirm_fee', 'credit_card_fee', 'coupon_fee',
])

/**
 * Parses a TOP response without losing digits. Numbers under id/money keys become their exact text;
 * other numbers become JS numbers when that is exact, else their text.
 */
export function parseTopJson(text: string): unknown {
  return normalizeInPlace(parse(text, null, (raw) => new LosslessNumber(raw)), '')
}

/** Replaces LosslessNumbers in the freshly parsed tree (in place: nothing else holds it). */
function normalizeInPlace(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object') return value
  if (value instanceof LosslessNumber) {
    const raw = value.value
    if (ID_KEYS.has(key) || MONEY_KEYS.has(key)) return raw
    return isSafeNumber(raw) ? Number(raw) : raw
  }
  if (Array.isArray(value)) {
    // Array elements inherit the key of the array ("tids": [1, 2] are ids too).
    for (let i = 0; i < value.length; i++) value[i] = normalizeInPlace(value[i], key)
    return value
  }
  const object = value as Record<string, unknown>
  for (const childKey in object) object[childKey] = normalizeInPlace(object[childKey], childKey)
  return object
}

/** An id from any representation (number, string, bigint, LosslessNumber) as its exact decimal text. */
export function idString(value: unknown): string {
  if (typeof value === 'string') {
    const trimmed = value.trim()
    if (!/^-?\d+$/.test(trimmed)) throw new TypeError(`"${value}" is not an id`)
    return trimmed
  }
  if (typeof value === 'bigint') return value.toString()
  if (isLosslessNumber(value)) return idString(value.value)
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`${value} is not an exact integer id (parse the response with parseTopJson to keep 64-bit ids)`)
    }
    return String(value)
  }
  throw new TypeError(`${String(value)} is not an id`)
}

/** Like idString, but undefined for missing or empty values (TOP omits or blanks optional ids). */
export function optionalIdString(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  return idString(value)
}
