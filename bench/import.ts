/**
 * `npx tsx bench/import.ts` — issue 9's import benchmark: a 100,000-row CSV imported into the
 * Taobao ERP `orders` form on SQLite through the HTTP API (upload, whole-file validation, batched
 * writes through the records service), beside the floor: the sqlite3 driver itself inserting the
 * very rows the import stored (orders and their lines, same tables and indexes) with multi-row
 * INSERTs in transactions of the same size, in the same run. Peak RSS is sampled during the import.
 *   BENCH_IMPORT_ROWS (default 100000)  rows of the CSV (one order with one line each)
 *   BENCH_TRACE=1                        also print the time spent in each kind of SQL statement
 *                                        (knex's; the SQLite multi-row INSERTs go to the driver directly)
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import sqlite3 from 'sqlite3'
import { createHttpApp } from '../server/api/http'
import { createContext, installBundledPacks } from '../server/app'
import { createToken } from '../server/auth/credentials'
import { createUser } from '../server/auth/users'
import { loadConfig } from '../server/config'
import { WRITE_BATCH } from '../server/imports/job'

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000)
const TARGET = 20_000
const SKUS = 200
const PROVINCES = ['浙江省', '江苏省', '广东省', '上海市', '北京市', '四川省', '山东省', '湖北省']

function csvOf(rows: number): Buffer {
  const lines = ['店铺,买家昵称,收货人,手机,省,市,详细地址,付款时间,买家运费,卖家备注,SKU,数量,单价,实付']
  for (let i = 0; i < rows; i++) {
    const day = 1 + (i % 28)
    const qty = 1 + (i % 3)
    const price = 10 + (i % 90)
    lines.push(
      [
        i % 2 ? '旗舰店' : '专营店',
        `买家${i % 40_000}`,
        `收件人${i % 5000}`,
        `138${String(i).padStart(8, '0')}`,
        PROVINCES[i % PROVINCES.length],
        '某市',
        `某路${i % 999}号`,
        `2026/1/${day} ${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`,
        i % 5 ? '0' : '￥8.00',
        i % 7 ? '' : '加急',
        `SKU-${i % SKUS}`,
        String(qty),
        `¥${price}.50`,
        `"${(qty * price + qty * 0.5).toLocaleString('en-US', { minimumFractionDigits: 2 })}"`,
      ].join(','),
    )
  }
  return Buffer.from(lines.join('\n'), 'utf8')
}

/** The floor: the rows as stored, inserted by the sqlite3 driver with multi-row INSERTs. */
async function rawInsertMs(schema: string[], tables: { name: string; rows: Record<string, unknown>[] }[], dir: string): Promise<number> {
  const db = new sqlite3.Database(path.join(dir, 'floor.db'))
  const run = (sql: string, params: unknown[] = []) => new Promise<void>((resolve, reject) => db.run(sql, params, (error) => (error ? reject(error) : resolve())))
  const exec = (sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())))
  await exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;')
  for (const sql of schema) await exec(sql)
  const start = performance.now()
  const [orders, lines] = tables
  for (let i = 0; i < orders.rows.length; i += WRITE_BATCH) {
    await run('BEGIN')
    const batch = orders.rows.slice(i, i + WRITE_BATCH)
    const [first, last] = [Number(batch[0].id), Number(batch[batch.length - 1].id)]
    const batchLines = lines.rows.filter((l) => Number(l.parent_id) >= first && Number(l.parent_id) <= last)
    for (const table of [{ name: orders.name, rows: batch }, { name: lines.name, rows: batchLines }]) {
      const columns = Object.keys(table.rows[0] ?? {})
      const per = Math.max(1, Math.min(500, Math.floor(30_000 / columns.length)))
      for (let j = 0; j < table.rows.length; j += per) {
        const chunk = table.rows.slice(j, j + per)
        const sql = `INSERT INTO "${table.name}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${chunk.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ')}`
        await run(sql, chunk.flatMap((row) => columns.map((c) => row[c])))
      }
    }
    await run('COMMIT')
  }
  const ms = performance.now() - start
  await new Promise<void>((resolve) => db.close(() => resolve()))
  return ms
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-bench-import-'))
  const config = { ...loadConfig({}), dataDir, port: 0, databaseUrl: null, demo: false }
  const ctx = await createContext(config)
  await installBundledPacks(ctx, { sampleData: false })
  await ctx.records.createMany('shops', [{ name: '旗舰店', platform: 'taobao' }, { name: '专营店', platform: 'taobao' }])
  const [product] = await ctx.records.createManyIds('products', [{ code: 'P1', name: '纯棉T恤' }])
  await ctx.records.createManyIds('skus', Array.from({ length: SKUS }, (_, i) => ({ outer_id: `SKU-${i}`, product, cost_price: '10.00', weight: '0.300' })))
  const admin = await createUser(ctx.db.knex, { username: 'admin', password: 'admin-password', role: 'admin' })
  const { token } = await createToken(ctx.db.knex, admin, 'bench')
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = createHttpApp(ctx).listen(0, '127.0.0.1', () => resolve(s))
  })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/forms/orders`
  const auth = { authorization: `Bearer ${token}` }
  console.log(`Zhanggui import bench — ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}, sqlite, ${ROWS.toLocaleString()} CSV rows into orders`)

  const csv = csvOf(ROWS)
  if (process.env.BENCH_TRACE) {
    const started = new Map<string, number>()
    const totals = new Map<string, { n: number; ms: number }>()
    ctx.db.knex.on('query', (q: { __knexQueryUid: string }) => started.set(q.__knexQueryUid, performance.now()))
    ctx.db.knex.on('query-response', (_r: unknown, q: { __knexQueryUid: string; sql: string }) => {
      const key = q.sql.slice(0, 90)
      const t = totals.get(key) ?? { n: 0, ms: 0 }
      t.n++
      t.ms += performance.now() - (started.get(q.__knexQueryUid) ?? 0)
      totals.set(key, t)
    })
    process.on('beforeExit', () => [...totals].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25).forEach(([k, t]) => console.log(String(Math.round(t.ms)).padStart(7), String(t.n).padStart(6), k)))
  }
  global.gc?.()
  const rssBefore = process.memoryUsage().rss
  let peak = rssBefore
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50)
  const start = performance.now()
  const body = new FormData()
  body.append('file', new Blob([new Uint8Array(csv)]), 'orders.csv')
  const started = await fetch(`${base}/import`, { method: 'POST', headers: auth, body })
  const { data } = (await started.json()) as { data: { job: string } }
  let job: Record<string, unknown> & { state: string; progress: { done: number; total: number } }
  for (;;) {
    job = ((await (await fetch(`${base}/import/${data.job}`, { headers: auth })).json()) as { data: typeof job }).data
    if (!['validating', 'writing'].includes(job.state)) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const ms = performance.now() - start
  clearInterval(sampler)
  if (job.state !== 'done') throw new Error(`the import ended ${job.state}: ${JSON.stringify(job.errors).slice(0, 500)}`)
  const rate = ROWS / (ms / 1000)

  // the floor, with the rows the import stored
  const knex = ctx.db.knex
  const schema = (await knex('sqlite_master').whereIn('tbl_name', ['f_orders', 'f_orders__lines']).whereNotNull('sql').whereNot('type', 'trigger').orderByRaw("type = 'index'").select('sql')).map((r: { sql: string }) => r.sql)
  const orders = await knex('f_orders').orderBy('id').select()
  const lines = await knex('f_orders__lines').orderBy('id').select()
  const floorMs = await rawInsertMs(schema, [{ name: 'f_orders', rows: orders }, { name: 'f_orders__lines', rows: lines }], dataDir)
  const floorRate = ROWS / (floorMs / 1000)
  const target = Math.min(TARGET, 0.6 * floorRate)

  const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`
  const row = (name: string, value: string, note = '') => console.log(`${name.padEnd(34)} ${value.padEnd(26)} ${note}`)
  row('import (upload → validate → write)', `${Math.round(rate).toLocaleString()} rows/s`, `${(ms / 1000).toFixed(1)} s; phases ${JSON.stringify(job.timings)} ms; target ≥ ${Math.round(target).toLocaleString()} rows/s (${rate >= target ? 'met' : 'NOT met'})`)
  row('raw sqlite3 multi-row INSERT', `${Math.round(floorRate).toLocaleString()} rows/s`, `${(floorMs / 1000).toFixed(1)} s for ${orders.length.toLocaleString()} orders + ${lines.length.toLocaleString()} lines`)
  row('import / raw', `${((rate / floorRate) * 100).toFixed(0)} %`, 'target ≥ 60 % where that is below 20,000 rows/s')
  row('peak RSS during the import', mb(peak), `(${mb(rssBefore)} before; the bench client runs in the same process)`)
  await new Promise((resolve) => server.close(resolve))
  await ctx.db.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
