import fs from 'node:fs'
import path from 'node:path'
import knex, { type Knex } from 'knex'
import pg from 'pg'
import { postgresDialect } from './dialects/postgres'
import { sqliteDialect } from './dialects/sqlite'
import type { Dialect } from './dialects/types'

export interface Database {
  knex: Knex
  dialect: Dialect
  close(): Promise<void>
}

// DATE columns as 'YYYY-MM-DD' text: a calendar day has no time zone to be shifted by.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value)

export const SQLITE_FILE = 'zhanggui.db'

export function connect(options: { databaseUrl: string | null; dataDir: string }): Database {
  if (options.databaseUrl) {
    const db = knex({ client: 'pg', connection: options.databaseUrl, pool: { min: 0, max: 10 } })
    return { knex: db, dialect: postgresDialect, close: () => db.destroy() }
  }
  const file = path.join(options.dataDir, SQLITE_FILE)
  ensurePrivateDir(options.dataDir)
  // Created owner-only before SQLite opens it; SQLite gives its -wal and -shm files the same mode.
  // Only when it is new: closing a descriptor of an open database drops this process's POSIX locks
  // on it (a second connection in one process, as the in-process CLI has, would corrupt it).
  if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, 'a', 0o600))
  restrict(file, 0o600)
  const db = knex({
    client: 'sqlite3',
    connection: { filename: file },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate(connection: SqliteConnection, done: (error: Error | null, connection: unknown) => void) {
        // Other processes may write the same file (CLI, a second server): wait for their lock.
        connection.configure('busyTimeout', 30_000)
        connection.exec(
          'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;',
          (error) => done(error, connection),
        )
      },
    },
  })
  return { knex: db, dialect: sqliteDialect, close: () => db.destroy() }
}

/**
 * The data directory holds the database, uploaded files and the key that seals shop secrets:
 * created (or tightened to) owner-only.
 */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  restrict(dir, 0o700)
}

/** chmod, unless someone else owns the file (a data dir an administrator prepared): then as it is. */
function restrict(file: string, mode: number): void {
  try {
    if ((fs.statSync(file).mode & 0o777) !== mode) fs.chmodSync(file, mode)
  } catch {
    // not ours to change
  }
}

interface SqliteConnection {
  configure(option: 'busyTimeout', value: number): void
  exec(sql: string, callback: (error: Error | null) => void): void
}
