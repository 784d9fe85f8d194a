import { bumpTableVersion, quoteIdentifier, withIdLast, type Dialect } from './types'

export const postgresDialect: Dialect = {
  name: 'postgres',
  addColumn(table, name, kind) {
    switch (kind) {
      case 'text':
      case 'long_text':
        return table.text(name)
      case 'date':
        return table.date(name)
      case 'integer':
        return table.integer(name)
      case 'bigint':
      case 'epoch_ms':
        return table.bigInteger(name)
      case 'boolean':
        return table.boolean(name)
    }
  },
  async lockForWrite() {
    // No global lock: writers run side by side. What must not interleave takes row locks — the
    // record written (FOR UPDATE), balances, records whose rollups are refreshed (FOR UPDATE) and
    // linked records (FOR KEY SHARE) — or advisory locks (auto-numbers, sync leases).
  },
  async lockKey(trx, key) {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [key])
  },
  uniqueViolation(error) {
    const e = error as { code?: string; constraint?: string; detail?: string }
    if (e?.code !== '23505') return null
    return { constraint: [e.constraint, e.detail].filter(Boolean).join(' ') || null }
  },
  isRetryable(error) {
    const code = (error as { code?: string })?.code
    return code === '40001' || code === '40P01'
  },
  typedParameter(kind) {
    const type = { text: 'text', long_text: 'text', integer: 'integer', bigint: 'bigint', epoch_ms: 'bigint', boolean: 'boolean', date: 'date' }[kind]
    return `CAST(? AS ${type})`
  },
  likeOperator: 'ILIKE',
  async tablesWithPrefix(db, prefix) {
    const result = await db.raw(`SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND starts_with(tablename, ?)`, [prefix])
    return result.rows.map((r: { name: string }) => r.name)
  },
  async estimateRows(db, table) {
    const result = await db.raw('SELECT reltuples::bigint AS n FROM pg_class WHERE relname = ?', [table])
    const n = result.rows?.[0]?.n
    return n == null || Number(n) < 0 ? null : Number(n)
  },
  // PostgreSQL puts NULLs last ascending unless told: NULLS FIRST makes its order SQLite's, so
  // `ORDER BY created DESC NULLS LAST, id DESC` is this index read backwards.
  indexColumns: (columns, unique) => withIdLast(columns, unique).map((c) => (c === 'id' ? quoteIdentifier(c) : `${quoteIdentifier(c)} NULLS FIRST`)).join(', '),
  async trackWrites(db, table) {
    // zg_note_write (migration 010) notes the table per statement, without locks; the versions
    // are bumped once per transaction at commit, in table order (no deadlocks between writers).
    await bumpTableVersion(db, table)
    await db.raw(`DROP TRIGGER IF EXISTS zg_versions ON ${quoteIdentifier(table)}`)
    await db.raw(`CREATE TRIGGER zg_versions AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${quoteIdentifier(table)} FOR EACH STATEMENT EXECUTE FUNCTION zg_note_write()`)
  },
}
