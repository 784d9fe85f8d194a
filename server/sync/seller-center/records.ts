import { Decimal } from '../../../schema/lib/decimal'
import { tradeRecord } from '../trade-mapping'
import { splitAddress } from './address'
import { ITEM_COLUMNS, ORDER_COLUMNS, REQUIRED_ITEM_FIELDS, REQUIRED_ORDER_FIELDS, resolveColumns, type ItemField, type OrderField } from './headers'
import { refundStatus, tradeStatus } from './status'
import type { Table, TableRow } from './table'
import { isBlank, optionalText, parseCount, parseId, parseMoney, parseTime, type Parsed } from './values'

/** A row that was left out, and why. `row` is the row number a spreadsheet shows (the header is row 1). */
export interface ImportError {
  file: 'orders' | 'items'
  row: number
  column?: string
  tid?: string
  message: string
}

/** A trade ready to write, with what the writer needs to know about how it was built. */
export interface ImportedTrade {
  /** the platform_trades record, built by `tradeRecord` exactly as for an API trade */
  record: Record<string, unknown>
  /** its row in the 订单报表 */
  row: number
  /** true when the lines' oids were derived (`${tid}-${n}`), false when the file had 子订单编号 */
  derivedOids: boolean
  /** whether the file said anything about refunds (a 退款状态 column) */
  refundKnown: boolean
}

export interface BuiltTrades {
  trades: ImportedTrade[]
  lines: number
  errors: ImportError[]
  warnings: string[]
}

const SHIPPING: Record<string, string> = { 快递: 'express', 'ems': 'ems', 平邮: 'post', 卖家包邮: 'free', 包邮: 'free', 虚拟物品: 'virtual', 虚拟发货: 'virtual', 无需物流: 'virtual' }

/**
 * The trades of a seller-center export: one per 订单报表 row, with its lines from the 宝贝报表
 * (joined by 订单编号). A row that cannot be read — bad id, unknown status text, unreadable money
 * or time, a line whose 订单编号 is not in the 订单报表, a trade whose lines have errors — is left
 * out and listed. Without a 宝贝报表 each trade gets one summary line (宝贝标题 × 宝贝总数量).
 */
export async function buildTrades(shopId: number, orders: Table, items: Table | null): Promise<BuiltTrades> {
  // a big report is built a few hundred rows at a time, letting other requests in between
  let done = 0
  const breathe = async () => {
    if (++done % 500 === 0) await new Promise<void>((resolve) => setImmediate(resolve))
  }
  const errors: ImportError[] = []
  const warnings: string[] = []
  const orderColumns = resolveColumns(orders.headers, ORDER_COLUMNS)
  if (looksLike('items', orders.headers)) {
    errors.push({ file: 'orders', row: 1, message: '订单文件像是宝贝报表（ExportOrderDetailList）：请把订单报表（ExportOrderList）作为订单文件，宝贝报表作为宝贝文件' })
    return { trades: [], lines: 0, errors, warnings }
  }
  const missingOrders = REQUIRED_ORDER_FIELDS.filter((f) => !orderColumns[f])
  if (missingOrders.length) {
    for (const field of missingOrders) errors.push({ file: 'orders', row: 1, column: ORDER_COLUMNS[field][0], message: `缺少“${ORDER_COLUMNS[field][0]}”列` })
    return { trades: [], lines: 0, errors, warnings }
  }
  let itemColumns: Partial<Record<ItemField, string>> | null = null
  if (items) {
    itemColumns = resolveColumns(items.headers, ITEM_COLUMNS)
    if (looksLike('orders', items.headers)) {
      errors.push({ file: 'items', row: 1, message: '宝贝文件像是订单报表（ExportOrderList）：请把宝贝报表（ExportOrderDetailList）作为宝贝文件' })
      return { trades: [], lines: 0, errors, warnings }
    }
    const missing = REQUIRED_ITEM_FIELDS.filter((f) => !itemColumns![f])
    if (missing.length) {
      for (const field of missing) errors.push({ file: 'items', row: 1, column: ITEM_COLUMNS[field][0], message: `缺少“${ITEM_COLUMNS[field][0]}”列` })
      return { trades: [], lines: 0, errors, warnings }
    }
  } else {
    warnings.push('没有宝贝报表：每个订单只生成一行汇总子订单（宝贝标题 × 宝贝总数量），无法按商家编码匹配 SKU')
  }

  // Orders first: every readable row is a trade candidate.
  const candidates = new Map<string, { row: TableRow; trade: Record<string, any> }>()
  const rejected = new Set<string>()
  for (const row of orders.rows) {
    await breathe()
    const built = orderRow(row, orderColumns)
    if (!built.ok) {
      errors.push(...built.errors)
      if (built.tid) rejected.add(built.tid)
      continue
    }
    const previous = candidates.get(built.tid)
    if (previous) {
      errors.push({ file: 'orders', row: row.row, column: orderColumns.tid, tid: built.tid, message: `订单编号重复（与第 ${previous.row.row} 行相同），已忽略这一行` })
      continue
    }
    candidates.set(built.tid, { row, trade: built.trade })
  }

  // Lines, joined by 订单编号.
  const linesOf = new Map<string, Record<string, any>[]>()
  const badLines = new Map<string, number[]>()
  const refundKnown = itemColumns?.refund_status !== undefined
  for (const row of items?.rows ?? []) {
    await breathe()
    const built = itemRow(row, itemColumns!)
    const tid = built.tid
    if (tid && !candidates.has(tid)) {
      // Lines of an order row that was itself left out are not listed again.
      if (!rejected.has(tid)) errors.push({ file: 'items', row: row.row, column: itemColumns!.tid, tid, message: `订单编号 ${tid} 不在订单报表中` })
      continue
    }
    if (!built.ok) {
      errors.push(...built.errors)
      if (tid) badLines.set(tid, [...(badLines.get(tid) ?? []), row.row])
      continue
    }
    const list = linesOf.get(tid!) ?? []
    list.push(built.line)
    linesOf.set(tid!, list)
  }

  const trades: ImportedTrade[] = []
  let lineCount = 0
  for (const [tid, { row, trade }] of candidates) {
    await breathe()
    const bad = badLines.get(tid)
    if (bad) {
      errors.push({ file: 'orders', row: row.row, tid, message: `宝贝报表中这个订单的子订单有错误（第 ${bad.join('、')} 行），整单未导入` })
      continue
    }
    let lines = linesOf.get(tid)
    if (items && !lines?.length) {
      errors.push({ file: 'orders', row: row.row, tid, message: '宝贝报表中没有这个订单的子订单' })
      continue
    }
    lines ??= [summaryLine(row, orderColumns)]
    let derived = false
    lines.forEach((line, i) => {
      if (line.oid) return
      line.oid = `${tid}-${i + 1}`
      derived = true
    })
    allocatePayments(trade, lines)
    trade.orders = lines
    trades.push({ record: tradeRecord(shopId, trade, 'import'), row: row.row, derivedOids: derived, refundKnown })
    lineCount += lines.length
  }
  return { trades, lines: lineCount, errors, warnings }
}

/**
 * Whether a file is the other report: a 宝贝报表 has per-line quantities and prices and none of the
 * buyer, payment or address columns of the 订单报表 — and the other way round.
 */
function looksLike(kind: 'orders' | 'items', headers: string[]): boolean {
  const order = resolveColumns(headers, ORDER_COLUMNS)
  const item = resolveColumns(headers, ITEM_COLUMNS)
  const orderOnly = ['buyer_nick', 'payment', 'address', 'created', 'pay_time', 'receiver_name'].some((f) => order[f as OrderField] !== undefined)
  const itemOnly = item.num !== undefined && item.price !== undefined
  return kind === 'items' ? itemOnly && !orderOnly : orderOnly && !itemOnly
}

type RowResult<T> = ({ ok: true; tid: string } & T) | { ok: false; errors: ImportError[]; tid?: string }

/** One 订单报表 row → a TOP-shaped trade (only the fields the file has, so others are never erased). */
function orderRow(row: TableRow, columns: Partial<Record<OrderField, string>>): RowResult<{ trade: Record<string, any> }> {
  const errors: ImportError[] = []
  const cell = (field: OrderField) => (columns[field] === undefined ? undefined : row.cells[columns[field]!])
  const has = (field: OrderField) => columns[field] !== undefined
  const tid = parseId(cell('tid'))
  if (!tid.ok) return { ok: false, errors: [{ file: 'orders', row: row.row, column: columns.tid, message: `订单编号${tid.message}` }] }
  const problem = (field: OrderField, message: string) => errors.push({ file: 'orders', row: row.row, column: columns[field], tid: tid.value, message })
  const read = <T>(field: OrderField, parse: (text: string | undefined) => Parsed<T>): T | undefined => {
    if (!has(field)) return undefined
    const parsed = parse(cell(field))
    if (parsed.ok) return parsed.value
    problem(field, `${columns[field]}：${parsed.message}`)
    return undefined
  }

  const created = read('created', parseTime)
  const payTime = read('pay_time', parseTime)
  const consignTime = read('consign_time', parseTime)
  const endTime = read('end_time', parseTime)
  const statusText = cell('status') ?? ''
  const status = tradeStatus(statusText, has('pay_time') ? Boolean(payTime) : undefined)
  if (!status) problem('status', isBlank(statusText) ? '订单状态为空' : `无法识别的订单状态“${statusText}”`)
  const payment = read('payment', parseMoney)
  const totalFee = read('total_fee', parseMoney)
  const postFee = read('post_fee', parseMoney)
  if (errors.length) return { ok: false, errors, tid: tid.value }

  const trade: Record<string, any> = {
    tid: tid.value,
    status,
    payment,
    total_fee: totalFee,
    post_fee: postFee,
    created,
    pay_time: payTime,
    consign_time: consignTime,
    end_time: endTime,
    // The report has no `modified`: its latest time stands in, so an import never wins over an
    // API trade (whose `modified` is at least that late) and a later export wins over an earlier one.
    modified: latest([created, payTime, consignTime, endTime]),
  }
  const text = (field: OrderField) => (has(field) ? optionalText(cell(field)) : undefined)
  trade.buyer_nick = text('buyer_nick')
  trade.receiver_name = text('receiver_name')
  trade.receiver_mobile = text('receiver_mobile')
  trade.receiver_phone = text('receiver_phone')
  trade.seller_memo = text('seller_memo')
  if (has('buyer_message')) {
    trade.buyer_message = text('buyer_message')
    trade.has_buyer_message = trade.buyer_message !== null
  }
  if (has('shipping')) {
    const shippingText = (cell('shipping') ?? '').toLowerCase()
    const shipping = Object.hasOwn(SHIPPING, shippingText) ? SHIPPING[shippingText] : undefined
    if (shipping) trade.shipping_type = shipping
  }
  if (has('address')) {
    const address = splitAddress(cell('address') ?? '')
    Object.assign(trade, { receiver_state: address.state, receiver_city: address.city, receiver_district: address.district, receiver_address: address.detail })
    if (address.town) trade.receiver_town = address.town
    if (address.zip) trade.receiver_zip = address.zip
  }
  // Newer exports may give the parts in their own columns; those win over the split.
  for (const field of ['receiver_state', 'receiver_city', 'receiver_district', 'receiver_town', 'receiver_address', 'receiver_zip'] as const) {
    if (has(field) && !isBlank(cell(field))) trade[field] = cell(field)
  }
  for (const key of Object.keys(trade)) if (trade[key] === undefined) delete trade[key]
  return { ok: true, tid: tid.value, trade }
}

/** One 宝贝报表 row → a TOP-shaped order (line). */
function itemRow(row: TableRow, columns: Partial<Record<ItemField, string>>): RowResult<{ line: Record<string, any> }> {
  const errors: ImportError[] = []
  const cell = (field: ItemField) => (columns[field] === undefined ? undefined : row.cells[columns[field]!])
  const tid = parseId(cell('tid'))
  if (!tid.ok) return { ok: false, errors: [{ file: 'items', row: row.row, column: columns.tid, message: `订单编号${tid.message}` }] }
  const problem = (field: ItemField, message: string) => errors.push({ file: 'items', row: row.row, column: columns[field], tid: tid.value, message })
  const read = <T>(field: ItemField, parse: (text: string | undefined) => Parsed<T>): T | undefined => {
    if (columns[field] === undefined) return undefined
    const parsed = parse(cell(field))
    if (parsed.ok) return parsed.value
    problem(field, `${columns[field]}：${parsed.message}`)
    return undefined
  }
  const price = read('price', parseMoney)
  const num = read('num', parseCount)
  const payment = read('payment', parseMoney)
  if (columns.num && num === null) problem('num', `${columns.num}为空`)
  let oid: string | undefined
  if (columns.oid && !isBlank(cell('oid'))) {
    const parsed = parseId(cell('oid'))
    if (parsed.ok) oid = parsed.value
    else problem('oid', `${columns.oid}${parsed.message}`)
  }
  if (errors.length) return { ok: false, errors, tid: tid.value }
  const text = (field: ItemField) => (columns[field] === undefined ? undefined : optionalText(cell(field)))
  const statusText = text('status')
  const refundText = text('refund_status')
  const line: Record<string, any> = {
    oid,
    num_iid: text('num_iid'),
    title: text('title'),
    price,
    num,
    total_fee: price === null || price === undefined || num === null || num === undefined ? undefined : new Decimal(price).mul(num).toFixed(2),
    payment: payment ?? undefined,
    outer_iid: text('outer_iid'),
    outer_sku_id: text('outer_sku_id'),
    sku_properties_name: propertiesName(text('sku_properties_name')),
    status: statusText ? (tradeStatus(statusText) ?? undefined) : undefined,
    refund_status: refundText ? (refundStatus(refundText) ?? undefined) : undefined,
  }
  for (const key of Object.keys(line)) if (line[key] === undefined) delete line[key]
  return { ok: true, tid: tid.value, line }
}

/** Without a 宝贝报表: the trade as one line (its title and total quantity). */
function summaryLine(row: TableRow, columns: Partial<Record<OrderField, string>>): Record<string, any> {
  const cell = (field: OrderField) => (columns[field] === undefined ? undefined : row.cells[columns[field]!])
  const num = parseCount(cell('total_num'))
  const total = parseMoney(cell('total_fee'))
  return {
    title: optionalText(cell('title')),
    num: num.ok && num.value !== null ? num.value : 1,
    ...(total.ok && total.value !== null ? { total_fee: total.value } : {}),
  }
}

/** `颜色分类：乳白色；尺码：M` → `颜色分类:乳白色;尺码:M`, as TOP writes sku_properties_name; `-` → null. */
function propertiesName(text: string | null | undefined): string | null | undefined {
  if (text === null || text === undefined) return text
  return text.replace(/：/g, ':').replace(/；/g, ';').replace(/\s*([:;])\s*/g, '$1')
}

/**
 * Lines without their own paid amount share what the buyer paid for goods (实付 − 邮费) by their
 * price × quantity, the rounding going to the last line, so the lines add up to the trade.
 */
function allocatePayments(trade: Record<string, any>, lines: Record<string, any>[]) {
  const open = lines.filter((l) => l.payment === undefined)
  if (open.length === 0) return
  if (trade.payment === undefined || trade.payment === null) {
    for (const line of open) if (line.total_fee !== undefined) line.payment = line.total_fee
    return
  }
  const given = lines.filter((l) => l.payment !== undefined).reduce((sum: Decimal, l) => sum.plus(String(l.payment)), new Decimal(0))
  const goods = Decimal.max(new Decimal(trade.payment).minus(trade.post_fee ?? 0).minus(given), 0)
  const weights = open.map((l) => new Decimal(l.total_fee ?? 0))
  const total = weights.reduce((sum, w) => sum.plus(w), new Decimal(0))
  let left = goods
  open.forEach((line, i) => {
    const share = i === open.length - 1 ? left : total.isZero() ? goods.div(open.length).toDecimalPlaces(2, Decimal.ROUND_DOWN) : goods.mul(weights[i]).div(total).toDecimalPlaces(2, Decimal.ROUND_HALF_UP)
    const capped = Decimal.min(share, left)
    line.payment = capped.toFixed(2)
    left = left.minus(capped)
  })
}

function latest(times: (string | null | undefined)[]): string | null | undefined {
  const known = times.filter((t): t is string => typeof t === 'string')
  if (known.length === 0) return times.some((t) => t === null) ? null : undefined
  return known.reduce((a, b) => (b > a ? b : a))
}
