import { Decimal } from '../../schema/lib/decimal'
import { localize } from '../../schema/lib/localized'
import type { HookRegistry } from '../records/hooks'
import type { RecordsService } from '../records/service'
import { idOf } from './util'

/** Order statuses that hold reserved stock (审核后, before shipping). */
const RESERVING = ['audited', 'picking', 'to_ship']

/**
 * A void that took stock away below what orders reserved (a stock-in voided by someone allowed to
 * force it: the `stock.force_void` override of the stock ledger's constraint) flags the orders
 * that relied on it: the newest reserving orders of that SKU and warehouse are marked 异常
 * (which gives their reservation back) until what is left on hand covers the rest. Runs inside
 * the void's transaction, after its postings.
 */
export function registerUncoveredReservations(hooks: HookRegistry, records: RecordsService): void {
  hooks.on(
    'beforeCommit',
    '*',
    async (event) => {
      if (!['stock_ledger', 'stock_balances', 'stock_reservations', 'orders'].every((form) => records.hasForm(form))) return
      const system = records.within(event.trx)
      const ids = event.records.map((r) => r.id)
      const filter = {
        and: [
          { field: 'doc_form', op: 'eq', value: event.form.key },
          { field: 'doc_id', op: 'in', value: ids },
          { field: 'qty', op: 'lt', value: 0 },
          { field: 'reverses', op: 'is_not_empty' },
        ],
      }
      const taken = await all(system, 'stock_ledger', filter)
      const places = new Map<string, { sku: number; warehouse: number }>()
      for (const line of taken) {
        const sku = idOf(line.sku)
        const warehouse = idOf(line.warehouse)
        if (sku !== null && warehouse !== null) places.set(`${sku}:${warehouse}`, { sku, warehouse })
      }
      const reason = `${localize(event.form.def.label)} ${docNo(event.records[0]?.after)} 作废后在库不足以覆盖预占`
      for (const { sku, warehouse } of places.values()) await flagUncovered(system, sku, warehouse, reason)
    },
    { actions: ['void'] },
  )
}

function docNo(record: Record<string, unknown> | null | undefined): string {
  return String(record?.no ?? record?.id ?? '')
}

async function flagUncovered(system: RecordsService, sku: number, warehouse: number, reason: string): Promise<void> {
  const balanceOf = async () => (await system.list('stock_balances', { filter: { and: [{ field: 'sku', op: 'eq', value: sku }, { field: 'warehouse', op: 'eq', value: warehouse }] }, limit: 1, total: false })).data[0]
  let balance = await balanceOf()
  const short = () => balance && !balance.allow_negative && new Decimal(String(balance.on_hand ?? 0)).lt(String(balance.reserved ?? 0))
  if (!short()) return
  // the orders holding a reservation of this SKU here: net reserved quantity per order, newest first
  const reservations = await all(system, 'stock_reservations', { and: [{ field: 'doc_form', op: 'eq', value: 'orders' }, { field: 'sku', op: 'eq', value: sku }, { field: 'warehouse', op: 'eq', value: warehouse }] })
  const held = new Map<number, Decimal>()
  for (const r of reservations) held.set(Number(r.doc_id), (held.get(Number(r.doc_id)) ?? new Decimal(0)).plus(String(r.qty ?? 0)))
  const orderIds = [...held].filter(([, qty]) => qty.gt(0)).map(([id]) => id).sort((a, b) => b - a)
  for (const id of orderIds) {
    if (!short()) break
    const order = await system.get('orders', id)
    if (!RESERVING.includes(String(order.status)) || !system.actionAvailable('orders', order, 'mark_exception')) continue
    await system.runAction('orders', id, 'mark_exception', { reason })
    balance = await balanceOf()
  }
}

/** Every record of a form matching a filter, page by page. */
async function all(system: RecordsService, form: string, filter: unknown): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = []
  let cursor: string | undefined
  do {
    const page = await system.list(form, { filter: filter as never, sort: 'id', limit: 500, cursor, total: false })
    rows.push(...page.data)
    cursor = page.next_cursor ?? undefined
  } while (cursor)
  return rows
}
