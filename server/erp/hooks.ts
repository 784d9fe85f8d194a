import { conflict } from '../lib/errors'
import type { HookRegistry } from '../records/hooks'
import type { RecordsService } from '../records/service'
import { idOf, readSettings } from './util'

const EDITABLE_ORDER_STATUSES = new Set(['pending', 'hold', 'exception'])

/**
 * Rules of the Taobao ERP that are not postings:
 * - an order can be edited by hand only before it is audited (later changes go through actions);
 * - every platform trade belongs to a customer (one per buyer per shop), created on first sight;
 * - new warehouses allow negative stock when the settings say so.
 */
export function registerErpHooks(hooks: HookRegistry, records: RecordsService): void {
  hooks.on('beforeCommit', 'orders', (event) => {
    if (event.action !== 'update' || event.actor.role === 'system') return
    for (const { before } of event.records) {
      if (before && !EDITABLE_ORDER_STATUSES.has(String(before.status))) {
        throw conflict(`order ${before.no} is ${String(before.status)}; edit it with its actions (hold, un-audit…) instead`)
      }
    }
  })

  hooks.onPrepare('platform_trades', async ({ records: trades, trx }) => {
    const system = records.within(trx)
    for (const trade of trades) {
      const shop = trade.values.shop
      const nick = trade.values.buyer_nick
      if (trade.values.customer || typeof shop !== 'number' || typeof nick !== 'string' || !nick) continue
      const filter = { and: [{ field: 'shop', op: 'eq', value: shop }, { field: 'buyer_nick', op: 'eq', value: nick }] }
      const existing = (await system.list('customers', { filter, limit: 1 })).data[0]
      const customer = existing ?? (await system.create('customers', { shop, buyer_nick: nick, buyer_open_uid: trade.values.buyer_open_uid ?? null }))
      trade.values.customer = idOf(customer.id)
    }
  })

  hooks.onPrepare('warehouses', async ({ action, records: warehouses, trx }) => {
    if (action !== 'create') return
    const settings = await readSettings(records.within(trx))
    if (settings.allow_negative_default !== true) return
    for (const warehouse of warehouses) if (!warehouse.provided?.has('allow_negative')) warehouse.values.allow_negative = true
  })
}
