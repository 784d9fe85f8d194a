import { randomBytes } from 'node:crypto'
import type { Knex } from 'knex'

/**
 * A shop's sync runs once at a time, across processes: a lease row in the database, taken only
 * when free or expired, renewed while the run goes on. A process killed mid-run leaves a lease
 * that simply expires; the next run resumes from the stored checkpoint.
 */
export class SyncLease {
  readonly holder = `${process.pid}-${randomBytes(4).toString('hex')}`

  constructor(
    private readonly knex: Knex,
    private readonly shopId: number,
    private readonly ttlMs = 120_000,
  ) {}

  async acquire(): Promise<boolean> {
    const now = Date.now()
    const taken = await this.knex('zg_sync_leases')
      .where({ shop_id: this.shopId })
      .andWhere((q) => q.where('expires_at', '<', now).orWhere({ holder: this.holder }))
      .update({ holder: this.holder, expires_at: now + this.ttlMs })
    if (taken) return true
    try {
      await this.knex('zg_sync_leases').insert({ shop_id: this.shopId, holder: this.holder, expires_at: now + this.ttlMs })
      return true
    } catch {
      return false // someone holds it
    }
  }

  /** Extends the lease; false if another process took it over (the run must stop). */
  async renew(): Promise<boolean> {
    const renewed = await this.knex('zg_sync_leases').where({ shop_id: this.shopId, holder: this.holder }).update({ expires_at: Date.now() + this.ttlMs })
    return renewed === 1
  }

  async release(): Promise<void> {
    await this.knex('zg_sync_leases').where({ shop_id: this.shopId, holder: this.holder }).delete()
  }
}
