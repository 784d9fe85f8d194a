import type { Knex } from 'knex'
import type { AppContext } from '../context'
import { badRequest } from '../lib/errors'
import { idOf, linesOf } from '../erp/util'
import type { TaobaoApi } from '../taobao'
import { MAX_GROUPS } from '../records/aggregator'
import { apiFor } from './client-factory'

export interface StockRule {
  scope: 'shop' | 'item' | 'sku'
  /** num_iid for an item rule, the ERP SKU id for a SKU rule */
  target: string | null
  mode: 'ratio' | 'fixed'
  ratio_percent: number
  fixed_qty: number | null
  safety_stock: number
}

const DEFAULT_RULE: StockRule = { scope: 'shop', target: null, mode: 'ratio', ratio_percent: 100, fixed_qty: null, safety_stock: 0 }

/** What a platform SKU shows: a fixed quantity, or a share of what is available beyond the safety stock. */
export function uploadQuantity(available: number, rule: StockRule): number {
  if (rule.mode === 'fixed') return Math.max(0, rule.fixed_qty ?? 0)
  return Math.max(0, Math.floor(((available - rule.safety_stock) * rule.ratio_percent) / 100))
}

/** SKU rule before item rule before shop rule. */
export function ruleFor(rules: StockRule[], numIid: string, skuId: number | null): StockRule {
  return (
    (skuId !== null && rules.find((r) => r.scope === 'sku' && r.target === String(skuId))) ||
    rules.find((r) => r.scope === 'item' && r.target === numIid) ||
    rules.find((r) => r.scope === 'shop') ||
    DEFAULT_RULE
  )
}

/**
 * Stock upload: each mapped platform SKU gets the quantity its rule gives from available stock
 * (on hand − reserved, in main warehouses; a combo by its scarcest part), as an absolute quantity
 * (skus.quantity.update, ≤ 20 SKUs per call) so a repeated call cannot apply twice. Runs on
 * stock changes (debounced) and on demand; every line is logged.
 */
export class StockUploader {
  /** SKUs whose stock changed, with a counter: an upload clears only the changes it read */
  private readonly dirty = new Map<number, number>()
  private timer: NodeJS.Timeout | null = null
  /** each shop's latest upload: the next one starts after it, so the newest reading lands last */
  private readonly queues = new Map<number, Promise<unknown>>()

  constructor(
    private readonly ctx: AppContext,
    private readonly debounceMs = 3000,
  ) {}

  async rules(shopId: number): Promise<StockRule[]> {
    const rows = await this.ctx.db.knex('zg_stock_upload_rules').where({ shop_id: shopId }).orderBy('id')
    return rows.map((r) => ({ scope: r.scope, target: r.target, mode: r.mode, ratio_percent: Number(r.ratio_percent), fixed_qty: r.fixed_qty == null ? null : Number(r.fixed_qty), safety_stock: Number(r.safety_stock) }))
  }

  async saveRules(shopId: number, input: unknown): Promise<StockRule[]> {
    if (!Array.isArray(input)) throw badRequest('send {"rules": [...]}').because('stock_rules_required')
    const rules = input.map((raw, i) => checkRule(raw, i))
    const seen = new Set<string>()
    rules.forEach((rule, i) => {
      const key = `${rule.scope}|${rule.target ?? ''}`
      if (seen.has(key)) throw badRequest(`rules[${i}]: a ${rule.scope} rule${rule.target ? ` for ${rule.target}` : ''} is already in the list`).because('stock_rule_duplicate', { rule: i + 1 })
      seen.add(key)
    })
    await this.ctx.db.knex.transaction(async (trx: Knex.Transaction) => {
      await trx('zg_stock_upload_rules').where({ shop_id: shopId }).delete()
      if (rules.length) await trx('zg_stock_upload_rules').insert(rules.map((r) => ({ shop_id: shopId, ...r, updated_at: Date.now() })))
    })
    return this.rules(shopId)
  }

  /** Marks SKUs changed and uploads them a moment later (changes in a burst go up together). */
  touch(skuIds: number[]): void {
    for (const id of skuIds) this.dirty.set(id, (this.dirty.get(id) ?? 0) + 1)
    if (this.timer) return
    this.timer = setTimeout(() => {
      this.timer = null
      void this.uploadChanged().catch((error) => console.error('[zhanggui] stock upload failed:', error instanceof Error ? error.message : error))
    }, this.debounceMs)
    this.timer.unref?.()
  }

  async uploadChanged(): Promise<void> {
    if (this.dirty.size === 0) return
    const read = new Map(this.dirty)
    for (const connection of await this.ctx.connections.all()) {
      if (connection.status === 'active') await this.upload(connection.shopId, [...read.keys()])
    }
    for (const [id, counter] of read) if (this.dirty.get(id) === counter) this.dirty.delete(id)
  }

  /**
   * Uploads the shop's mapped SKUs (all of them, or those of `onlySkus`). Uploads of one shop run
   * one after another, each reading stock when it starts: overlapping ones (the debounce firing
   * again while a slow upload is under way, 立即上传) could otherwise land an older quantity last.
   */
  upload(shopId: number, onlySkus?: number[]): Promise<{ calls: number; skus: number; failed: number }> {
    const previous = this.queues.get(shopId) ?? Promise.resolve()
    const next = previous.catch(() => {}).then(() => this.uploadNow(shopId, onlySkus))
    this.queues.set(shopId, next)
    const forget = () => {
      if (this.queues.get(shopId) === next) this.queues.delete(shopId)
    }
    next.then(forget, forget)
    return next
  }

  private async uploadNow(shopId: number, onlySkus?: number[]): Promise<{ calls: number; skus: number; failed: number }> {
    const mappings = await this.mappings(shopId)
    const rules = await this.rules(shopId)
    const available = await this.availability()
    const lines = mappings
      .filter((m) => !onlySkus || m.parts.some((p) => onlySkus.includes(p.sku)))
      .map((m) => {
        const stock = Math.min(...m.parts.map((p) => Math.floor((available.get(p.sku) ?? 0) / p.qty)))
        return { ...m, quantity: uploadQuantity(stock, ruleFor(rules, m.numIid, m.parts.length === 1 ? m.parts[0].sku : null)) }
      })
    if (lines.length === 0) return { calls: 0, skus: 0, failed: 0 }
    const { api } = apiFor(await this.ctx.connections.get(shopId), this.ctx.connections)
    const result = { calls: 0, skus: lines.length, failed: 0 }
    const byItem = new Map<string, typeof lines>()
    for (const line of lines) byItem.set(line.numIid, [...(byItem.get(line.numIid) ?? []), line])
    for (const [numIid, itemLines] of byItem) {
      for (let i = 0; i < itemLines.length; i += 20) {
        const batch = itemLines.slice(i, i + 20)
        result.calls++
        const error = await send(api, numIid, batch)
        if (error) result.failed += batch.length
        await this.ctx.db.knex('zg_stock_uploads').insert(
          batch.map((l) => ({ shop_id: shopId, at: Date.now(), num_iid: numIid, sku_id: l.skuId, sku: l.parts.length === 1 ? l.parts[0].sku : null, quantity: l.quantity, status: error ? 'failed' : 'ok', error })),
        )
      }
    }
    return result
  }

  async log(shopId: number, limit = 200) {
    const rows = await this.ctx.db.knex('zg_stock_uploads').where({ shop_id: shopId }).orderBy('id', 'desc').limit(limit)
    return rows.map((r) => ({ id: Number(r.id), at: new Date(Number(r.at)).toISOString(), num_iid: r.num_iid, sku_id: r.sku_id, sku: r.sku, quantity: Number(r.quantity), status: r.status, error: r.error }))
  }

  /** The shop's platform SKUs, each with the ERP SKUs (and quantities) it stands for. */
  private async mappings(shopId: number) {
    const mappings: { numIid: string; skuId: string | null; parts: { sku: number; qty: number }[] }[] = []
    const combos = new Map<number, { sku: number; qty: number }[]>()
    let cursor: string | undefined
    do {
      const page = await this.ctx.records.list('sku_mappings', { filter: { field: 'shop', op: 'eq', value: shopId }, limit: 500, cursor, sort: 'id', total: false })
      for (const m of page.data) {
        let parts = [{ sku: idOf(m.sku)!, qty: 1 }]
        const combo = idOf(m.combo)
        if (combo) {
          if (!combos.has(combo)) combos.set(combo, linesOf(await this.ctx.records.get('combos', combo), 'parts').map((p) => ({ sku: idOf(p.sku)!, qty: Number(p.qty) })))
          parts = combos.get(combo)!
        }
        mappings.push({ numIid: String(m.num_iid), skuId: m.sku_id ? String(m.sku_id) : null, parts })
      }
      cursor = page.next_cursor ?? undefined
    } while (cursor)
    return mappings
  }

  /** Available stock per SKU over the main warehouses (not returns or defective stock). */
  private async availability(): Promise<Map<number, number>> {
    const available = new Map<number, number>()
    for (let offset = 0; ; offset += MAX_GROUPS) {
      const page = await this.ctx.records.aggregate('stock_balances', {
        group_by: ['sku', 'warehouse.type'],
        measures: [
          { fn: 'sum', field: 'on_hand', as: 'on_hand' },
          { fn: 'sum', field: 'reserved', as: 'reserved' },
        ],
        having: { field: 'warehouse.type', op: 'eq', value: 'main' },
        offset,
      })
      for (const r of page.data) available.set(idOf(r.sku)!, Number(r.on_hand) - Number(r.reserved))
      if (!page.truncated) return available
    }
  }
}

async function send(api: TaobaoApi, numIid: string, lines: { skuId: string | null; quantity: number }[]): Promise<string | null> {
  try {
    const withSku = lines.filter((l) => l.skuId)
    if (withSku.length) await api.skusQuantityUpdate(numIid, withSku.map((l) => ({ skuId: l.skuId!, quantity: l.quantity })))
    for (const l of lines.filter((line) => !line.skuId)) await api.itemQuantityUpdate({ numIid, quantity: l.quantity })
    return null
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

function checkRule(raw: unknown, i: number): StockRule {
  const r = raw as Record<string, unknown>
  const fail = (message: string) => badRequest(`rules[${i}]: ${message}`).because('stock_rule_invalid', { rule: i + 1, reason: message })
  if (!r || typeof r !== 'object') throw fail('must be an object')
  if (!['shop', 'item', 'sku'].includes(String(r.scope))) throw fail('scope must be shop, item or sku')
  if (!['ratio', 'fixed'].includes(String(r.mode ?? 'ratio'))) throw fail('mode must be ratio or fixed')
  const int = (v: unknown, name: string, min: number, max: number) => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < min || n > max) throw fail(`${name} must be a whole number from ${min} to ${max}`)
    return n
  }
  const scope = r.scope as StockRule['scope']
  if (scope !== 'shop' && (r.target === undefined || r.target === null || r.target === '')) throw fail(`a ${scope} rule needs a target`)
  return {
    scope,
    target: scope === 'shop' ? null : String(r.target),
    mode: (r.mode ?? 'ratio') as StockRule['mode'],
    ratio_percent: r.ratio_percent === undefined ? 100 : int(r.ratio_percent, 'ratio_percent', 0, 1000),
    fixed_qty: r.mode === 'fixed' ? int(r.fixed_qty, 'fixed_qty', 0, 10_000_000) : null,
    safety_stock: r.safety_stock === undefined ? 0 : int(r.safety_stock, 'safety_stock', 0, 10_000_000),
  }
}
