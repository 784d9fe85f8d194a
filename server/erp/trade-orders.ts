import { Decimal } from '../../schema/lib/decimal'
import type { RecordsService } from '../records/service'
import type { ApiRecord } from '../records/types'
import { idOf, linesOf } from './util'

/** Platform statuses whose trades are paid and still to be shipped: they become ERP orders. */
export const PAID_STATUSES = new Set(['WAIT_SELLER_SEND_GOODS', 'SELLER_CONSIGNED_PART', 'PAID_FORBID_CONSIGN'])

export interface SkuMatch {
  /** the ERP SKU, or the parts of a combo */
  parts: { sku: number; qty: number }[]
  combo: number | null
}

/**
 * Which ERP SKU a platform line is: the merchant code (outer_sku_id, else outer_iid) against SKU
 * codes and combo codes, then the SKU mapping form (shop × item id × platform SKU id).
 */
export class SkuMatcher {
  private readonly cache = new Map<string, SkuMatch | null>()
  private readonly byCodeCache = new Map<string, SkuMatch | null>()

  constructor(private readonly system: RecordsService) {}

  /** Loads the SKUs and combos of many lines' codes at once (a sync page has hundreds of lines). */
  async preload(lines: Record<string, unknown>[]): Promise<void> {
    const codes = [...new Set(lines.map(codeOf).filter((c) => c && !this.byCodeCache.has(c)))]
    for (let i = 0; i < codes.length; i += 500) {
      const chunk = codes.slice(i, i + 500)
      const skus = await this.system.list('skus', { filter: { field: 'outer_id', op: 'in', value: chunk }, limit: 500, total: false })
      for (const sku of skus.data) this.byCodeCache.set(String(sku.outer_id), { parts: [{ sku: sku.id, qty: 1 }], combo: null })
      const rest = chunk.filter((c) => !this.byCodeCache.has(c))
      if (rest.length === 0) continue
      const combos = await this.system.list('combos', { filter: { field: 'code', op: 'in', value: rest }, limit: 500, total: false, lines: true })
      for (const combo of combos.data) this.byCodeCache.set(String(combo.code), comboMatch(combo))
      for (const code of rest) if (!this.byCodeCache.has(code)) this.byCodeCache.set(code, null)
    }
  }

  async match(shop: number | null, line: Record<string, unknown>): Promise<SkuMatch | null> {
    const code = codeOf(line)
    const cacheKey = `${shop}|${code}|${line.num_iid ?? ''}|${line.sku_id ?? ''}`
    if (this.cache.has(cacheKey)) return this.cache.get(cacheKey)!
    const found = (code && (await this.byCode(code))) || (await this.byMapping(shop, line))
    this.cache.set(cacheKey, found ?? null)
    return found ?? null
  }

  private async byCode(code: string): Promise<SkuMatch | null> {
    if (!this.byCodeCache.has(code)) await this.preload([{ outer_sku_id: code }])
    return this.byCodeCache.get(code) ?? null
  }

  private async byMapping(shop: number | null, line: Record<string, unknown>): Promise<SkuMatch | null> {
    if (!shop || !line.num_iid) return null
    const filter = {
      and: [
        { field: 'shop', op: 'eq', value: shop },
        { field: 'num_iid', op: 'eq', value: String(line.num_iid) },
        line.sku_id ? { field: 'sku_id', op: 'eq', value: String(line.sku_id) } : { field: 'sku_id', op: 'is_empty' },
      ],
    }
    const mapping = (await this.system.list('sku_mappings', { filter, limit: 1, total: false })).data[0]
    if (!mapping) return null
    if (mapping.combo) return comboMatch(await this.system.get('combos', idOf(mapping.combo)!))
    return { parts: [{ sku: idOf(mapping.sku)!, qty: 1 }], combo: null }
  }
}

const codeOf = (line: Record<string, unknown>) => String(line.outer_sku_id || line.outer_iid || '').trim()

function comboMatch(combo: ApiRecord): SkuMatch {
  return { parts: linesOf(combo, 'parts').map((p) => ({ sku: idOf(p.sku)!, qty: Number(p.qty) })), combo: combo.id }
}

/** Order lines for a platform line: one per SKU (a combo gives one line per part, payment shared by cost). */
export async function orderLinesFor(matcher: SkuMatcher, shop: number | null, trade: ApiRecord, line: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  const base = {
    title: line.title ?? null,
    properties: line.sku_properties_name ?? null,
    outer_sku_id: line.outer_sku_id || line.outer_iid || null,
    price: line.price ?? null,
    trade: trade.id,
    trade_oid: line.oid,
  }
  const qty = Number(line.num ?? 1)
  const match = await matcher.match(shop, line)
  if (!match) return [{ ...base, sku: null, qty, payment: line.payment ?? null }]
  return linesForMatch(match, base, qty, line.payment)
}

/** One line per SKU of a match; a combo's payment is shared by part quantity, the rounding on the last part. */
export function linesForMatch(match: SkuMatch, base: Record<string, unknown>, qty: number, payment: unknown): Record<string, unknown>[] {
  if (!match.combo) return [{ ...base, sku: match.parts[0].sku, qty, payment: payment ?? null }]
  const total = new Decimal(String(payment ?? 0))
  const units = match.parts.reduce((n, p) => n + p.qty, 0)
  let given = new Decimal(0)
  return match.parts.map((part, i) => {
    const share = i === match.parts.length - 1 ? total.minus(given) : total.mul(part.qty).div(units).toDecimalPlaces(2)
    given = given.plus(share)
    return { ...base, sku: part.sku, combo: match.combo, qty: qty * part.qty, price: null, payment: share.toFixed(2) }
  })
}

/**
 * The ERP orders of paid platform trades, created once (trades that already have one keep it),
 * in one batch. Lines that match no SKU put their order in 异常 with the reason.
 */
export async function createOrdersForTrades(system: RecordsService, trades: ApiRecord[], matcher = new SkuMatcher(system)): Promise<Map<number, { id: number }>> {
  const orders = new Map<number, { id: number }>()
  const paid = trades.filter((t) => PAID_STATUSES.has(String(t.status)))
  if (paid.length === 0) return orders
  for (let i = 0; i < paid.length; i += 500) {
    const ids = paid.slice(i, i + 500).map((t) => t.id)
    const existing = await system.list('orders', { filter: { field: 'trades', op: 'in', value: ids }, limit: 500, total: false })
    for (const order of existing.data) for (const trade of (order.trades as { id: number }[]) ?? []) orders.set(trade.id, order)
  }
  const fresh = paid.filter((t) => !orders.has(t.id))
  await matcher.preload(fresh.flatMap((t) => linesOf(t)))
  const inputs: Record<string, unknown>[] = []
  const forTrade: ApiRecord[] = []
  for (const trade of fresh) {
    const input = await orderInput(matcher, trade)
    if (!input) continue
    inputs.push(input)
    forTrade.push(trade)
  }
  if (inputs.length) {
    const created = await system.createManyIds('orders', inputs)
    created.forEach((id, i) => orders.set(forTrade[i].id, { id }))
  }
  return orders
}

export async function createOrderForTrade(system: RecordsService, trade: ApiRecord, matcher = new SkuMatcher(system)): Promise<ApiRecord | null> {
  const order = (await createOrdersForTrades(system, [trade], matcher)).get(trade.id)
  return order ? system.get('orders', order.id) : null
}

async function orderInput(matcher: SkuMatcher, trade: ApiRecord): Promise<Record<string, unknown> | null> {
  const shop = idOf(trade.shop)
  const lines = []
  for (const line of linesOf(trade)) {
    if (line.refund_status === 'SUCCESS') continue
    lines.push(...(await orderLinesFor(matcher, shop, trade, line)))
  }
  if (lines.length === 0) return null
  const unmapped = lines.filter((l) => !l.sku)
  return {
    shop,
    status: unmapped.length ? 'exception' : 'pending',
    exception_reason: unmapped.length ? `未匹配 SKU：${unmapped.map((l) => l.outer_sku_id || l.title).join('、')}` : null,
    trades: [trade.id],
    tids: String(trade.tid),
    buyer_nick: trade.buyer_nick,
    buyer_open_uid: trade.buyer_open_uid,
    oaid: trade.oaid,
    receiver_name: trade.receiver_name,
    receiver_mobile: trade.receiver_mobile,
    receiver_state: trade.receiver_state,
    receiver_city: trade.receiver_city,
    receiver_district: trade.receiver_district,
    receiver_address: trade.receiver_address,
    has_buyer_message: trade.has_buyer_message === true || Boolean(trade.buyer_message),
    buyer_message: trade.buyer_message,
    seller_memo: trade.seller_memo,
    order_time: trade.created,
    paid_at: trade.pay_time,
    post_fee: trade.post_fee ?? '0',
    lines,
  }
}
