import type { AppContext } from '../context'
import { SyncRuns } from './runs'
import { processShipments } from './shipping'
import { TradeSync } from './trade-sync'

/**
 * Runs each active shop's sync on its schedule (1/5/15/60 minutes). One loop per process; the
 * lease makes sure two processes never sync the same shop at once.
 */
export function scheduleShopSyncs(ctx: AppContext, options: { tickMs?: number; log?: (line: string) => void } = {}): () => void {
  const runs = new SyncRuns(ctx.db.knex)
  const log = options.log ?? ((line: string) => console.log(line))
  let running = false
  const tick = async () => {
    if (running) return
    running = true
    try {
      await runScheduledSyncs(ctx, log, runs)
    } catch (error) {
      log(`[zhanggui] sync scheduler: ${error instanceof Error ? error.message : String(error)}`)
    } finally {
      running = false
    }
  }
  const timer = setInterval(tick, options.tickMs ?? 30_000)
  timer.unref()
  void tick()
  return () => clearInterval(timer)
}

/** One round of the scheduler: shipping write-backs, then every active connection of an existing shop that is due. */
export async function runScheduledSyncs(ctx: AppContext, log: (line: string) => void, runs = new SyncRuns(ctx.db.knex)): Promise<number[]> {
  const synced: number[] = []
  await processShipments(ctx)
  const shops = new Set(await existingShops(ctx))
  for (const connection of await ctx.connections.all()) {
    if (connection.status !== 'active') continue
    // a connection whose shop record is gone (deleted around the records service) is forgotten, never synced
    if (!shops.has(connection.shopId)) {
      await ctx.connections.delete(connection.shopId)
      continue
    }
    if (connection.tmcEnabled) await new TradeSync(ctx, ctx.connections).consumeMessages(connection.shopId).catch((error: Error) => log(`[zhanggui] TMC of shop ${connection.shopId}: ${error.message}`))
    const last = await runs.lastFinished(connection.shopId)
    if (last !== null && Date.now() - last < connection.scheduleMinutes * 60_000) continue
    synced.push(connection.shopId)
    const result = await new TradeSync(ctx, ctx.connections).run(connection.shopId).catch((error: Error) => ({ status: 'failed', message: error.message }) as const)
    if (result.status === 'failed' && !/being synced right now/.test(String(result.message))) log(`[zhanggui] sync of shop ${connection.shopId} failed: ${result.message}`)
  }
  return synced
}

/** Ids of the shop records that exist. */
async function existingShops(ctx: AppContext): Promise<number[]> {
  const form = ctx.registry.get('shops')
  if (!form) return []
  return (await ctx.db.knex(form.table).select('id')).map((r) => Number(r.id))
}
