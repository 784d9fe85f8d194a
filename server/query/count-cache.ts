import type { Knex } from 'knex'
import { selectRows } from './sql'

/**
 * Exact counts and aggregates, remembered per query and per version of the tables it reads. Every committed
 * write to a form table bumps that table's row in zg_table_versions (triggers, migration 010), in
 * this process or any other, so a cached count is reused only while none of its tables changed.
 *
 * The versions are read before counting: a count that already sees a newer write is filed under
 * the older version, which no later read will ask for again (versions only grow). Inside a
 * transaction the count is taken fresh: it may see writes that are not committed, or never will be.
 */
interface Entry<T> {
  versions: string
  value: T
}

/** A cache of results per query text + bindings, each filed under the versions of the tables it read. */
class VersionedCache<T> {
  private readonly caches = new WeakMap<object, Map<string, Entry<T>>>()
  constructor(private readonly maxEntries: number) {}

  async get(knex: Knex, text: string, bindings: readonly unknown[], run: () => Promise<T>, keep: (value: T) => boolean = () => true): Promise<T> {
    const tables = [...new Set([...text.matchAll(/"(f_[a-z0-9_]+)"/g)].map((m) => m[1]))].sort()
    // Only form tables are versioned; a query that reads anything else is not cached.
    if ((knex as Knex & { isTransaction?: boolean }).isTransaction || tables.length === 0 || /"zg_/.test(text)) return run()
    const rows = await selectRows(knex, `SELECT table_name, version FROM zg_table_versions WHERE table_name IN (${tables.map(() => '?').join(', ')})`, tables)
    if (rows.length !== tables.length) return run()
    const byTable = new Map(rows.map((r) => [String(r.table_name), String(r.version)]))
    const versions = tables.map((t) => byTable.get(t)).join(',')

    let cache = this.caches.get(knex)
    if (!cache) this.caches.set(knex, (cache = new Map()))
    const key = `${text}\u0000${JSON.stringify(bindings, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`
    const hit = cache.get(key)
    if (hit && hit.versions === versions) {
      // most recently used last
      cache.delete(key)
      cache.set(key, hit)
      return hit.value
    }
    const value = await run()
    cache.delete(key)
    if (!keep(value)) return value
    cache.set(key, { versions, value })
    if (cache.size > this.maxEntries) cache.delete(cache.keys().next().value!)
    return value
  }

  clear(knex: Knex): void {
    this.caches.delete(knex)
  }
}

const counts = new VersionedCache<number>(2000)
/** Aggregate results are small (a dashboard's groups); a large one is not kept. */
const aggregates = new VersionedCache<Record<string, unknown>[]>(500)
const MAX_CACHED_ROWS = 2000

export async function countRows(knex: Knex, text: string, bindings: readonly unknown[]): Promise<number> {
  return counts.get(knex, text, bindings, async () => Number((await selectRows(knex, text, bindings))[0]?.n ?? 0))
}

/**
 * An aggregate's rows, remembered like counts: a dashboard opened again, or by another user with
 * the same permissions, reads no table until one of the tables behind its SQL changes. The
 * caller must not change the rows (they are shared).
 */
export async function aggregateRows(knex: Knex, text: string, bindings: readonly unknown[]): Promise<Record<string, unknown>[]> {
  return aggregates.get(knex, text, bindings, () => selectRows(knex, text, bindings), (rows) => rows.length <= MAX_CACHED_ROWS)
}

/** Forgets every remembered result of this database (benchmarks measure the uncached reads). */
export function clearResultCaches(knex: Knex): void {
  counts.clear(knex)
  aggregates.clear(knex)
}
