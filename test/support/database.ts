import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'

export const PG_ADMIN_URL = process.env.ZG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export interface TestDatabase {
  kind: 'sqlite' | 'postgres'
  dataDir: string
  databaseUrl: string | null
  drop(): Promise<void>
}

/**
 * A fresh, empty database for one test file: a SQLite file in a temp dir, or — when the test
 * project says ZG_TEST_DB=postgres — a new PostgreSQL database, dropped afterwards. PostgreSQL
 * being unreachable fails the tests; it is never skipped.
 */
export async function createTestDatabase(kind = (process.env.ZG_TEST_DB ?? 'sqlite') as 'sqlite' | 'postgres'): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-test-'))
  if (kind === 'sqlite') {
    return { kind, dataDir, databaseUrl: null, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) }
  }
  const name = `zg_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL })
  try {
    await admin.connect()
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL} (${(error as Error).message}); the PostgreSQL tests need it running`)
  }
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(PG_ADMIN_URL)
  url.pathname = `/${name}`
  return {
    kind,
    dataDir,
    databaseUrl: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL })
      await client.connect()
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await client.end()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
