import type { HookRegistry } from '../records/hooks'
import type { RecordsService } from '../records/service'
import { idOf, readSettings } from './util'
import { ruleActor } from '../audit/actors'

/**
 * Rules of the Taobao ERP that are not postings nor workflow (an order's editable_when and its
 * actions are in templates/taobao-erp/forms/orders.json):
 * - every platform trade belongs to a customer (one per buyer per shop), created on first sight;
 * - new warehouses allow negative stock when the settings say so;
 * - stocktake lines added after counting started get their book quantity then.
 */
export function registerErpHooks(hooks: HookRegistry, records: RecordsService): void {
  hooks.onPrepare('platform_trades', async ({ records: trades, trx, actor }) => {
    // One query for the batch's known customers, one batch for the new ones (the sync writes 100s at once).
    const system = records.as(ruleActor(actor)).within(trx)
    const keyOf = (shop: unknown, nick: unknown) => `${shop}|${nick}`
    const wanted = trades.filter((t) => !t.values.customer && typeof t.values.shop === 'number' && typeof t.values.buyer_nick === 'string' && t.values.buyer_nick)
    if (wanted.length === 0) return
    const found = new Map<string, number>()
    const nicks = [...new Set(wanted.map((t) => t.values.buyer_nick as string))]
    for (let i = 0; i < nicks.length; i += 500) {
      const filter = { and: [{ field: 'shop', op: 'in', value: [...new Set(wanted.map((t) => t.values.shop))] }, { field: 'buyer_nick', op: 'in', value: nicks.slice(i, i + 500) }] }
      for (const c of (await system.list('customers', { filter, limit: 500, total: false })).data) found.set(keyOf(idOf(c.shop), c.buyer_nick), c.id)
    }
    const missing = new Map<string, Record<string, unknown>>()
    for (const t of wanted) {
      const key = keyOf(t.values.shop, t.values.buyer_nick)
      if (!found.has(key) && !missing.has(key)) missing.set(key, { shop: t.values.shop, buyer_nick: t.values.buyer_nick, buyer_open_uid: t.values.buyer_open_uid ?? null })
    }
    if (missing.size) {
      const created = await system.createMany('customers', [...missing.values()])
      for (const c of created) found.set(keyOf(idOf(c.shop), c.buyer_nick), c.id)
    }
    for (const t of wanted) t.values.customer = found.get(keyOf(t.values.shop, t.values.buyer_nick)) ?? null
  })

  hooks.onPrepare('stocktakes', async ({ records: stocktakes, trx }) => {
    // A line added (or pointed at another SKU) after counting started gets its book quantity now;
    // a blank one would count the whole quantity as a gain.
    for (const stocktake of stocktakes) {
      if (!stocktake.values.counting_started_at || typeof stocktake.values.warehouse !== 'number') continue
      const stale = (stocktake.lines.lines ?? []).filter(
        (l) => typeof l.values.sku === 'number' && (l.values.book_qty === null || l.values.book_qty === undefined || (l.previous && l.previous.sku !== l.values.sku)),
      )
      if (stale.length === 0) continue
      const onHand = await onHandBySku(records.within(trx), stocktake.values.warehouse, stale.map((l) => l.values.sku as number))
      for (const line of stale) line.values.book_qty = onHand.get(line.values.sku as number) ?? '0'
    }
  })

  hooks.onPrepare('warehouses', async ({ action, records: warehouses, trx }) => {
    if (action !== 'create') return
    const settings = await readSettings(records.within(trx))
    if (settings.allow_negative_default !== true) return
    for (const warehouse of warehouses) if (!warehouse.provided?.has('allow_negative')) warehouse.values.allow_negative = true
  })
}

async function onHandBySku(system: RecordsService, warehouse: number, skus: number[]): Promise<Map<number, string>> {
  const onHand = new Map<number, string>()
  const unique = [...new Set(skus)]
  for (let i = 0; i < unique.length; i += 500) {
    const filter = { and: [{ field: 'warehouse', op: 'eq', value: warehouse }, { field: 'sku', op: 'in', value: unique.slice(i, i + 500) }] }
    for (const b of (await system.list('stock_balances', { filter, limit: 500, total: false })).data) onHand.set(idOf(b.sku)!, String(b.on_hand))
  }
  return onHand
}
