/**
 * `npm run bench -- sync` — trades synced per second from the Taobao simulator over HTTP, through
 * the records service with validation, document rules, customers, ERP orders and audit on — as in
 * production — and the peak memory. Target on a 2-core machine with SQLite: ≥ 2,000 trades/s.
 *   BENCH_TRADES (default 100000)   about how many trades the simulator holds
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { createContext, installBundledPacks } from '../server/app'
import { loadConfig } from '../server/config'
import { ItemImport } from '../server/sync/item-import'
import { TradeSync } from '../server/sync/trade-sync'
import { SYSTEM_ACTOR } from '../server/access/actor'

const TRADES = Number(process.env.BENCH_TRADES ?? 100_000)
const HISTORY_DAYS = 30
const ROOT = path.resolve(import.meta.dirname, '..')

async function startSimulator(): Promise<{ url: string; stop(): void }> {
  const perHour = Math.ceil(TRADES / (HISTORY_DAYS * 24))
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/taobao/simulator/cli.ts', '--port', '0', '--seed', '42', '--app-key', 'K', '--app-secret', 'S', '--session', 'T', '--mode', 'test', '--clock', 'manual', '--start', '2026-11-20 12:00:00', '--history-days', String(HISTORY_DAYS), '--trades-per-hour', String(perHour)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /(http:\/\/[^\s]+\/router\/rest)/.exec(output)
      if (match) resolve(match[1])
    })
    child.on('exit', (code) => reject(new Error(`simulator exited (${code}): ${output}`)))
  })
  return { url, stop: () => child.kill() }
}

async function main() {
  const sim = await startSimulator()
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-bench-sync-'))
  const ctx = await createContext({ ...loadConfig(), dataDir, port: 0, demo: false })
  await installBundledPacks(ctx, { sampleData: true })
  const shop = await ctx.records.create('shops', { name: '压测店', platform: 'taobao' })
  // the standalone simulator's origin, as ZG_TAOBAO_GATEWAYS would allow it
  ctx.connections.gateways.allowOrigins(new URL(sim.url).origin)
  await ctx.connections.save(shop.id, { appKey: 'K', appSecret: 'S', session: 'T', gatewayUrl: sim.url })
  // The merchant imports the shop's items first, so lines match SKUs and orders are made.
  await new ItemImport(ctx).run(SYSTEM_ACTOR, shop.id)

  const started = performance.now()
  const summary = await new TradeSync(ctx, ctx.connections).run(shop.id)
  const seconds = (performance.now() - started) / 1000
  const peakMb = Math.round(process.resourceUsage().maxRSS / 1024)
  const orders = await ctx.db.knex('f_orders').count({ n: '*' }).first()
  console.log(`Zhanggui sync bench — ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}, ${ctx.db.dialect.name}`)
  console.log(`trades synced            ${summary.created.toLocaleString()} (${summary.status}${summary.message ? `: ${summary.message}` : ''})`)
  console.log(`ERP orders created        ${Number(orders?.n ?? 0).toLocaleString()}`)
  console.log(`time                      ${seconds.toFixed(1)} s`)
  console.log(`throughput                ${Math.round(summary.created / seconds).toLocaleString()} trades/s   target ≥ 2,000 trades/s`)
  console.log(`peak memory (this process) ${peakMb} MB`)
  sim.stop()
  await ctx.db.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
