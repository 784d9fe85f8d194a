/**
 * `npx tsx bench/aggregate.ts` — aggregate queries (POST …/records/aggregate) over a year of
 * orders, each printed beside the raw-SQL floor for the same question measured in the same run.
 *   BENCH_ORDERS (default 1000000)  orders, spread over 2026 (filled by SQL: this measures reads)
 *   DATABASE_URL                     run on PostgreSQL instead of a temp SQLite file
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { createContext } from '../server/app'
import { loadConfig } from '../server/config'
import { installPack } from '../server/forms/installer'
import { selectRows } from '../server/query/sql'

const ORDERS = Number(process.env.BENCH_ORDERS ?? 1_000_000)
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-bench-agg-'))
const config = { ...loadConfig(), dataDir, port: 0 }
const YEAR_START = Date.parse('2025-12-31T16:00:00Z') // 2026-01-01 00:00 in Asia/Shanghai
const YEAR_MS = 365 * 86_400_000

const pack = {
  format: 'zhanggui.pack/1',
  key: 'bench_agg',
  name: 'bench',
  version: '1.0.0',
  forms: [
    { key: 'outlets', label: '店铺', title_field: 'name', fields: [{ key: 'name', type: 'text', label: '名称' }] },
    {
      key: 'orders',
      label: '订单',
      fields: [
        { key: 'outlet', type: 'link', label: '店铺', form: 'outlets', display_field: 'name' },
        { key: 'status', type: 'select', label: '状态', options: ['paid', 'shipped', 'finished', 'closed'].map((v) => ({ value: v, label: v })) },
        { key: 'buyer', type: 'text', label: '买家' },
        { key: 'province', type: 'text', label: '省份' },
        { key: 'paid_at', type: 'datetime', label: '付款时间', index: true },
        { key: 'payment', type: 'money', label: '实付' },
      ],
      // what a dashboard over paid orders reads, so the floor and the API both scan the index only
      indexes: [{ fields: ['paid_at', 'status', 'payment'] }],
    },
  ],
}

async function median(runs: number, work: () => Promise<unknown>): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    await work()
    times.push(performance.now() - start)
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]
}

async function main() {
  const ctx = await createContext(config)
  await installPack(ctx.db, ctx.registry, pack)
  const knex = ctx.db.knex
  const pg = ctx.db.dialect.name === 'postgres'
  console.log(`aggregates — ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}, ${ctx.db.dialect.name}, ${ORDERS.toLocaleString()} orders`)
  await ctx.records.createMany('outlets', Array.from({ length: 10 }, (_, i) => ({ name: `店铺${i}` })))
  const fillStart = performance.now()
  const columns = `version, created_at, updated_at, outlet, status, buyer, province, paid_at, payment`
  const values = (i: string) =>
    `1, 0, 0, 1 + ${i} % 10, CASE ${i} % 4 WHEN 0 THEN 'paid' WHEN 1 THEN 'shipped' WHEN 2 THEN 'finished' ELSE 'closed' END, 'b' || ((${i} * 7919) % 40000), 'p' || (${i} % 34), ` +
    `${YEAR_START} + (${i} * ${Math.floor(YEAR_MS / ORDERS)}) + (${i} * 7919) % 3600000, 100 + (${i} * 104729) % 50000`
  if (pg) await knex.raw(`INSERT INTO f_orders (${columns}) SELECT ${values('i')} FROM generate_series(1::bigint, ?) AS s(i)`, [ORDERS])
  else await knex.raw(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) INSERT INTO f_orders (${columns}) SELECT ${values('i')} FROM n`, [ORDERS])
  await knex.raw(pg ? 'ANALYZE f_orders' : 'ANALYZE')
  console.log(`filled in ${((performance.now() - fillStart) / 1000).toFixed(1)} s`)

  const year = { field: 'paid_at', op: 'between', value: ['2026-01-01 00:00:00', '2026-12-31 23:59:59'] }
  const paid = { field: 'status', op: 'in', value: ['paid', 'shipped', 'finished'] }
  const where = `paid_at BETWEEN ${YEAR_START} AND ${YEAR_START + YEAR_MS - 1} AND status IN ('paid', 'shipped', 'finished')`
  const day = `(paid_at + 28800000) / 86400000`
  const cases: [string, unknown, string][] = [
    [
      'daily GMV + orders, a year',
      { filter: { and: [year, paid] }, group_by: [{ field: 'paid_at', by: 'day' }], measures: [{ fn: 'sum', field: 'payment', as: 'gmv' }, { fn: 'count', as: 'orders' }] },
      `SELECT ${day} AS d, SUM(payment), COUNT(*) FROM f_orders WHERE ${where} GROUP BY ${day}`,
    ],
    [
      'monthly GMV per shop (link names)',
      { filter: { and: [year, paid] }, group_by: [{ field: 'paid_at', by: 'month' }, 'outlet'], measures: [{ fn: 'sum', field: 'payment', as: 'gmv' }] },
      `SELECT ${day} AS d, outlet, SUM(payment) FROM f_orders WHERE ${where} GROUP BY ${day}, outlet`,
    ],
    [
      'buyers per month (count_distinct)',
      { filter: { and: [year, paid] }, group_by: [{ field: 'paid_at', by: 'month' }], measures: [{ fn: 'count_distinct', field: 'buyer', as: 'buyers' }] },
      pg
        ? `SELECT date_trunc('month', to_timestamp(paid_at / 1000.0) AT TIME ZONE 'Asia/Shanghai') AS m, COUNT(DISTINCT buyer) FROM f_orders WHERE ${where} GROUP BY 1`
        : `SELECT strftime('%Y-%m', paid_at / 1000, 'unixepoch', '+8 hours') AS m, COUNT(DISTINCT buyer) FROM f_orders WHERE ${where} GROUP BY 1`,
    ],
    [
      'top 10 provinces by GMV, avg order',
      { filter: { and: [year, paid] }, group_by: ['province'], measures: [{ fn: 'sum', field: 'payment', as: 'gmv' }, { fn: 'avg', field: 'payment', as: 'aov' }], sort: '-gmv', limit: 10 },
      `SELECT province, SUM(payment) AS gmv, AVG(payment) FROM f_orders WHERE ${where} GROUP BY province ORDER BY gmv DESC LIMIT 10`,
    ],
  ]
  const rows: [string, string, string][] = []
  for (const [name, body, floor] of cases) {
    const ms = await median(5, () => ctx.records.aggregate('orders', body as never))
    const raw = await median(5, () => selectRows(knex, floor, []))
    rows.push([name, `${ms.toFixed(0)} ms`, `raw SQL ${raw.toFixed(0)} ms`])
  }
  const width = Math.max(...rows.map((r) => r[0].length))
  // the dashboards' target: ≤ 300 ms median for a year of 1M orders on SQLite
  for (const [name, value, floor] of rows) console.log(`${name.padEnd(width)}  ${value.padEnd(8)}  ${floor}`)
  await ctx.db.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
