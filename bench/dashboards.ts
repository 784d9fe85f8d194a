/**
 * `npx tsx bench/dashboards.ts` — issue 8's benchmark: each built-in dashboard's data for 本年 (a
 * full year) and each statement for the year, every figure beside the raw-SQL floor for the same
 * question (hand-written SQL, measured in the same run).
 *   BENCH_ORDERS (default 20000)  orders seeded by `zg seed` (server/cli/seed.ts, the same code)
 *   BENCH_DATA_DIR                keep the seeded SQLite database there and reuse it next time
 *                                 (seeding is the slow part: ~1,000,000 orders take most of an hour)
 *   DATABASE_URL                  run on PostgreSQL: a new database `zg_bench_…` is created from
 *                                 this URL and dropped at the end
 *   BENCH_RUNS (default 5)        runs per figure; the median is printed
 * At issue 8's size: `BENCH_ORDERS=1000000 BENCH_DATA_DIR=/tmp/zg-1m npm run bench:dashboards`.
 *
 * A dashboard's figure is the time to compute all of its widgets' data one after the other
 * through the records service, with the very requests the client sends: the body comes from
 * schema/dashboards/query.ts (aggregateRequest, previousRange — the client's own code), and a KPI
 * also reads the previous period as the client does. Formulas (GMV / orders) run in the client
 * on a few rows and are left out.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { aggregateRequest, previousRange, type DateRange } from '../schema/dashboards/query'
import type { DashboardDefinition, Widget } from '../schema/dashboards/types'
import { createContext, installBundledPacks } from '../server/app'
import { seedOrders } from '../server/cli/seed'
import { loadConfig } from '../server/config'
import type { AppContext } from '../server/context'
import { clearResultCaches } from '../server/query/count-cache'
import { selectRows } from '../server/query/sql'
import type { Knex } from 'knex'
import { balanceSheet } from '../server/reports/balance-sheet'
import { Books, booksForms } from '../server/reports/books'
import { cashFlow } from '../server/reports/cash-flow'
import { incomeStatement } from '../server/reports/income-statement'
import { periodParams } from '../server/reports/period'

const ORDERS = Number(process.env.BENCH_ORDERS ?? 20_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const YEAR = '2026'
const RANGE: DateRange = { from: `${YEAR}-01-01`, to: `${YEAR}-12-31` }
const DASHBOARDS = ['sales', 'customers', 'products', 'operations']
const DASHBOARD_TARGET_MS = 300
const STATEMENT_TARGET_MS = 1000
let knexOf: Knex | null = null

/** Median time of `work`; each run cold unless `warm`: the aggregate cache (per table version) emptied first. */
async function median(work: () => Promise<unknown>, warm = false): Promise<number> {
  await work() // the first run reads the pages from disk
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    if (!warm && knexOf) clearResultCaches(knexOf)
    const start = performance.now()
    await work()
    times.push(performance.now() - start)
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]
}

/** ms of 00:00 Asia/Shanghai on a day, and of the day after a range */
const startOf = (day: string) => Date.parse(`${day}T00:00:00+08:00`)
const endOf = (range: DateRange) => startOf(range.to) + 86_400_000

/**
 * The floor: for each widget, hand-written SQL answering the same question — one plain GROUP BY
 * over the same rows, with a join for the names the widget shows. `b` binds the period: [from, to).
 */
type Floor = (range: DateRange) => [string, unknown[]]

function floors(pg: boolean): Record<string, Record<string, Floor>> {
  const b = (r: DateRange) => [startOf(r.from), endOf(r)]
  const paid = `paid_at >= ? AND paid_at < ? AND merged_into IS NULL`
  const day = (col: string) => `(${col} + 28800000) / 86400000`
  const month = (col: string) => (pg ? `to_char(to_timestamp(${col} / 1000.0) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')` : `strftime('%Y-%m', ${col} / 1000, 'unixepoch', '+8 hours')`)
  const orders = (select: string, tail = '') => (r: DateRange): [string, unknown[]] => [`SELECT ${select} FROM f_orders WHERE ${paid}${tail}`, b(r)]
  const skuTop = (limit: number) => (r: DateRange): [string, unknown[]] => [
    `SELECT l.sku, s.outer_id, s.product, p.name, s.spec, SUM(l.qty), SUM(l.payment) AS sales FROM f_orders__lines l JOIN f_orders o ON o.id = l.parent_id ` +
      `LEFT JOIN f_skus s ON s.id = l.sku LEFT JOIN f_products p ON p.id = s.product WHERE o.paid_at >= ? AND o.paid_at < ? AND o.merged_into IS NULL ` +
      `GROUP BY l.sku, s.outer_id, s.product, p.name, s.spec ORDER BY sales DESC LIMIT ${limit}`,
    b(r),
  ]
  const at = (table: string, col: string, select: string, where = '', tail = '') => (r: DateRange): [string, unknown[]] => [
    `SELECT ${select} FROM ${table} WHERE ${where}${col} >= ? AND ${col} < ?${tail}`,
    b(r),
  ]
  const plain = (sql: string): Floor => () => [sql, []]
  return {
    sales: {
      gmv: orders('SUM(order_total)'),
      orders: orders('COUNT(*)'),
      units: orders('SUM(total_qty)'),
      aov: orders('SUM(order_total), COUNT(*)'),
      refund: orders('SUM(refunded_amount)'),
      refund_rate: orders('SUM(order_total), SUM(refunded_amount)'),
      by_day: orders(`${day('paid_at')} AS d, SUM(order_total), COUNT(*)`, ' GROUP BY d ORDER BY d'),
      by_shop: (r) => [`SELECT o.shop, s.name, SUM(o.order_total) AS gmv, COUNT(*) FROM f_orders o LEFT JOIN f_shops s ON s.id = o.shop WHERE o.${paid.replace(/AND /g, 'AND o.')} GROUP BY o.shop, s.name ORDER BY gmv DESC`, b(r)],
      by_province: orders('receiver_state, SUM(order_total), COUNT(*)', ' GROUP BY receiver_state'),
      top_skus: skuTop(10),
    },
    customers: {
      buyers: orders('COUNT(DISTINCT buyer_nick)'),
      new_buyers: at('f_customers', 'first_order_at', 'COUNT(*)'),
      repeat_buyers: at('f_customers', 'last_order_at', 'COUNT(*), COUNT(CASE WHEN order_count >= 2 THEN 1 END)'),
      per_buyer: orders('SUM(order_total), COUNT(DISTINCT buyer_nick)'),
      new_by_day: at('f_customers', 'first_order_at', `${day('first_order_at')} AS d, COUNT(*)`, '', ' GROUP BY d ORDER BY d'),
      frequency: at('f_customers', 'last_order_at', 'order_count, COUNT(*)', '', ' GROUP BY order_count ORDER BY order_count LIMIT 12'),
      by_province: orders('receiver_state, COUNT(DISTINCT buyer_nick), SUM(order_total)', ' GROUP BY receiver_state'),
      top_buyers: orders('buyer_nick, SUM(order_total) AS gmv, COUNT(*)', ' GROUP BY buyer_nick ORDER BY gmv DESC LIMIT 10'),
    },
    products: {
      stock_value: plain('SELECT SUM(value) FROM f_stock_balances'),
      on_hand: plain('SELECT SUM(on_hand) FROM f_stock_balances'),
      at_risk: plain(`SELECT COUNT(DISTINCT sku) FROM f_stock_balances WHERE below_safety = ${pg ? 'true' : '1'}`),
      cogs: at('f_stock_ledger', 'created_at', 'SUM(value)', `doc_type = 'sale' AND `),
      sku_sales: skuTop(20),
      risk: plain(
        `SELECT b.sku, s.outer_id, s.product, p.name, s.spec, s.safety_stock, SUM(b.available) AS available, SUM(b.on_hand) FROM f_stock_balances b LEFT JOIN f_skus s ON s.id = b.sku ` +
          `LEFT JOIN f_products p ON p.id = s.product WHERE b.below_safety = ${pg ? 'true' : '1'} GROUP BY b.sku, s.outer_id, s.product, p.name, s.spec, s.safety_stock ORDER BY available LIMIT 20`,
      ),
      value_by_wh: plain('SELECT b.warehouse, w.name, SUM(b.value) AS value FROM f_stock_balances b LEFT JOIN f_warehouses w ON w.id = b.warehouse GROUP BY b.warehouse, w.name ORDER BY value DESC'),
      out_by_month: at('f_stock_ledger', 'created_at', `${month('created_at')} AS m, SUM(value)`, `doc_type = 'sale' AND `, ' GROUP BY m ORDER BY m'),
      sku_cost: (r) => [
        `SELECT l.sku, s.outer_id, s.product, p.name, s.spec, SUM(l.qty) AS qty, SUM(l.value) FROM f_stock_ledger l LEFT JOIN f_skus s ON s.id = l.sku LEFT JOIN f_products p ON p.id = s.product ` +
          `WHERE l.doc_type = 'sale' AND l.created_at >= ? AND l.created_at < ? GROUP BY l.sku, s.outer_id, s.product, p.name, s.spec ORDER BY qty LIMIT 20`,
        b(r),
      ],
    },
    operations: {
      shipped: at('f_orders', 'shipped_at', 'COUNT(*)'),
      after_sales: at('f_after_sales', 'created_at', 'COUNT(*)'),
      refund_total: at('f_after_sales', 'created_at', 'SUM(refund_total)'),
      ship_failed: at('f_orders', 'shipped_at', 'COUNT(*)', `platform_ship_status = 'failed' AND `),
      funnel: orders('status, COUNT(*) AS n', ' GROUP BY status ORDER BY n DESC'),
      reasons: at('f_after_sales', 'created_at', 'reason, COUNT(*) AS n', '', ' GROUP BY reason ORDER BY n DESC LIMIT 10'),
      types: at('f_after_sales', 'created_at', 'type, COUNT(*)', '', ' GROUP BY type'),
      shop_status: (r) => [`SELECT o.shop, s.name, o.status, COUNT(*) FROM f_orders o LEFT JOIN f_shops s ON s.id = o.shop WHERE o.${paid.replace(/AND /g, 'AND o.')} GROUP BY o.shop, s.name, o.status`, b(r)],
      ship_health: (r) => [
        `SELECT o.shop, s.name, o.platform_ship_status, COUNT(*) FROM f_orders o LEFT JOIN f_shops s ON s.id = o.shop WHERE o.shipped_at >= ? AND o.shipped_at < ? GROUP BY o.shop, s.name, o.platform_ship_status`,
        b(r),
      ],
    },
  }
}

/** The requests the client sends for one widget: its dataset under the range, and a KPI's previous period. */
function widgetRequests(widget: Widget): { form: string; body: Record<string, unknown>; range: DateRange }[] {
  const out = [{ form: widget.dataset.form, body: aggregateRequest(widget.dataset, { range: RANGE }), range: RANGE }]
  if (widget.type === 'kpi' && widget.dataset.date_field && !widget.options?.no_compare) {
    const before = previousRange(RANGE)
    out.push({ form: widget.dataset.form, body: aggregateRequest(widget.dataset, { range: before }), range: before })
  }
  return out
}

async function database(): Promise<{ url: string | null; drop: () => Promise<void> }> {
  const admin = process.env.DATABASE_URL?.trim()
  if (!admin) return { url: null, drop: async () => undefined }
  const name = `zg_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
  const client = new pg.Client({ connectionString: admin })
  await client.connect()
  await client.query(`CREATE DATABASE ${name}`)
  await client.end()
  const url = new URL(admin)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin })
      await c.connect()
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await c.end()
    },
  }
}

async function seeded(ctx: AppContext): Promise<void> {
  const knex = ctx.db.knex
  const has = ctx.registry.get('orders') ? Number((await selectRows(knex, 'SELECT COUNT(*) AS n FROM f_orders', []))[0].n) : 0
  if (has >= ORDERS) {
    // as `npm start` does: a newer bundled pack (its indexes, say) is upgraded in
    const upgraded = (await installBundledPacks(ctx, { sampleData: false })).filter((r) => r.status === 'upgraded')
    for (const r of upgraded) console.log(`upgraded ${r.pack} ${r.from} → ${r.version}`)
    console.log(`reusing ${has.toLocaleString()} seeded orders`)
    return
  }
  if (has > 0) throw new Error(`the database holds ${has} orders, fewer than BENCH_ORDERS=${ORDERS}: use another BENCH_DATA_DIR`)
  const summary = await seedOrders(ctx, { orders: ORDERS, end: RANGE.to, log: (line) => console.log(`  seed ${line}`) })
  console.log(`seeded ${summary.orders.toLocaleString()} orders (${summary.shipped.toLocaleString()} shipped, ${summary.afterSales.toLocaleString()} after-sales) in ${summary.seconds.toFixed(0)} s`)
  // PostgreSQL's autovacuum would have analysed a year of writes; the app never runs SQLite's
  // ANALYZE, so SQLite plans without statistics here as it does in the shop.
  if (ctx.db.dialect.name === 'postgres') await knex.raw('VACUUM ANALYZE')
}

const fmt = (ms: number) => `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`

async function main() {
  const keep = process.env.BENCH_DATA_DIR
  const dataDir = keep ? path.resolve(keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'zg-bench-dash-'))
  fs.mkdirSync(dataDir, { recursive: true })
  const db = await database()
  const ctx = await createContext({ ...loadConfig(), dataDir, databaseUrl: db.url, demo: false, port: 0 })
  const knex = (knexOf = ctx.db.knex)
  const isPg = ctx.db.dialect.name === 'postgres'
  try {
    console.log(`dashboards and statements — ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}, ${ctx.db.dialect.name}, ${ORDERS.toLocaleString()} orders`)
    await seeded(ctx)
    console.log(`load: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}; median of ${RUNS} runs`)
    // service: uncached (every run as after a write to the tables); cached: opened again with no write in between
    const table: [string, string, string, string, string][] = [['', 'service', 'raw SQL floor', 'cached', 'target']]
    const floor = floors(isPg)
    const rows = await Promise.all(DASHBOARDS.map(async (key) => (await knex('zg_dashboards').where({ key }).first()) as { definition: string | DashboardDefinition } | undefined))
    for (const [i, key] of DASHBOARDS.entries()) {
      const raw = rows[i]
      if (!raw) throw new Error(`no built-in dashboard "${key}"`)
      const def = (typeof raw.definition === 'string' ? JSON.parse(raw.definition) : raw.definition) as DashboardDefinition
      const requests = def.widgets.flatMap((w) => widgetRequests(w).map((r) => ({ ...r, widget: w.key })))
      const sqls = requests.map((r) => {
        const f = floor[key]?.[r.widget]
        if (!f) throw new Error(`no floor SQL for ${key}.${r.widget}: add one to floors()`)
        return f(r.range)
      })
      const service = await median(async () => {
        for (const r of requests) await ctx.records.aggregate(r.form, r.body as never)
      })
      const sql = await median(async () => {
        for (const [text, bindings] of sqls) await selectRows(knex, text, bindings)
      })
      const cached = await median(async () => {
        for (const r of requests) await ctx.records.aggregate(r.form, r.body as never)
      }, true)
      table.push([`dashboard ${key} (${def.widgets.length} widgets, ${requests.length} queries)`, fmt(service), fmt(sql), fmt(cached), `≤ ${DASHBOARD_TARGET_MS} ms`])
      if (process.env.BENCH_DETAIL) {
        for (const [j, r] of requests.entries()) {
          const s = await median(() => ctx.records.aggregate(r.form, r.body as never))
          const f = await median(() => selectRows(knex, sqls[j][0], sqls[j][1]))
          table.push([`  ${r.widget}${r.range === RANGE ? '' : ' (previous)'}`, fmt(s), fmt(f), '', ''])
        }
      }
    }
    await statements(ctx, isPg, table)
    const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)))
    for (const r of table) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '))
  } finally {
    await ctx.db.close()
    await db.drop()
    if (!keep) fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

/** 利润表, 现金流量表 and 资产负债表 for the year, each beside one hand-written SQL for the same sums. */
async function statements(ctx: AppContext, isPg: boolean, table: [string, string, string, string, string][]) {
  const knex = ctx.db.knex
  const forms = booksForms(ctx.registry)
  const books = new Books(forms, ctx.records)
  const period = periodParams({ from: RANGE.from, to: RANGE.to })
  const j = forms.journal.table
  const [acct, debit, credit, time] = [forms.accountField, forms.debit, forms.credit, forms.time]
  const [from, to] = [startOf(RANGE.from), endOf(RANGE)]
  const cash = (await books.accounts()).values()
  const cashIds = [...cash].filter((a) => a.statementLine === 'bs_cash').map((a) => a.id)
  const month = isPg ? `to_char(to_timestamp(l.${time} / 1000.0) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')` : `strftime('%Y-%m', l.${time} / 1000, 'unixepoch', '+8 hours')`
  const accounts = `SELECT * FROM ${forms.accounts.table}`
  const cases: [string, () => Promise<unknown>, [string, unknown[]][]][] = [
    [
      'income statement, a year',
      () => incomeStatement(books, period, null),
      [[accounts, []], [`SELECT ${acct}, SUM(${debit}), SUM(${credit}) FROM ${j} WHERE ${time} >= ? AND ${time} < ? GROUP BY ${acct}`, [from, to]]],
    ],
    [
      'cash flow, a year',
      () => cashFlow(books, period),
      [
        [accounts, []],
        [
          `SELECT l.${acct}, ${month} AS m, SUM(l.${credit}) - SUM(l.${debit}) FROM ${j} l WHERE l.${time} >= ? AND l.${time} < ? AND l.batch IN ` +
            `(SELECT c.batch FROM ${j} c WHERE c.${acct} IN (${cashIds.join(', ') || 'NULL'}) AND c.${time} >= ? AND c.${time} < ?) GROUP BY l.${acct}, m`,
          [from, to, from, to],
        ],
      ],
    ],
    [
      'balance sheet at the year end',
      () => balanceSheet(books, RANGE.to),
      [[accounts, []], [`SELECT ${acct}, SUM(${debit}), SUM(${credit}) FROM ${j} WHERE ${time} < ? GROUP BY ${acct}`, [to]]],
    ],
  ]
  for (const [name, work, sqls] of cases) {
    const service = await median(work)
    const floor = await median(async () => {
      for (const [text, bindings] of sqls) await selectRows(knex, text, bindings)
    })
    table.push([name, fmt(service), fmt(floor), fmt(await median(work, true)), `≤ ${STATEMENT_TARGET_MS} ms`])
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
