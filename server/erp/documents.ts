import { badRequest, conflict } from '../lib/errors'
import { createOrderForTrade } from './trade-orders'
import type { ActionContext, ActionRegistry } from '../records/service'
import { Decimal } from '../../schema/lib/decimal'
import { decimal, idOf, linesOf, nowIso } from './util'

/** Pick list done: its orders are picked and wait for shipping. */
async function finishPickList(ctx: ActionContext) {
  let moved = 0
  for (const slot of linesOf(ctx.record, 'slots')) {
    const orderId = idOf(slot.order)
    if (!orderId) continue
    const order = await ctx.system.get('orders', orderId)
    if (order.status !== 'picking') continue
    await ctx.system.updateFields(ctx.trx, 'orders', order, { status: 'to_ship' })
    moved++
  }
  await ctx.system.updateFields(ctx.trx, ctx.form, ctx.record, { status: 'done', finished_at: nowIso() })
  return { orders_to_ship: moved }
}

/**
 * Start counting: freezes each line's book quantity at the balance now. With no lines, every SKU
 * the warehouse holds is listed.
 */
async function startCount(ctx: ActionContext) {
  const warehouse = idOf(ctx.record.warehouse)
  const balances = new Map<number, string>()
  let cursor: string | undefined
  do {
    const page = await ctx.system.list('stock_balances', { filter: { field: 'warehouse', op: 'eq', value: warehouse }, limit: 500, cursor, sort: 'sku', total: false })
    for (const b of page.data) balances.set(idOf(b.sku)!, String(b.on_hand))
    cursor = page.next_cursor ?? undefined
  } while (cursor)
  const existing = linesOf(ctx.record)
  const lines = existing.length
    ? existing.map((l) => ({ id: l.id, book_qty: balances.get(idOf(l.sku)!) ?? '0' }))
    : [...balances].map(([sku, qty]) => ({ sku, book_qty: qty }))
  await ctx.system.updateFields(ctx.trx, ctx.form, ctx.record, { lines, counting_started_at: nowIso() })
  return { lines: lines.length }
}

/**
 * A returned parcel: a submitted sales-return stock-in into the chosen warehouse. Goods come back at
 * the cost they shipped at — their share of the shipped value, the last units taking the
 * remainder so that returning everything puts back exactly what left — unless a line sets its
 * own unit cost. Goods of an order that never shipped from here come back at the SKU's cost price.
 */
async function receiveReturn(ctx: ActionContext) {
  const warehouse = idOf(ctx.params.warehouse) ?? idOf(ctx.record.return_warehouse)
  if (!warehouse) throw badRequest('choose the warehouse the goods return to (params.warehouse)').because('choose_warehouse')
  const orderId = idOf(ctx.record.order)
  const shipped = await shippedCosts(ctx, orderId)
  const returned = await returnedCosts(ctx, orderId)
  const lines = []
  for (const l of linesOf(ctx.record).filter((l) => Number(l.qty) > 0)) {
    const sku = idOf(l.sku) ?? idOf(l.order_line_sku)
    if (!sku) throw badRequest(`line ${l.line_no} has no SKU to put back into stock`).because('return_line_without_sku', { line: Number(l.line_no) })
    const qty = decimal(l.qty)
    const line: Record<string, unknown> = { sku, qty_received: l.qty, qty_accepted: l.qty }
    const out = shipped.get(sku)
    if (l.unit_cost !== null && l.unit_cost !== undefined) line.unit_cost = l.unit_cost
    else if (out && !out.qty.isZero()) {
      const back = returned.get(sku) ?? { qty: decimal(0), value: decimal(0) }
      const left = out.qty.minus(back.qty)
      const value = qty.gte(left) ? out.value.minus(back.value) : out.value.times(qty).div(out.qty).toDecimalPlaces(2, Decimal.ROUND_HALF_UP)
      returned.set(sku, { qty: back.qty.plus(qty), value: back.value.plus(value) })
      line.unit_cost = value.div(qty).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2)
      line.cost_value = value.toFixed(2)
    } else line.unit_cost = (await ctx.system.get('skus', sku)).cost_price ?? '0'
    lines.push(line)
  }
  if (lines.length === 0) throw badRequest('nothing to return: no line has a quantity').because('return_nothing')
  const receipt = await ctx.system.create('stock_in', { type: 'sales_return', warehouse, after_sale: ctx.record.id, lines, remark: `售后 ${ctx.record.no} 退货入库` })
  await ctx.system.runAction('stock_in', receipt.id, 'submit')
  await ctx.system.updateFields(ctx.trx, ctx.form, ctx.record, { status: 'returned', return_warehouse: warehouse, stock_in: receipt.id })
  return { stock_in: receipt.id, stock_in_no: receipt.no }
}

interface CostTotal {
  qty: Decimal
  value: Decimal
}

/** Per SKU, the quantity and moving-average value an order left the warehouse with (its sales stock-out). */
async function shippedCosts(ctx: ActionContext, orderId: number | null): Promise<Map<number, CostTotal>> {
  const costs = new Map<number, CostTotal>()
  if (!orderId) return costs
  const stockOut = idOf((await ctx.system.get('orders', orderId)).stock_out)
  if (!stockOut) return costs
  const filter = { and: [{ field: 'doc_form', op: 'eq', value: 'stock_out' }, { field: 'doc_id', op: 'eq', value: stockOut }, { field: 'reverses', op: 'is_empty' }] }
  for (const line of (await ctx.system.list('stock_ledger', { filter, limit: 500, total: false })).data) {
    if (Number(line.qty) >= 0) continue
    const sku = idOf(line.sku)!
    const known = costs.get(sku) ?? { qty: decimal(0), value: decimal(0) }
    costs.set(sku, { qty: known.qty.minus(decimal(line.qty)), value: known.value.minus(decimal(line.value)) })
  }
  return costs
}

/** Per SKU, what earlier returns of the order already put back (submitted sales-return receipts). */
async function returnedCosts(ctx: ActionContext, orderId: number | null): Promise<Map<number, CostTotal>> {
  const costs = new Map<number, CostTotal>()
  if (!orderId) return costs
  const afterSales = (await ctx.system.list('after_sales', { filter: { field: 'order', op: 'eq', value: orderId }, limit: 500, total: false })).data.map((a) => a.id)
  if (afterSales.length === 0) return costs
  const filter = { and: [{ field: 'after_sale', op: 'in', value: afterSales }, { field: 'doc_status', op: 'eq', value: 'submitted' }] }
  for (const receipt of (await ctx.system.list('stock_in', { filter, limit: 500, lines: true, total: false })).data) {
    for (const line of linesOf(receipt)) {
      const sku = idOf(line.sku)!
      const known = costs.get(sku) ?? { qty: decimal(0), value: decimal(0) }
      costs.set(sku, { qty: known.qty.plus(decimal(line.qty_accepted)), value: known.value.plus(decimal(line.amount)) })
    }
  }
  return costs
}

/** A paid trade entered by hand or imported gets its ERP order (the sync does this by itself). */
async function createOrder(ctx: ActionContext) {
  const order = await createOrderForTrade(ctx.system, ctx.record)
  if (!order) throw conflict(`trade ${ctx.record.tid} is not paid and waiting to ship; it gets no order`).because('trade_gets_no_order', { tid: String(ctx.record.tid) })
  return { order: order.id, order_no: order.no, status: order.status }
}

/**
 * 从采购单带入: a draft receipt takes the purchase order's supplier and warehouse, and a line for
 * every PO line still open, at the PO's cost — the merchant then enters what was accepted.
 */
async function loadPurchaseOrder(ctx: ActionContext) {
  const poId = idOf(ctx.record.purchase_order) ?? idOf(ctx.params.purchase_order)
  if (!poId) throw badRequest('choose the purchase order first').because('choose_purchase_order')
  const po = await ctx.system.get('purchase_orders', poId)
  if (po.doc_status !== 'submitted') throw conflict(`purchase order ${po.no} is ${po.doc_status}; submit it before receiving against it`).because('purchase_order_not_submitted', { order: String(po.no), status: String(po.doc_status) })
  const open = linesOf(po).filter((l) => Number(l.open_qty) > 0)
  if (open.length === 0) throw conflict(`purchase order ${po.no} has nothing left to receive`).because('purchase_order_received', { order: String(po.no) })
  const keep = linesOf(ctx.record).filter((l) => !idOf(l.po_line)).map((l) => ({ id: l.id }))
  await ctx.system.updateFields(ctx.trx, ctx.form, ctx.record, {
    purchase_order: po.id,
    supplier: idOf(po.supplier),
    warehouse: idOf(po.warehouse),
    lines: [
      ...keep,
      ...open.map((l) => ({ sku: idOf(l.sku), po_line: l.id, qty_received: l.open_qty, qty_accepted: l.open_qty, unit_cost: l.unit_cost })),
    ],
  })
  return { lines: open.length, purchase_order_no: po.no }
}

export function registerDocumentHandlers(actions: ActionRegistry): void {
  actions.register('stock_in.load_purchase_order', loadPurchaseOrder)
  actions.register('platform_trades.create_order', createOrder)
  actions.register('pick_lists.finish', finishPickList)
  actions.register('stocktakes.start_count', startCount)
  actions.register('after_sales.receive_return', receiveReturn)
}
