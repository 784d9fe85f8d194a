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
  fs.mkdirSync(options.dataDir, { recursive: true })
  const db = knex({
    client: 'sqlite3',
    connection: { filename: path.join(options.dataDir, SQLITE_FILE) },
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

interface SqliteConnection {
  configure(option: 'busyTimeout', value: number): void
  exec(sql: string, callback: (error: Error | null) => void): void
}
