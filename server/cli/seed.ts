/**
 * `npm run zg -- seed --orders N [--seed S] [--end YYYY-MM-DD]`: a year of Taobao ERP business in
 * the installed pack, for dashboards, statements and benchmarks — deterministic for the same
 * seed, order count and end day. Ten shops, ~40 buyers per 1,000 orders (each with a province
 * among the 34), order lines on the pack's SKUs, post fees, the status mix of a Taobao shop,
 * monthly purchase receipts, a sales stock-out per shipped order (at moving-average cost), and
 * after-sales refunds, most with the goods returned.
 *
 * Everything is written through the records service, one transaction per day, on a clock set to
 * the day being written (so created_at, posting times and refunded_at fall in the seeded year):
 * orders with createMany; shipments, returns and refunds by the pack's own documents and actions
 * (stock-out submit, 退货入库, 已退款), so the stock ledger, balances and journal are what the
 * pack's postings make them.
 */
import { Decimal } from '../../schema/lib/decimal'
import { formatDateTime } from '../../schema/lib/time'
import { installBundledPacks } from '../app'
import type { AppContext } from '../context'
import { RecordsService } from '../records/service'
import { CLI_ACTOR } from '../audit/actors'

export interface SeedOptions {
  orders: number
  seed?: number
  /** the last day of the year of orders (Asia/Shanghai), default today */
  end?: string
  /** how many days end there (default 365: a year); tests use fewer */
  days?: number
  /**
   * 'order' (default): each shipped order gets its own sales stock-out, as the 发货 action makes
   * it, so the journal has each sale's revenue, post fee and COGS — complete books, but every
   * shipment is a document submit (~60 queries). 'daily': one stock-out per day for all its
   * shipments — stock, costs and COGS exact, many times faster, but no per-order revenue in
   * the journal (for list, dashboard and aggregate benchmarks, not for statements).
   */
  shipments?: 'order' | 'daily'
  log?: (line: string) => void
}

export interface SeedSummary {
  orders: number
  shipped: number
  afterSales: number
  stockIns: number
  stockOuts: number
  seconds: number
}

export const PROVINCES = [
  '广东省', '浙江省', '江苏省', '上海市', '北京市', '山东省', '四川省', '河南省', '湖北省', '福建省', '湖南省', '安徽省',
  '河北省', '陕西省', '辽宁省', '重庆市', '江西省', '天津市', '广西壮族自治区', '云南省', '山西省', '黑龙江省', '吉林省',
  '贵州省', '内蒙古自治区', '新疆维吾尔自治区', '甘肃省', '海南省', '宁夏回族自治区', '青海省', '西藏自治区',
  '香港特别行政区', '澳门特别行政区', '台湾省',
]
/** rough weights of online orders by province (the big coastal ones first) */
const PROVINCE_WEIGHTS = PROVINCES.map((_, i) => (i < 6 ? 10 - i : i < 20 ? 3 : i < 31 ? 1 : 0.2))
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗'
const DAY = 86_400_000
const SHANGHAI = 8 * 3_600_000

/** mulberry32: small, fast and the same on every machine */
function generator(seed: number) {
  let state = seed | 0
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function weighted(random: () => number, weights: number[]): number {
  const total = weights.reduce((a, b) => a + b, 0)
  let r = random() * total
  for (let i = 0; i < weights.length; i++) if ((r -= weights[i]) < 0) return i
  return weights.length - 1
}

/** epoch ms of 00:00 Asia/Shanghai on a 'YYYY-MM-DD' day */
const dayStart = (day: string) => Date.parse(`${day}T00:00:00+08:00`)
const dayOf = (ms: number) => new Date(ms + SHANGHAI).toISOString().slice(0, 10)
const at = (ms: number) => formatDateTime(ms)

const money = (d: Decimal) => d.toDecimalPlaces(2).toFixed(2)

/** Orders per day over the year: weekends a little busier, 618 and Double 11 much busier. */
function ordersPerDay(days: string[], total: number): number[] {
  const weights = days.map((d) => {
    const date = new Date(`${d}T00:00:00Z`)
    const md = d.slice(5)
    let w = date.getUTCDay() === 0 || date.getUTCDay() === 6 ? 1.2 : 1
    if (md === '11-11') w *= 6
    else if (md >= '11-01' && md <= '11-12') w *= 1.8
    else if (md === '06-18') w *= 3
    else if (md === '12-12') w *= 2
    return w
  })
  const sum = weights.reduce((a, b) => a + b, 0)
  const exact = weights.map((w) => (w / sum) * total)
  const counts = exact.map(Math.floor)
  const order = exact.map((e, i) => [e - Math.floor(e), i]).sort((a, b) => b[0] - a[0])
  for (let k = 0, rest = total - counts.reduce((a, b) => a + b, 0); k < rest; k++) counts[order[k][1]]++
  return counts
}

interface Sku {
  id: number
  cost: Decimal
  price: Decimal
  title: string
}

interface PlannedLine {
  sku: Sku
  qty: number
  payment: Decimal
}

interface PlannedOrder {
  shop: number
  buyer: number
  status: string
  paidAt: number
  shippedAt: number | null
  lines: PlannedLine[]
  postFee: string
  /** days after shipping the buyer asks for a refund, or null */
  afterSaleIn: number | null
  returnsGoods: boolean
}

export async function seedOrders(ctx: AppContext, options: SeedOptions): Promise<SeedSummary> {
  const started = Date.now()
  const log = options.log ?? (() => undefined)
  const random = generator(options.seed ?? 20261111)
  const clock = { now: Date.now() }
  const records = new RecordsService({ db: ctx.db, registry: ctx.registry, access: ctx.access, hooks: ctx.hooks, actions: ctx.actions, clock: () => clock.now }, CLI_ACTOR)
  if (!ctx.registry.get('orders')) {
    log('installing the Taobao ERP pack with its sample data')
    await installBundledPacks(ctx, { sampleData: true })
  }
  const master = await masterData(records)
  const end = options.end ?? dayOf(Date.now())
  const span = options.days ?? 365
  const days = Array.from({ length: span }, (_, i) => dayOf(dayStart(end) - (span - 1 - i) * DAY))
  const perDay = ordersPerDay(days, options.orders)
  const buyers = Math.max(50, Math.round(options.orders * 0.04))
  const buyerProvince = Array.from({ length: buyers }, () => weighted(random, PROVINCE_WEIGHTS))
  const skuWeights = master.skus.map((_, i) => 1 / (i + 1) ** 0.8)
  const summary: SeedSummary = { orders: 0, shipped: 0, afterSales: 0, stockIns: 0, stockOuts: 0, seconds: 0 }
  const lastDay = dayStart(end)

  // Plan the whole year first (the seed decides everything), then write it month by month.
  const planned: PlannedOrder[][] = days.map((day, d) =>
    Array.from({ length: perDay[d] }, () => {
      const buyer = Math.floor(random() ** 1.6 * buyers)
      const paidAt = dayStart(day) + Math.floor((0.3 + 0.7 * random()) * DAY)
      const age = (lastDay - dayStart(day)) / DAY
      const r = random()
      let status: string
      if (r < 0.05) status = 'cancelled'
      else if (age < 1) status = r < 0.6 ? 'pending' : r < 0.62 ? 'hold' : r < 0.65 ? 'exception' : 'shipped'
      else if (age < 12) status = r < 0.06 ? 'exception' : 'shipped'
      else status = r < 0.08 ? 'shipped' : 'completed'
      const shipped = status === 'shipped' || status === 'completed'
      const lines: PlannedLine[] = []
      const count = 1 + (random() < 0.3 ? 1 : 0) + (random() < 0.1 ? 1 : 0)
      for (let i = 0; i < count; i++) {
        const sku = master.skus[weighted(random, skuWeights)]
        if (lines.some((l) => l.sku === sku)) continue
        const qty = 1 + (random() < 0.25 ? 1 : 0) + (random() < 0.05 ? 1 : 0)
        // a shop coupon now and then: 0-10% off the list price
        const discount = random() < 0.3 ? new Decimal(Math.floor(random() * 10)).div(100) : new Decimal(0)
        lines.push({ sku, qty, payment: sku.price.mul(qty).mul(new Decimal(1).minus(discount)).toDecimalPlaces(2) })
      }
      const afterSale = shipped && random() < 0.04
      const postFee = random() < 0.15 ? (random() < 0.5 ? '6.00' : '10.00') : '0.00'
      return {
        postFee,
        shop: buyer % master.shops.length,
        buyer,
        status,
        paidAt,
        shippedAt: shipped ? Math.min(paidAt + Math.floor((2 + random() * 30) * 3_600_000), dayStart(day) + DAY - 60_000) : null,
        lines,
        afterSaleIn: afterSale ? 2 + Math.floor(random() * 10) : null,
        returnsGoods: afterSale && random() < 0.7,
      }
    }),
  )

  /** refunds due on a day */
  const refundsDue = new Map<number, Refund[]>()
  const hasPostFee = Boolean(ctx.registry.require('orders').field('post_fee'))
  const daily = options.shipments === 'daily'
  let month = ''
  for (let d = 0; d < days.length; d++) {
    const day = days[d]
    if (day.slice(0, 7) !== month) {
      month = day.slice(0, 7)
      // Purchase receipts at the start of each month cover the month's shipments (and a little more),
      // at a cost that moves a few percent from month to month.
      const demand = new Map<Sku, number>()
      for (let k = d; k < days.length && days[k].startsWith(month); k++) {
        for (const o of planned[k]) if (o.shippedAt !== null) for (const l of o.lines) demand.set(l.sku, (demand.get(l.sku) ?? 0) + l.qty)
      }
      if (demand.size) {
        const drift = new Decimal(95 + Math.floor(random() * 11)).div(100)
        clock.now = dayStart(day) + 8 * 3_600_000
        await records.transaction(async (service) => {
          const [stockIn] = await service.createManyIds('stock_in', [
            {
              type: 'purchase',
              warehouse: master.warehouse,
              supplier: master.supplier,
              received_at: at(dayStart(day) + 8 * 3_600_000),
              remark: `${month} 备货`,
              lines: [...demand].map(([sku, qty]) => {
                const n = Math.ceil(qty * 1.1) + 5
                return { sku: sku.id, qty_received: n, qty_accepted: n, unit_cost: money(sku.cost.mul(drift)) }
              }),
            },
          ])
          await service.runAction('stock_in', stockIn, 'submit')
        })
        summary.stockIns++
      }
    }

    const orders = planned[d]
    const due = refundsDue.get(d) ?? []
    refundsDue.delete(d)
    clock.now = dayStart(day) + 23 * 3_600_000
    await records.transaction(async (service, trx) => {
      const dueLater = (o: PlannedOrder, id: number) => {
        if (o.afterSaleIn !== null && d + o.afterSaleIn < days.length) refundsDue.set(d + o.afterSaleIn, [...(refundsDue.get(d + o.afterSaleIn) ?? []), { orderId: id, order: o }])
      }
      if (daily) {
        // one sales stock-out for the day's shipments, before the orders that point at it
        const shippedToday = orders.filter((o) => o.shippedAt !== null)
        let stockOut: number | null = null
        if (shippedToday.length) {
          const quantities = new Map<number, number>()
          for (const o of shippedToday) for (const l of o.lines) quantities.set(l.sku.id, (quantities.get(l.sku.id) ?? 0) + l.qty)
          ;[stockOut] = await service.createManyIds('stock_out', [
            { type: 'sales', warehouse: master.warehouse, issued_at: at(clock.now), reason: `${day} 发货`, lines: [...quantities].map(([sku, qty]) => ({ sku, qty })) },
          ])
          await service.runAction('stock_out', stockOut, 'submit')
          summary.stockOuts++
        }
        for (let i = 0; i < orders.length; i += 1000) {
          const chunk = orders.slice(i, i + 1000)
          const ids = await service.createManyIds('orders', chunk.map((o) => ({ ...orderRecord(o, master, buyerProvince, hasPostFee), ...(o.shippedAt !== null ? { stock_out: stockOut } : {}) })))
          chunk.forEach((o, k) => dueLater(o, ids[k]))
          summary.orders += chunk.length
        }
        summary.shipped += shippedToday.length
      }
      for (let i = 0; !daily && i < orders.length; i += 1000) {
        const chunk = orders.slice(i, i + 1000)
        const ids = await service.createManyIds('orders', chunk.map((o) => orderRecord(o, master, buyerProvince, hasPostFee)))
        // each shipped order leaves with its own sales stock-out, issued at moving-average cost;
        // submitting it posts the stock ledger and the journal (revenue, post fee, COGS)
        const shipped = chunk.map((o, k) => ({ o, id: ids[k] })).filter(({ o }) => o.shippedAt !== null)
        const stockOuts = await service.createManyIds(
          'stock_out',
          shipped.map(({ o, id }) => ({
            type: 'sales',
            warehouse: master.warehouse,
            order: id,
            issued_at: at(o.shippedAt!),
            reason: '发货',
            lines: o.lines.map((l) => ({ sku: l.sku.id, qty: l.qty })),
          })),
        )
        for (const [k, { o, id }] of shipped.entries()) {
          await service.runAction('stock_out', stockOuts[k], 'submit')
          await service.updateFields(trx, 'orders', id, { stock_out: stockOuts[k] })
          dueLater(o, id)
        }
        summary.orders += chunk.length
        summary.shipped += shipped.length
        summary.stockOuts += shipped.length
      }
      if (due.length) summary.afterSales += await writeAfterSales(service, due, master)
    })
    if (d % 30 === 29 || d === days.length - 1) log(`${day}: ${summary.orders.toLocaleString()} orders, ${Math.round((Date.now() - started) / 1000)} s`)
  }
  summary.seconds = Math.round((Date.now() - started) / 100) / 10
  return summary
}

interface Master {
  shops: number[]
  warehouse: number
  returnsWarehouse: number
  couriers: number[]
  supplier: number
  skus: Sku[]
}

/** Ten shops, the warehouses, couriers, a supplier and SKUs: the pack's sample data, completed. */
async function masterData(records: RecordsService): Promise<Master> {
  const all = async (form: string) => (await records.list(form, { limit: 500, sort: 'id', total: false })).data
  const shops = await all('shops')
  const names = new Set(shops.map((s) => String(s.name)))
  const missing = Array.from({ length: 10 }, (_, i) => `掌柜测试店${String(i + 1).padStart(2, '0')}`).filter((n) => !names.has(n)).slice(0, Math.max(0, 10 - shops.length))
  if (missing.length) await records.createManyIds('shops', missing.map((name, i) => ({ name, platform: i % 3 === 0 ? 'tmall' : 'taobao', seller_nick: name, shop_id: String(67300001 + i) })))
  const warehouses = await all('warehouses')
  let main = warehouses.find((w) => w.type === 'main')?.id
  let returns = warehouses.find((w) => w.type === 'returns')?.id
  if (!main) [main] = await records.createManyIds('warehouses', [{ code: 'SEED', name: '主仓', type: 'main' }])
  if (!returns) [returns] = await records.createManyIds('warehouses', [{ code: 'SEEDTH', name: '退货仓', type: 'returns' }])
  let couriers = (await all('couriers')).map((c) => c.id)
  if (couriers.length === 0) couriers = await records.createManyIds('couriers', [{ name: '中通快递', code: 'ZTO', default_first_weight: '1.000', default_first_price: '8.00', default_extra_price: '5.00' }])
  let supplier = (await all('suppliers'))[0]?.id
  if (!supplier) [supplier] = await records.createManyIds('suppliers', [{ name: '义乌市佳品服饰有限公司' }])
  let skus = await all('skus')
  if (skus.length === 0) {
    const products = await records.createManyIds('products', Array.from({ length: 20 }, (_, i) => ({ code: `SP${i + 1}`, name: `商品${i + 1}`, category: 'other' })))
    await records.createManyIds(
      'skus',
      products.flatMap((p, i) => [1, 2, 3].map((k) => ({ outer_id: `SP${i + 1}-${k}`, product: p, spec: `规格${k}`, cost_price: `${20 + i}.00`, sale_price: `${49 + i * 2}.00`, weight: '0.300' }))),
    )
    skus = await all('skus')
  }
  return {
    shops: (await all('shops')).map((s) => s.id).slice(0, 10),
    warehouse: main!,
    returnsWarehouse: returns!,
    couriers,
    supplier: supplier!,
    skus: skus.map((s) => {
      const cost = new Decimal(String(s.cost_price ?? '0'))
      const price = s.sale_price ? new Decimal(String(s.sale_price)) : cost.mul(2.5).toDecimalPlaces(0).plus('0.90')
      return { id: s.id, cost, price, title: `${String(s.product_name ?? s.outer_id)} ${String(s.spec ?? '')}`.trim() }
    }),
  }
}

function buyerNick(buyer: number): string {
  return `tb_${(buyer * 2654435761 >>> 0).toString(36)}`
}

function orderRecord(o: PlannedOrder, master: Master, buyerProvince: number[], hasPostFee: boolean): Record<string, unknown> {
  const nick = buyerNick(o.buyer)
  const shipped = o.shippedAt !== null
  return {
    shop: master.shops[o.shop],
    status: o.status,
    ...(o.status === 'exception' ? { exception_reason: '地址待确认' } : {}),
    buyer_nick: nick,
    receiver_name: `${SURNAMES[o.buyer % SURNAMES.length]}${'伟芳娜敏静丽强磊'[o.buyer % 8]}`,
    receiver_mobile: `1${String(3_000_000_000 + ((o.buyer * 7919) % 999_999_999)).slice(0, 10)}`,
    receiver_state: PROVINCES[buyerProvince[o.buyer]],
    receiver_address: `${o.buyer % 300} 号`,
    order_time: at(o.paidAt - 60_000 * (1 + (o.buyer % 20))),
    paid_at: at(o.paidAt),
    warehouse: shipped || o.status === 'exception' ? master.warehouse : null,
    ...(shipped
      ? {
          courier: master.couriers[o.buyer % master.couriers.length],
          waybill_no: `SEED${o.paidAt.toString(36)}${o.buyer.toString(36)}`.toUpperCase(),
          shipped_at: at(o.shippedAt!),
          platform_ship_status: 'sent',
        }
      : {}),
    ...(hasPostFee ? { post_fee: o.postFee } : {}),
    lines: o.lines.map((l) => ({ sku: l.sku.id, title: l.sku.title, qty: l.qty, price: money(l.sku.price), payment: money(l.payment) })),
  }
}

interface Refund {
  orderId: number
  order: PlannedOrder
}

/**
 * The day's after-sales: one unit of the order's first line. Goods that come back are received by
 * the 退货入库 action (at the cost they shipped at); then 已退款 posts the refund.
 */
async function writeAfterSales(service: RecordsService, due: Refund[], master: Master): Promise<number> {
  const inputs: Record<string, unknown>[] = []
  for (const { orderId, order } of due) {
    // the refund is the returned unit's share of the order line's payment (the pack's default)
    const line = ((await service.get('orders', orderId)).lines as { id: number; sku: { id: number } | null }[])[0]
    inputs.push({
      type: order.returnsGoods ? 'return_refund' : 'refund_only',
      order: orderId,
      reason: order.returnsGoods ? '七天无理由退货' : '未收到货/协商退款',
      lines: [{ order_line: line.id, sku: line.sku?.id ?? order.lines[0].sku.id, qty: 1 }],
    })
  }
  const ids = await service.createManyIds('after_sales', inputs)
  for (const [i, id] of ids.entries()) {
    if (due[i].order.returnsGoods) await service.runAction('after_sales', id, 'receive_return', { warehouse: master.returnsWarehouse })
    await service.runAction('after_sales', id, 'refund')
  }
  return ids.length
}
