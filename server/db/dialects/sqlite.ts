import { bumpTableVersion, quoteIdentifier, type Dialect } from './types'

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  addColumn(table, name, kind) {
    switch (kind) {
      case 'text':
      case 'long_text':
      case 'date': // 'YYYY-MM-DD' text sorts and compares as dates
        return table.text(name)
      case 'integer':
        return table.integer(name)
      case 'bigint':
      case 'epoch_ms':
        return table.bigInteger(name)
      case 'boolean':
        return table.boolean(name)
    }
  },
  async lockForWrite(trx) {
    // Any write begins SQLite's write transaction; this one touches a single tiny row.
    await trx.raw('UPDATE zg_write_lock SET n = n + 1 WHERE id = 1')
  },
  async lockKey() {
    // The write lock taken by lockForWrite already serialises every writer.
  },
  uniqueViolation(error) {
    const e = error as { code?: string; message?: string }
    if (e?.code !== 'SQLITE_CONSTRAINT' || !/UNIQUE constraint failed/.test(e.message ?? '')) return null
    // "UNIQUE constraint failed: f_products.sku" or "index 'ux_…'"
    const columns = /UNIQUE constraint failed: ([^\n]+)/.exec(e.message ?? '')?.[1] ?? null
    return { constraint: columns }
  },
  isRetryable(error) {
    const code = (error as { code?: string })?.code
    return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED'
  },
  typedParameter: () => '?',
  async tablesWithPrefix(db, prefix) {
    const rows = await db.raw(`SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, ?) = ?`, [prefix.length, prefix])
    return rows.map((r: { name: string }) => r.name)
  },
  likeOperator: 'LIKE', // case-insensitive for ASCII in SQLite
  async estimateRows(db, table) {
    const row = await db(table).max({ n: 'id' }).first()
    return row?.n == null ? 0 : Number(row.n)
  },
  // SQLite's own order is NULLs first ascending, and every index ends in the rowid (= id).
  indexColumns: (columns) => columns.map(quoteIdentifier).join(', '),
  async trackWrites(db, table) {
    const quoted = quoteIdentifier(table)
    await bumpTableVersion(db, table)
    // SQLite has no statement triggers: one tiny UPDATE per row written, within the same transaction.
    for (const [suffix, event] of [['i', 'INSERT'], ['u', 'UPDATE'], ['d', 'DELETE']]) {
      await db.raw(
        `CREATE TRIGGER IF NOT EXISTS ${quoteIdentifier(`zgv_${suffix}_${table}`)} AFTER ${event} ON ${quoted} BEGIN UPDATE zg_table_versions SET version = version + 1 WHERE table_name = '${table}'; END`,
      )
    }
  },
}
