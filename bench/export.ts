/**
 * `npx tsx bench/export.ts` — issue 9's export benchmark: the orders form (100,000 by default,
 * written through the records service's batch path, one to three lines each, on the Taobao ERP
 * pack with its sample shops, warehouses and SKUs) exported over HTTP as .xlsx and as .csv, the
 * whole file read and thrown away by the client; rows/s and the peak RSS of the process (the server
 * and the client share it: the client only counts bytes).
 *   BENCH_EXPORT_ORDERS (default 100000)  orders to seed
 *   BENCH_DATA_DIR                         keep the seeded SQLite database there and reuse it
 */
import fs from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { createHttpApp } from '../server/api/http'
import { createContext, installBundledPacks } from '../server/app'
import type { AppContext } from '../server/context'
import { createToken } from '../server/auth/credentials'
import { createUser } from '../server/auth/users'
import { loadConfig } from '../server/config'
import { selectRows } from '../server/query/sql'

const ORDERS = Number(process.env.BENCH_EXPORT_ORDERS ?? 100_000)
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`

/** Peak RSS while `work` runs, sampled every 20 ms. */
async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = process.memoryUsage.rss()
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20)
  try {
    const result = await work()
    return { result, peak: Math.max(peak, process.memoryUsage.rss()) }
  } finally {
    clearInterval(timer)
  }
}

const STATUSES = ['pending', 'audited', 'to_ship', 'shipped', 'completed', 'cancelled']
const BATCH = 2000

/** `count` orders over 2026, as the sync would write them: createMany in batches of 2,000. */
async function seed(ctx: AppContext, count: number): Promise<void> {
  const started = performance.now()
  if (!ctx.registry.get('orders')) await installBundledPacks(ctx, { sampleData: true })
  const ids = async (form: string) => (await ctx.records.list(form, { limit: 100, total: false })).data.map((r) => r.id)
  const [shops, warehouses, skus] = [await ids('shops'), await ids('warehouses'), await ids('skus')]
  const year = Date.UTC(2026, 0, 1) - 8 * 3600_000
  for (let done = 0; done < count; done += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - done) }, (_, j) => {
      const i = done + j
      const paid = new Date(year + Math.floor((i / count) * 364 * 86_400_000)).toISOString()
      return {
        shop: shops[i % shops.length],
        status: STATUSES[i % STATUSES.length],
        tids: `B${1_000_000 + i}`,
        buyer_nick: `买家${i % 4000}`,
        receiver_state: ['浙江省', '广东省', '江苏省'][i % 3],
        warehouse: warehouses[i % warehouses.length],
        order_time: paid,
        paid_at: paid,
        lines: Array.from({ length: 1 + (i % 3) }, (_, k) => ({ sku: skus[(i + k) % skus.length], title: '商品', qty: String(1 + (k % 2)), price: '19.90', payment: k % 2 ? '39.80' : '19.90' })),
      }
    })
    await ctx.records.createMany('orders', batch)
    if ((done / BATCH) % 10 === 9) console.log(`  seeded ${(done + batch.length).toLocaleString()} orders`)
  }
  console.log(`seeded ${count.toLocaleString()} orders in ${((performance.now() - started) / 1000).toFixed(0)} s`)
}

async function main() {
  const keep = process.env.BENCH_DATA_DIR
  const dataDir = keep ? path.resolve(keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'zg-bench-export-'))
  fs.mkdirSync(dataDir, { recursive: true })
  const ctx = await createContext({ ...loadConfig(), dataDir, databaseUrl: null, demo: false, port: 0 })
  let server: Server | null = null
  try {
    const has = ctx.registry.get('orders') ? Number((await selectRows(ctx.db.knex, 'SELECT COUNT(*) AS n FROM f_orders', []))[0].n) : 0
    if (has < ORDERS) {
      if (has > 0) throw new Error(`the database holds ${has} orders, fewer than ${ORDERS}: use another BENCH_DATA_DIR`)
      await seed(ctx, ORDERS - has)
    }
    const count = Number((await selectRows(ctx.db.knex, 'SELECT COUNT(*) AS n FROM f_orders', []))[0].n)
    const admin = (await ctx.db.knex('zg_users').where({ username: 'bench' }).first()) ?? (await createUser(ctx.db.knex, { username: 'bench', password: 'bench-password-1', role: 'admin' }))
    const { token } = await createToken(ctx.db.knex, admin, 'bench')
    server = await new Promise<Server>((resolve) => {
      const s = createHttpApp(ctx).listen(0, '127.0.0.1', () => resolve(s))
    })
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/forms/orders/export`
    console.log(`export — ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}, sqlite, ${count.toLocaleString()} orders; load ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`)
    console.log(`RSS before: ${mb(process.memoryUsage.rss())}`)
    for (const format of ['csv', 'xlsx'] as const) {
      global.gc?.()
      const start = performance.now()
      const { result: bytes, peak } = await peakRss(async () => {
        const res = await fetch(`${url}?format=${format}&view=all`, { headers: { authorization: `Bearer ${token}` } })
        if (!res.ok || !res.body) throw new Error(`export failed: ${res.status} ${await res.text()}`)
        let n = 0
        for await (const chunk of res.body) n += (chunk as Uint8Array).length
        return n
      })
      const seconds = (performance.now() - start) / 1000
      console.log(`${format.padEnd(4)}  ${count.toLocaleString()} rows in ${seconds.toFixed(1)} s = ${Math.round(count / seconds).toLocaleString()} rows/s, ${mb(bytes)} file, peak RSS ${mb(peak)}`)
    }
  } finally {
    if (server) await new Promise((resolve) => server!.close(resolve))
    await ctx.db.close()
    if (!keep) fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
