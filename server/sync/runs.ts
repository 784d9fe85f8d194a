import type { Knex } from 'knex'

export interface SyncCounts {
  windows: number
  pages: number
  created: number
  updated: number
  unchanged: number
  failed: number
}

export interface SyncRunView extends SyncCounts {
  id: number
  shop_id: number
  kind: string
  status: 'running' | 'succeeded' | 'failed'
  started_at: string
  finished_at: string | null
  progress: number
  message: string | null
  errors: string[]
  /** what the run did to the ERP: orders created, cancelled, flagged, updated; after-sales; messages read */
  effects: Record<string, number> | null
}

/** The per-shop sync log: one row per run, updated as it goes (the UI shows progress). */
export class SyncRuns {
  constructor(private readonly knex: Knex) {}

  async start(shopId: number, kind: string): Promise<number> {
    const [row] = await this.knex('zg_sync_runs').insert({ shop_id: shopId, kind, status: 'running', started_at: Date.now() }).returning('id')
    return Number(row.id ?? row)
  }

  async progress(id: number, counts: SyncCounts, progress: number, message?: string): Promise<void> {
    await this.knex('zg_sync_runs').where({ id }).update({ ...counts, progress: Math.max(0, Math.min(100, Math.round(progress))), ...(message ? { message } : {}) })
  }

  async finish(id: number, counts: SyncCounts, status: 'succeeded' | 'failed', message: string | null, errors: string[], effects?: Record<string, number>): Promise<void> {
    await this.knex('zg_sync_runs')
      .where({ id })
      .update({
        ...counts,
        status,
        progress: 100,
        finished_at: Date.now(),
        message,
        errors: errors.length ? JSON.stringify(errors.slice(0, 50)) : null,
        effects: effects ? JSON.stringify(effects) : null,
      })
  }

  async list(shopId: number, limit = 50): Promise<SyncRunView[]> {
    await this.closeInterrupted(shopId)
    return (await this.knex('zg_sync_runs').where({ shop_id: shopId }).orderBy('id', 'desc').limit(limit)).map(view)
  }

  async last(shopId: number): Promise<SyncRunView | null> {
    await this.closeInterrupted(shopId)
    const row = await this.knex('zg_sync_runs').where({ shop_id: shopId }).orderBy('id', 'desc').first()
    return row ? view(row) : null
  }

  /** A run still "running" while nobody holds the shop's lease was cut short (crash, restart). */
  private async closeInterrupted(shopId: number): Promise<void> {
    const lease = await this.knex('zg_sync_leases').where({ shop_id: shopId }).where('expires_at', '>', Date.now()).first('shop_id')
    if (lease) return
    await this.knex('zg_sync_runs')
      .where({ shop_id: shopId, status: 'running' })
      .update({ status: 'failed', progress: 100, finished_at: Date.now(), message: 'interrupted (the server stopped during this run); the next run resumes from the checkpoint' })
  }

  /** Shops whose latest finished run failed (the home page's 同步失败 count). */
  async failingShops(): Promise<number[]> {
    const latest = this.knex('zg_sync_runs').whereNotNull('finished_at').groupBy('shop_id').select('shop_id').max({ id: 'id' })
    const rows = await this.knex('zg_sync_runs as r').join(latest.as('l'), 'l.id', 'r.id').where('r.status', 'failed').select('r.shop_id')
    return rows.map((r) => Number(r.shop_id))
  }

  async lastFinished(shopId: number): Promise<number | null> {
    const row = await this.knex('zg_sync_runs').where({ shop_id: shopId }).whereNotNull('finished_at').max({ at: 'finished_at' }).first()
    return row?.at == null ? null : Number(row.at)
  }
}

function view(row: Record<string, any>): SyncRunView {
  return {
    id: Number(row.id),
    shop_id: Number(row.shop_id),
    kind: row.kind,
    status: row.status,
    started_at: new Date(Number(row.started_at)).toISOString(),
    finished_at: row.finished_at == null ? null : new Date(Number(row.finished_at)).toISOString(),
    windows: Number(row.windows),
    pages: Number(row.pages),
    created: Number(row.created),
    updated: Number(row.updated),
    unchanged: Number(row.unchanged),
    failed: Number(row.failed),
    progress: Number(row.progress),
    message: row.message ?? null,
    errors: row.errors ? JSON.parse(row.errors) : [],
    effects: row.effects ? JSON.parse(row.effects) : null,
  }
}

export class Checkpoints {
  constructor(private readonly knex: Knex) {}

  async get(shopId: number, stream: string): Promise<number | null> {
    const row = await this.knex('zg_sync_checkpoints').where({ shop_id: shopId, stream }).first('synced_until')
    return row ? Number(row.synced_until) : null
  }

  async set(shopId: number, stream: string, until: number): Promise<void> {
    const now = Date.now()
    await this.knex('zg_sync_checkpoints')
      .insert({ shop_id: shopId, stream, synced_until: until, updated_at: now })
      .onConflict(['shop_id', 'stream'])
      .merge({ synced_until: until, updated_at: now })
  }

  async clear(shopId: number, stream: string): Promise<void> {
    await this.knex('zg_sync_checkpoints').where({ shop_id: shopId, stream }).delete()
  }
}

export interface SyncRetry {
  tid: string
  attempts: number
  error: string | null
}

/**
 * Trades a run could not store (a busy database, a deadlock, data the ERP refused). The window's
 * checkpoint moves on without them, so they wait here until a later run reads them again and
 * stores them, or until they have failed `maxAttempts` times and are dropped (the run log says so).
 */
export class SyncRetries {
  constructor(private readonly knex: Knex) {}

  async list(shopId: number, limit?: number): Promise<SyncRetry[]> {
    const query = this.knex('zg_sync_retries').where({ shop_id: shopId }).orderBy('created_at').orderBy('tid')
    if (limit !== undefined) query.limit(limit)
    const rows = await query
    return rows.map((r) => ({ tid: String(r.tid), attempts: Number(r.attempts), error: r.error ?? null }))
  }

  async count(shopId: number): Promise<number> {
    const row = await this.knex('zg_sync_retries').where({ shop_id: shopId }).count({ n: '*' }).first()
    return Number(row?.n ?? 0)
  }

  /** Counts a failed attempt for each; answers (and drops) those that reached `maxAttempts`. */
  async failed(shopId: number, failures: Map<string, string>, maxAttempts: number): Promise<SyncRetry[]> {
    if (failures.size === 0) return []
    const now = Date.now()
    const tids = [...failures.keys()]
    await this.knex.transaction(async (trx) => {
      for (const [tid, error] of failures) {
        await trx('zg_sync_retries')
          .insert({ shop_id: shopId, tid, attempts: 1, error, created_at: now, updated_at: now })
          .onConflict(['shop_id', 'tid'])
          .merge({ attempts: trx.raw('?? + 1', ['zg_sync_retries.attempts']), error, updated_at: now })
      }
    })
    const exhausted = await this.knex('zg_sync_retries').where({ shop_id: shopId }).whereIn('tid', tids).where('attempts', '>=', maxAttempts)
    if (exhausted.length) await this.stored(shopId, exhausted.map((r) => String(r.tid)))
    return exhausted.map((r) => ({ tid: String(r.tid), attempts: Number(r.attempts), error: r.error ?? null }))
  }

  async stored(shopId: number, tids: string[]): Promise<void> {
    if (tids.length) await this.knex('zg_sync_retries').where({ shop_id: shopId }).whereIn('tid', tids).delete()
  }
}
