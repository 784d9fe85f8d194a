import type { Knex } from 'knex'
import { selectRows } from './sql'

/**
 * Exact counts, remembered per query and per version of the tables it reads. Every committed
 * write to a form table bumps that table's row in zg_table_versions (triggers, migration 010), in
 * this process or any other, so a cached count is reused only while none of its tables changed.
 *
 * The versions are read before counting: a count that already sees a newer write is filed under
 * the older version, which no later read will ask for again (versions only grow). Inside a
 * transaction the count is taken fresh: it may see writes that are not committed, or never will be.
 */
interface Entry {
  versions: string
  total: number
}

const MAX_ENTRIES = 2000
const caches = new WeakMap<object, Map<string, Entry>>()

export async function countRows(knex: Knex, text: string, bindings: readonly unknown[]): Promise<number> {
  const count = async () => Number((await selectRows(knex, text, bindings))[0]?.n ?? 0)
  const tables = [...new Set([...text.matchAll(/"(f_[a-z0-9_]+)"/g)].map((m) => m[1]))].sort()
  // Only form tables are versioned; a count that reads anything else is not cached.
  if ((knex as Knex & { isTransaction?: boolean }).isTransaction || tables.length === 0 || /"zg_/.test(text)) return count()
  const rows = await selectRows(knex, `SELECT table_name, version FROM zg_table_versions WHERE table_name IN (${tables.map(() => '?').join(', ')})`, tables)
  if (rows.length !== tables.length) return count()
  const byTable = new Map(rows.map((r) => [String(r.table_name), String(r.version)]))
  const versions = tables.map((t) => byTable.get(t)).join(',')

  let cache = caches.get(knex)
  if (!cache) caches.set(knex, (cache = new Map()))
  const key = `${text}\u0000${JSON.stringify(bindings, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`
  const hit = cache.get(key)
  if (hit && hit.versions === versions) {
    // most recently used last
    cache.delete(key)
    cache.set(key, hit)
    return hit.total
  }
  const total = await count()
  cache.delete(key)
  cache.set(key, { versions, total })
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!)
  return total
}
