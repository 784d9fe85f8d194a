import { localize } from '../../schema/lib/localized'
import { badRequest, conflict, ValidationError } from '../lib/errors'
import type { ActionContext, ActionRegistry } from '../records/service'
import type { ApiRecord } from '../records/types'
import { estimateFreight } from './freight'
import { linesForMatch, SkuMatcher } from './trade-orders'
import { decimal, idOf, linesOf, nowIso, plain, readSettings, type Line } from './util'

const LINE_KEYS = ['sku', 'title', 'properties', 'outer_sku_id', 'combo', 'qty', 'price', 'payment', 'trade', 'trade_oid']
const HEADER_KEYS = [
  'shop',
  'buyer_nick',
  'buyer_open_uid',
  'oaid',
  'receiver_name',
  'receiver_mobile',
  'receiver_state',
  'receiver_city',
  'receiver_district',
  'receiver_address',
  'buyer_message',
  'seller_memo',
  'order_time',
  'paid_at',
  'warehouse',
]

/** A line as input for another order: links as ids, no id of its own. */
function copyLine(line: Line, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...Object.fromEntries(LINE_KEYS.map((key) => [key, plain(line[key])])), ...overrides }
}

/** Keeps an existing line as it is in a PATCH of the lines. */
const keepLine = (line: Line, overrides: Record<string, unknown> = {}) => ({ id: line.id, ...overrides })

function tradesOf(lines: Record<string, unknown>[]): { trades: number[]; tids: string } {
  const trades = [...new Set(lines.map((l) => idOf(l.trade)).filter((t): t is number => t !== null))]
  const tids = [...new Set(lines.map((l) => (l.trade && typeof l.trade === 'object' ? String((l.trade as { display?: unknown }).display ?? '') : '')).filter(Boolean))]
  return { trades, tids: tids.join(',') }
}

async function tidsFor(ctx: ActionContext, tradeIds: number[]): Promise<string> {
  if (tradeIds.length === 0) return ''
  const trades = await ctx.system.list('platform_trades', { filter: { field: 'id', op: 'in', value: tradeIds }, limit: 500, total: false })
  return trades.data.map((t) => String(t.tid)).join(',')
}

async function markException(ctx: ActionContext, reason: string) {
  await ctx.system.updateFields(ctx.trx, ctx.form, ctx.record, { status: 'exception', exception_reason: reason })
  return { audited: false, exception: reason }
}

/**
 * Audit: the order needs a warehouse and every line mapped to a SKU; then its stock is reserved.
 * If the stock is not there the order stays 待审核 with the reason, and nothing is reserved.
 */
async function audit(ctx: ActionContext) {
  const { form, record } = ctx
  let warehouse = idOf(record.warehouse)
  if (!warehouse) warehouse = idOf((await readSettings(ctx.system)).default_warehouse)
  if (!warehouse) return markException(ctx, '没有指定发货仓库，也没有设置默认仓库')
  let current = record
  if (linesOf(record).some((l) => !l.sku)) current = await remapLines(ctx)
  const unmapped = linesOf(current).filter((l) => !l.sku)
  if (unmapped.length) return markException(ctx, `未匹配 SKU：${unmapped.map((l) => l.outer_sku_id || l.title).join('、')}`)
  try {
    await ctx.savepoint(async (inner) => {
      const audited = await inner.system.updateFields(inner.trx, form, current, { status: 'audited', warehouse, audit_note: null, exception_reason: null })
      await inner.postings.post(form, audited, 'audit')
    })
    return { audited: true }
  } catch (error) {
    if (!(error instanceof ValidationError) || !error.problems.some((p) => p.code === 'balance')) throw error
    const reason = error.problems.map((p) => p.message).join('；')
    await ctx.system.updateFields(ctx.trx, form, record, { audit_note: reason })
    // `problems` (code, params) let the client word the refusal in the user's language
    return { audited: false, reason, problems: error.problems }
  }
}

/** Lines that matched no SKU get another try: the SKU or its mapping may have been added since. */
async function remapLines(ctx: ActionContext): Promise<ApiRecord> {
  const matcher = new SkuMatcher(ctx.system)
  const shop = idOf(ctx.record.shop)
  const lines: Record<string, unknown>[] = []
  let changed = false
  for (const line of linesOf(ctx.record)) {
    if (line.sku) {
      lines.push({ id: line.id })
      continue
    }
    const match = await matcher.match(shop, { outer_sku_id: line.outer_sku_id })
    if (match && !match.combo) {
      lines.push({ id: line.id, sku: match.parts[0].sku })
      changed = true
    } else if (match) {
      // a combo code: its parts replace the line
      lines.push(...linesForMatch(match, copyLine(line), Number(line.qty), line.payment))
      changed = true
    } else lines.push({ id: line.id })
  }
  return changed ? ctx.system.updateFields(ctx.trx, ctx.form, ctx.record, { lines }) : ctx.record
}

/**
 * Gives back the stock an order holds (audited, or held after its audit), as `action` (one of the
 * reservation's reverse_on actions). Returns the status change that goes with it: an audited order
 * is 待审核 again, a held one will be released to 待审核.
 */
async function giveBackStock(ctx: ActionContext, order: ApiRecord, action: string): Promise<Record<string, unknown>> {
  await ctx.postings.reverse(ctx.form, order, action)
  if (order.status === 'audited') return { status: 'pending' }
  if (order.status === 'hold' && order.status_before_hold === 'audited') return { status_before_hold: 'pending' }
  return {}
}

/** Same shop, same buyer, same receiver (by oaid — receiver text is masked), none audited or shipped. */
async function merge(ctx: ActionContext) {
  const [target, ...others] = ctx.records
  if (others.length === 0) throw badRequest('select at least two orders to merge').because('merge_needs_two')
  const buyer = (r: ApiRecord) => String(r.buyer_open_uid || r.buyer_nick || '')
  for (const other of others) {
    const why =
      idOf(other.shop) !== idOf(target.shop) ? '店铺不同' : buyer(other) !== buyer(target) ? '买家不同' : !target.oaid || other.oaid !== target.oaid ? '收件人不同' : null
    if (why) throw conflict(`${other.no} 不能与 ${target.no} 合并：${why}`).because('merge_refused', { order: String(other.no), target: String(target.no), reason: why })
  }
  const lines = [...linesOf(target).map((l) => keepLine(l)), ...others.flatMap((o) => linesOf(o).map((l) => copyLine(l)))]
  const trades = [...new Set(ctx.records.flatMap((r) => ((r.trades as { id: number }[]) ?? []).map((t) => t.id)))]
  const joined = (key: string) => [...new Set(ctx.records.map((r) => r[key]).filter(Boolean))].join('\n') || null
  // Held orders may still hold their audit's stock: all of it is given back, the merged order is audited afresh.
  for (const record of ctx.records) await ctx.postings.reverse(ctx.form, record, 'merge')
  await ctx.system.updateFields(ctx.trx, ctx.form, target, {
    lines,
    trades,
    tids: await tidsFor(ctx, trades),
    // the buyer paid each trade's postage: the merged order carries all of it
    post_fee: ctx.records.reduce((sum, r) => sum.plus(decimal(r.post_fee)), decimal(0)).toFixed(2),
    buyer_message: joined('buyer_message'),
    seller_memo: joined('seller_memo'),
    status: 'pending',
    status_before_hold: null,
  })
  for (const other of others) {
    await ctx.system.updateFields(ctx.trx, ctx.form, other, { status: 'cancelled', merged_into: target.id, exception_reason: `已合并到 ${target.no}` })
  }
  return { merged_into: target.id, merged_into_no: target.no, merged: others.map((o) => o.id) }
}

/** Moves lines (or part of a line's quantity) to a new order; an audited order gives back its reservation. */
async function split(ctx: ActionContext) {
  const { form, record } = ctx
  const wanted = ctx.params.lines
  if (!Array.isArray(wanted) || wanted.length === 0) throw badRequest('send params.lines: [{"line": <line id>, "qty": <how many>}]').because('split_lines_required')
  const notObject = wanted.findIndex((e) => typeof e !== 'object' || e === null || Array.isArray(e))
  if (notObject >= 0) throw badRequest(`params.lines[${notObject}]: must be {"line": <line id>, "qty": <how many>}`).because('split_bad_line', { line: notObject + 1 })
  const lines = linesOf(record)
  const moving = new Map<number, number>()
  for (const [i, entry] of wanted.entries()) {
    const lineId = Number((entry as { line?: unknown }).line)
    const line = lines.find((l) => l.id === lineId)
    if (!line) throw badRequest(`params.lines[${i}].line: ${lineId} is not a line of ${record.no}`).because('split_not_a_line', { line: String(lineId), order: String(record.no) })
    const qty = (entry as { qty?: unknown }).qty === undefined ? Number(line.qty) : Number((entry as { qty: unknown }).qty)
    if (!Number.isInteger(qty) || qty < 1 || qty > Number(line.qty)) throw badRequest(`params.lines[${i}].qty: must be 1 to ${line.qty}`).because('split_bad_qty', { line: Number(line.line_no ?? i + 1), max: String(line.qty) })
    moving.set(lineId, qty)
  }
  const remaining = lines.filter((l) => (moving.get(l.id) ?? 0) < Number(l.qty))
  if (remaining.length === 0) throw badRequest('a split must leave something in the original order').because('split_leaves_nothing')

  let current = record
  const released = await giveBackStock(ctx, record, 'split')
  if (Object.keys(released).length) current = await ctx.system.updateFields(ctx.trx, form, record, released)
  const keep: Record<string, unknown>[] = []
  const move: Record<string, unknown>[] = []
  for (const line of lines) {
    const qty = moving.get(line.id)
    if (qty === undefined) keep.push(keepLine(line))
    else if (qty === Number(line.qty)) move.push(copyLine(line))
    else {
      // The part that leaves takes its share of the payment; the rounding stays behind.
      const share = decimal(line.payment).mul(qty).div(String(line.qty)).toDecimalPlaces(2).toFixed(2)
      move.push(copyLine(line, { qty, payment: share }))
      keep.push(keepLine(line, { qty: Number(line.qty) - qty, payment: decimal(line.payment).minus(share).toFixed(2) }))
    }
  }
  const header = Object.fromEntries(HEADER_KEYS.map((k) => [k, plain(record[k])]))
  const movedTrades = [...new Set(move.map((l) => l.trade).filter(Boolean))] as number[]
  const created = await ctx.system.create('orders', {
    ...header,
    status: 'pending',
    // the postage stays with the original order (it was paid once)
    post_fee: '0',
    lines: move,
    trades: movedTrades,
    tids: await tidsFor(ctx, movedTrades),
    seller_memo: [record.seller_memo, `由 ${record.no} 拆分`].filter(Boolean).join('\n'),
  })
  const keptLines = lines.filter((l) => keep.some((k) => k.id === l.id))
  const keptTrades = tradesOf(keptLines).trades
  await ctx.system.updateFields(ctx.trx, form, current, { lines: keep, trades: keptTrades, tids: await tidsFor(ctx, keptTrades) })
  return { new_order: created.id, new_order_no: created.no }
}

/** One pick list for audited orders of one warehouse: SKUs summed and sorted by location, a slot per order. */
async function createPickList(ctx: ActionContext) {
  const orders = ctx.records
  const warehouses = new Set(orders.map((o) => idOf(o.warehouse)))
  if (warehouses.size !== 1 || warehouses.has(null)) throw conflict('a pick list is made from orders of one warehouse; these orders are in several').because('pick_list_one_warehouse')
  const bySku = new Map<number, { sku: number; location: string; code: string; qty: number; slots: number[] }>()
  orders.forEach((order, i) => {
    for (const line of linesOf(order)) {
      const sku = idOf(line.sku)!
      const entry = bySku.get(sku) ?? { sku, location: String(line.location ?? ''), code: String((line.sku as { display?: unknown }).display ?? ''), qty: 0, slots: [] }
      entry.qty += Number(line.qty)
      if (!entry.slots.includes(i + 1)) entry.slots.push(i + 1)
      bySku.set(sku, entry)
    }
  })
  const lines = [...bySku.values()]
    .sort((a, b) => a.location.localeCompare(b.location) || a.code.localeCompare(b.code))
    .map((l) => ({ location: l.location || null, sku: l.sku, qty: l.qty, slots: l.slots.join(',') }))
  const pickList = await ctx.system.create('pick_lists', {
    warehouse: [...warehouses][0],
    lines,
    slots: orders.map((o, i) => ({ slot: i + 1, order: o.id })),
  })
  for (const order of orders) await ctx.system.updateFields(ctx.trx, ctx.form, order, { status: 'picking', pick_list: pickList.id })
  return { pick_list: pickList.id, pick_list_no: pickList.no }
}

/**
 * Ship: gives back the reservation and issues the goods with a submitted sales stock-out at
 * moving-average cost — which re-checks on-hand stock, so stock written off since the audit
 * makes the shipment fail with the reason, and nothing changes.
 */
async function ship(ctx: ActionContext) {
  const { form, record } = ctx
  const courier = idOf(ctx.params.courier)
  const waybill = typeof ctx.params.waybill_no === 'string' ? ctx.params.waybill_no.trim() : ''
  if (!courier || !waybill) throw badRequest('shipping needs params.courier and params.waybill_no').because('ship_needs_waybill')
  if (!idOf(record.warehouse)) throw conflict(`${record.no} has no warehouse`).because('order_without_warehouse', { order: String(record.no) })
  const released = await ctx.postings.reverse(form, record, 'ship')
  const quantities = new Map<number, number>()
  for (const line of linesOf(record)) quantities.set(idOf(line.sku)!, (quantities.get(idOf(line.sku)!) ?? 0) + Number(line.qty))
  const stockOut = await ctx.system.create('stock_out', {
    type: 'sales',
    warehouse: idOf(record.warehouse),
    order: record.id,
    reason: `订单 ${record.no} 发货`,
    lines: [...quantities].map(([sku, qty]) => ({ sku, qty })),
  })
  await ctx.system.runAction('stock_out', stockOut.id, 'submit')
  const courierRecord = await ctx.system.get('couriers', courier)
  const freight = estimateFreight(courierRecord, String(record.receiver_state ?? ''), String(record.total_weight ?? '0'))
  await ctx.system.updateFields(ctx.trx, form, record, {
    status: 'shipped',
    courier,
    waybill_no: waybill,
    shipped_at: nowIso(),
    stock_out: stockOut.id,
    estimated_freight: freight,
  })
  return { shipped: true, stock_out: stockOut.id, stock_out_no: stockOut.no, released, courier: localize(courierRecord.name as string) }
}

export function registerOrderActions(actions: ActionRegistry): void {
  actions.register('orders.audit', audit)
  actions.register('orders.merge', merge, { collective: true })
  actions.register('orders.split', split)
  actions.register('orders.create_pick_list', createPickList, { collective: true })
  actions.register('orders.ship', ship)
}
