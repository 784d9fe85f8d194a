import type { Knex } from 'knex'
import type { ColumnKind } from '../../../schema/fields/types'

/** Everything that differs between SQLite and PostgreSQL lives behind this interface. */
export interface Dialect {
  name: 'sqlite' | 'postgres'
  /** add a column of a kind to a table being created or altered */
  addColumn(table: Knex.CreateTableBuilder | Knex.AlterTableBuilder, name: string, kind: ColumnKind): Knex.ColumnBuilder
  /**
   * Take the database's write lock at the start of a transaction that will read then write, so
   * concurrent writers queue instead of failing (SQLite) — PostgreSQL locks rows as it goes.
   */
  lockForWrite(trx: Knex.Transaction): Promise<void>
  /**
   * Serialises transactions that touch the same logical key (a stock balance) until commit.
   * SQLite already runs one writer at a time; PostgreSQL takes an advisory lock.
   */
  lockKey(trx: Knex.Transaction, key: string): Promise<void>
  /** which unique constraint/index a database error violated, if it is a unique violation */
  uniqueViolation(error: unknown): { constraint: string | null } | null
  /** true for errors where retrying the whole transaction may succeed (busy, serialization) */
  isRetryable(error: unknown): boolean
  /** a bound parameter typed as a column kind (PostgreSQL cannot infer types inside CASE) */
  typedParameter(kind: ColumnKind): string
  /** case-insensitive LIKE */
  likeOperator: string
  /** names of tables starting with `prefix` (child tables of a form being dropped) */
  tablesWithPrefix(db: Knex, prefix: string): Promise<string[]>
  /** the approximate row count of a table, cheap on large tables */
  estimateRows(db: Knex, table: string): Promise<number | null>
  /**
   * The column list of an index, built so it serves list order (NULLs smallest, id last) read
   * forwards or backwards: see orderBy in server/query/sort.ts.
   */
  indexColumns(columns: string[], unique: boolean): string
  /**
   * Triggers that bump the table's row in zg_table_versions with every committed write, whoever
   * writes (this process, another one, a migration), so cached counts know when to count again.
   * Also bumps it once now: a table created under an old name starts a new version.
   */
  trackWrites(db: Knex, table: string): Promise<void>
}

/** `"a", "b"` plus `"id"` for a non-unique index that does not already end in it. */
export function withIdLast(columns: string[], unique: boolean): string[] {
  return unique || columns[columns.length - 1] === 'id' ? columns : [...columns, 'id']
}

export async function bumpTableVersion(db: Knex, table: string): Promise<void> {
  await db.raw(
    'INSERT INTO zg_table_versions (table_name, version) VALUES (?, 1) ON CONFLICT (table_name) DO UPDATE SET version = zg_table_versions.version + 1',
    [table],
  )
}

/** Identifiers come only from validated form definitions; this is the last guard before SQL. */
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/

export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`refusing to use "${name}" as an SQL identifier`)
  return `"${name}"`
}
