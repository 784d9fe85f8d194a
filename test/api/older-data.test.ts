import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { createContext, installBundledPacks } from '../../server/app'
import { loadConfig } from '../../server/config'

/**
 * A data directory written by Zhanggui 0.1.0 (commit baea104: Taobao ERP 1.0.0 with its demo data,
 * before overlays existed) opens with this version: migrated, upgraded, nothing lost. SQLite only:
 * it is a file from the embedded default.
 */
const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/data-0.1.0/zhanggui.db.gz')
const dirs: string[] = []
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })))

describe.runIf((process.env.ZG_TEST_DB ?? 'sqlite') === 'sqlite')('an older data directory', () => {
  it('opens, upgrades the bundled packs under it and keeps every record; a customisation then survives a restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-old-'))
    dirs.push(dataDir)
    fs.writeFileSync(path.join(dataDir, 'zhanggui.db'), zlib.gunzipSync(fs.readFileSync(FIXTURE)))
    const config = { ...loadConfig({}), port: 0, dataDir, databaseUrl: null, demo: false }

    const ctx = await createContext(config)
    const counts = async () =>
      Object.fromEntries(await Promise.all(['skus', 'products', 'stock_balances', 'stock_ledger', 'warehouses'].map(async (f) => [f, (await ctx.records.list(f, { limit: 1 })).total])))
    const before = await counts()
    expect(before.skus).toBeGreaterThan(0)
    const balances = (await ctx.records.list('stock_balances', { sort: 'id', limit: 500 })).data.map((b) => [b.id, b.on_hand, b.value])
    const results = await installBundledPacks(ctx, { sampleData: true })
    expect(results.find((r) => r.pack === 'taobao_erp')).toMatchObject({ from: '1.0.0', status: 'upgraded' })
    expect(await counts()).toEqual(before)
    expect((await ctx.records.list('stock_balances', { sort: 'id', limit: 500 })).data.map((b) => [b.id, b.on_hand, b.value])).toEqual(balances)

    const { saveForm } = await import('../../server/forms/customize')
    const skus = structuredClone(ctx.registry.require('skus').def)
    skus.fields.push({ key: 'shelf', type: 'text', label: '货架位' })
    await saveForm(ctx, 'skus', skus)
    await ctx.db.close()

    const again = await createContext(config)
    try {
      expect((await installBundledPacks(again, { sampleData: true })).every((r) => r.status === 'unchanged')).toBe(true)
      expect(again.registry.require('skus').field('shelf')).toBeDefined()
      expect((await again.records.list('skus', { limit: 1 })).total).toBe(before.skus)
    } finally {
      await again.db.close()
    }
  })
})
