import fs from 'node:fs'
import path from 'node:path'
import type { Knex } from 'knex'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createContext } from '../../server/app'
import { createBackup, restoreBackup } from '../../server/backup'
import { loadConfig, type Config } from '../../server/config'
import type { AppContext } from '../../server/context'
import { AppError } from '../../server/lib/errors'
import { startTestApp, type TestApp } from '../support/app'
import { createTestDatabase, type TestDatabase } from '../support/database'
import { zg } from '../support/cli'
import { erp } from '../support/erp'
import { expectStockConsistent } from '../support/invariants'

let app: TestApp
let ops: ReturnType<typeof erp>
let sku: number
let warehouse: number
let shopId: number
let fileId: number
const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a1d2c8a50000000049454e44ae426082', 'hex')
const targets: TestDatabase[] = []
const opened: AppContext[] = []

const configOf = (db: TestDatabase): Config => ({ ...loadConfig({}), port: 0, dataDir: db.dataDir, databaseUrl: db.databaseUrl, demo: false })
const mode = (file: string) => fs.statSync(file).mode & 0o777

/** Every table of the database, each as its rows (JSON, sorted): two databases compare equal when their data is. */
async function everyRow(knex: Knex): Promise<Record<string, string[]>> {
  const tables: string[] =
    knex.client.config.client === 'pg'
      ? (await knex('pg_tables').whereRaw('schemaname = current_schema()').select('tablename')).map((r) => r.tablename)
      : (await knex('sqlite_master').where('type', 'table').whereNot('name', 'like', 'sqlite_stat%').select('name')).map((r) => r.name)
  const rows: Record<string, string[]> = {}
  for (const table of tables.sort()) rows[table] = (await knex(table).select()).map((r) => JSON.stringify(r)).sort()
  return rows
}

async function target(): Promise<TestDatabase> {
  const db = await createTestDatabase()
  targets.push(db)
  return db
}

async function open(db: TestDatabase): Promise<AppContext> {
  const ctx = await createContext(configOf(db))
  opened.push(ctx)
  return ctx
}

const failure = async (promise: Promise<unknown>): Promise<AppError> => {
  const error = await promise.then(() => null, (e: unknown) => e)
  expect(error).toBeInstanceOf(AppError)
  return error as AppError
}

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  ops = erp(app.api)
  const master = await ops.masterData([{ outer_id: 'BK-1' }, { outer_id: 'BK-2' }])
  sku = master.skus[0].id
  warehouse = master.main.id
  shopId = master.shop.id
  // a stock movement, an uploaded picture on a product, sealed shop credentials
  await ops.receive(warehouse, [{ sku, qty: 7, cost: '12.50' }])
  const form = new FormData()
  form.append('file', new Blob([png], { type: 'image/png' }), '主图.png')
  const upload = await fetch(`${app.baseUrl}/api/files?form=products`, { method: 'POST', headers: { authorization: `Bearer ${app.token}` }, body: form })
  expect(upload.status).toBe(201)
  fileId = ((await upload.json()) as { data: { id: number } }).data.id
  const product = await ops.create('products', { code: 'BK1', name: '备份测试', category: 'clothing', picture: [fileId] })
  expect(product.picture[0].id).toBe(fileId)
  await app.ctx.connections.save(shopId, { appKey: 'bk-app', appSecret: 'bk-secret-值', session: 'bk-session', refreshToken: 'bk-refresh' })
  // not active: stock changes are not uploaded to the (real) Taobao gateway
  await app.ctx.connections.markNeedsReauth(shopId, 'backup test')
})

afterAll(async () => {
  for (const ctx of opened) await ctx.db.close()
  await app?.close()
  for (const db of targets) await db.drop()
})

describe('backup and restore', () => {
  let busyTarget: TestDatabase

  it('a backup taken while the app writes restores to a consistent database', async () => {
    const archive = path.join(app.database.dataDir, 'busy.zip')
    let writing = true
    let written = 0
    const writer = (async () => {
      while (writing) {
        await ops.receive(warehouse, [{ sku, qty: 1, cost: '10.00' }])
        written++
      }
    })()
    while (!written) await new Promise((resolve) => setTimeout(resolve, 10))
    try {
      const summary = await createBackup(app.ctx.config, { out: archive })
      expect(summary).toMatchObject({ database: app.database.kind, files: 1, key: 'file' })
    } finally {
      writing = false
      await writer
    }
    expect(mode(archive)).toBe(0o600)

    busyTarget = await target()
    const restored = await restoreBackup(configOf(busyTarget), { file: archive })
    expect(restored).toMatchObject({ database: app.database.kind, files: 1, key: 'restored', warnings: [] })
    const knex = (await open(busyTarget)).db.knex
    await expectStockConsistent(knex)
    // every stock-in in the snapshot has its audit row, none is audited without its record
    const stockIns = (await knex('f_stock_in').select('id')).map((r) => Number(r.id)).sort((a, b) => a - b)
    const audited = (await knex('zg_audit').where({ form: 'stock_in', action: 'create' }).select('record_id')).map((r) => Number(r.record_id)).sort((a, b) => a - b)
    expect(audited).toEqual(stockIns)
    expect(stockIns.length).toBeGreaterThan(1)
  })

  it('restores identical records, balances, audit, files and credentials; refuses a non-empty target without --force', async () => {
    // through the command line this time (in-process)
    const archive = path.join(app.database.dataDir, 'quiet.zip')
    const backedUp = await zg(app.database, 'backup', '--out', archive)
    expect(backedUp.code, backedUp.out).toBe(0)
    expect(backedUp.out).toContain('1 file(s) and the secret key')
    const source = await everyRow(app.ctx.db.knex)

    // the target of the first restore is not empty any more
    for (const ctx of opened.splice(0)) await ctx.db.close()
    const refused = await zg(busyTarget, 'restore', archive)
    expect(refused.code).toBe(1)
    expect(refused.out).toContain('[backup_target_not_empty]')
    const forced = await zg(busyTarget, 'restore', archive, '--force')
    expect(forced.code, forced.out).toBe(0)

    const ctx = await open(busyTarget)
    expect(await everyRow(ctx.db.knex)).toEqual(source)
    expect(Object.keys(source)).toEqual(expect.arrayContaining(['f_stock_balances', 'f_stock_ledger', 'zg_audit', 'zg_files', 'zg_shop_connections']))
    expect(source.zg_audit.length).toBeGreaterThan(10)

    const file = await ctx.files.find(fileId)
    expect(fs.readFileSync(file.path).equals(png)).toBe(true)
    expect(mode(file.path)).toBe(0o600)
    expect(mode(path.join(busyTarget.dataDir, 'secret.key'))).toBe(0o600)
    if (busyTarget.kind === 'sqlite') expect(mode(path.join(busyTarget.dataDir, 'zhanggui.db'))).toBe(0o600)
    expect(await ctx.connections.get(shopId)).toMatchObject({ appKey: 'bk-app', appSecret: 'bk-secret-值', session: 'bk-session', refreshToken: 'bk-refresh', status: 'needs_reauth' })

    // the restored app goes on writing (PostgreSQL sequences came along)
    const lastId = Math.max(...(await ctx.db.knex('f_stock_in').select('id')).map((r) => Number(r.id)))
    const doc = await ctx.records.create('stock_in', { type: 'other', warehouse, lines: [{ sku, qty_received: 2, qty_accepted: 2 }] })
    expect(doc.id).toBe(lastId + 1)
  })

  it('refuses what it cannot back up or restore, with a code', async () => {
    const bad = path.join(app.database.dataDir, 'not-a-backup.zip')
    fs.writeFileSync(bad, 'hello')
    const fresh = await target()
    expect((await failure(restoreBackup(configOf(fresh), { file: bad }))).reason).toBe('backup_file_unreadable')
    expect(fs.readdirSync(fresh.dataDir)).toEqual([])
    const missing = await failure(createBackup(app.ctx.config, { out: path.join(app.database.dataDir, 'nowhere', 'b.zip') }))
    expect(missing.reason).toBe('backup_out_folder_missing')
    if (app.database.kind === 'postgres') {
      const noTool = await failure(createBackup(app.ctx.config, { out: path.join(app.database.dataDir, 'b.zip'), pgBin: '/nonexistent' }))
      expect([noTool.reason, noTool.params]).toEqual(['backup_tool_missing', { tool: '/nonexistent/pg_dump' }])
      expect(fs.existsSync(path.join(app.database.dataDir, 'b.zip'))).toBe(false)
    }
  })
})
