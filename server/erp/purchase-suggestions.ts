import { Decimal } from '../../schema/lib/decimal'
import { badRequest } from '../lib/errors'
import type { RecordsService } from '../records/service'
import { idOf, readSettings } from './util'

/** One SKU to buy: why, and how many. */
export interface PurchaseSuggestion {
  sku: { id: number; display: string }
  product_name: string | null
  spec: string | null
  supplier: { id: number; display: string } | null
  /** units shipped per day over the sales window (2 places) */
  daily_sales: string
  available: string
  /** still to arrive on submitted purchase orders */
  on_order: string
  safety_stock: string
  lead_time_days: string
  /** days the available and incoming stock last at the current pace; null when nothing sells */
  days_of_stock: string | null
  suggested_qty: string
  unit_cost: string | null
}

/**
 * 采购建议: for each active SKU, enough to sell through the lead time and the days of cover at the
 * pace of the last `sales_window_days` (settings), plus the safety stock, less what is available
 * and what submitted purchase orders still bring: ceil(daily × (lead + cover)) + safety − available − on order.
 * Sales are the stock ledger's sale lines; everything is read through the records service with the
 * caller's permissions, so a user who may not read costs or stock gets no suggestion for them.
 */
export async function purchaseSuggestions(service: RecordsService): Promise<{ window_days: number; cover_days: number; data: PurchaseSuggestion[] }> {
  const settings = await readSettings(service)
  const windowDays = Math.max(1, Number(settings.sales_window_days ?? 30) || 30)
  const coverDays = Math.max(0, Number(settings.cover_days ?? 14) || 0)
  const sold = await service.aggregate('stock_ledger', {
    filter: { and: [{ field: 'doc_type', op: 'eq', value: 'sale' }, { field: 'created_at', op: 'eq', value: { $range: `last_${windowDays}_days` } }] },
    group_by: ['sku'],
    measures: [{ fn: 'sum', field: 'qty', as: 'qty' }],
  })
  const soldBySku = new Map(sold.data.map((row) => [idOf(row.sku)!, new Decimal(String(row.qty ?? 0)).negated()]))
  const incoming = await service.aggregate('purchase_orders.lines', {
    filter: { and: [{ field: 'parent.doc_status', op: 'eq', value: 'submitted' }, { field: 'open_qty', op: 'gt', value: 0 }] },
    group_by: ['sku'],
    measures: [{ fn: 'sum', field: 'open_qty', as: 'open' }],
  })
  const onOrderBySku = new Map(incoming.data.map((row) => [idOf(row.sku)!, new Decimal(String(row.open ?? 0))]))

  const out: PurchaseSuggestion[] = []
  let cursor: string | undefined
  do {
    const page = await service.list('skus', { filter: { field: 'active', op: 'eq', value: true }, sort: 'id', limit: 500, cursor, total: false })
    for (const sku of page.data) {
      const daily = (soldBySku.get(sku.id) ?? new Decimal(0)).div(windowDays)
      const available = new Decimal(String(sku.available_total ?? 0))
      const onOrder = onOrderBySku.get(sku.id) ?? new Decimal(0)
      const safety = new Decimal(String(sku.safety_stock ?? 0))
      const lead = new Decimal(String(sku.lead_time_days ?? 7))
      const need = daily.times(lead.plus(coverDays)).ceil().plus(safety).minus(available).minus(onOrder)
      if (need.lte(0)) continue
      out.push({
        sku: { id: sku.id, display: String(sku.outer_id ?? sku.id) },
        product_name: (sku.product_name as string | null) ?? null,
        spec: (sku.spec as string | null) ?? null,
        supplier: (sku.supplier as PurchaseSuggestion['supplier']) ?? null,
        daily_sales: daily.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2),
        available: available.toString(),
        on_order: onOrder.toString(),
        safety_stock: safety.toString(),
        lead_time_days: lead.toString(),
        days_of_stock: daily.isZero() ? null : available.plus(onOrder).div(daily).toDecimalPlaces(1, Decimal.ROUND_HALF_UP).toFixed(1),
        suggested_qty: need.ceil().toString(),
        unit_cost: (sku.cost_price as string | null) ?? null,
      })
    }
    cursor = page.next_cursor ?? undefined
  } while (cursor)
  // the most urgent first: fewest days of stock, then what sells fastest
  out.sort((a, b) => Number(a.days_of_stock ?? Infinity) - Number(b.days_of_stock ?? Infinity) || Number(b.daily_sales) - Number(a.daily_sales))
  return { window_days: windowDays, cover_days: coverDays, data: out }
}

/**
 * One click from the suggestions: a draft 采购单 per supplier with the chosen SKUs and quantities,
 * at each SKU's cost price, into the default warehouse (or the one given). Every SKU needs a
 * supplier (its default supplier, or one chosen on the line). All or nothing: one transaction.
 */
export async function draftPurchaseOrders(
  service: RecordsService,
  input: { lines?: unknown; warehouse?: unknown },
): Promise<{ id: number; no: unknown; supplier: number; lines: number }[]> {
  const lines = Array.isArray(input.lines) ? input.lines : null
  if (!lines || lines.length === 0) throw badRequest('send lines: [{"sku": <id>, "qty": <how many>, "supplier"?: <id>}]').because('suggestion_lines_required')
  const warehouse = idOf(input.warehouse) ?? idOf((await readSettings(service)).default_warehouse)
  if (!warehouse) throw badRequest('choose the warehouse the goods arrive at (warehouse), or set a default warehouse').because('choose_warehouse')
  const bySupplier = new Map<number, { sku: number; qty: string; unit_cost: unknown }[]>()
  for (const [i, raw] of lines.entries()) {
    const line = (raw ?? {}) as Record<string, unknown>
    const skuId = idOf(line.sku)
    const qty = new Decimal(Number.isFinite(Number(line.qty)) ? String(line.qty) : '0')
    if (!skuId || !qty.isInteger() || qty.lte(0)) throw badRequest(`lines[${i}]: needs a SKU and a whole quantity above 0`).because('suggestion_bad_line', { line: i + 1 })
    const sku = await service.get('skus', skuId)
    const supplier = idOf(line.supplier) ?? idOf(sku.supplier)
    if (!supplier) throw badRequest(`lines[${i}]: SKU ${sku.outer_id} has no supplier`).because('suggestion_no_supplier', { line: i + 1, sku: String(sku.outer_id) })
    bySupplier.set(supplier, [...(bySupplier.get(supplier) ?? []), { sku: skuId, qty: qty.toString(), unit_cost: sku.cost_price ?? null }])
  }
  const inputs = [...bySupplier].map(([supplier, poLines]) => ({ supplier, warehouse, lines: poLines, remark: '由采购建议生成' }))
  const created = await service.createMany('purchase_orders', inputs)
  return created.map((po, i) => ({ id: po.id, no: po.no, supplier: inputs[i].supplier, lines: inputs[i].lines.length }))
}
