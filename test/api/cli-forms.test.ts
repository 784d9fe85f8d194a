import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'
import { zg as runZg } from '../support/cli'
import { shopPack } from '../support/packs'

const ROOT = path.resolve(import.meta.dirname, '../..')

let app: TestApp
beforeAll(async () => {
  app = await startTestApp({ packs: [shopPack('1.0.0')] })
  await app.api.post('/api/forms/goods/records', { name: '苹果', qty: '12' })
  const def = (await app.api.get('/api/forms/goods')).body.data.definition
  def.fields.push({ key: 'barcode', type: 'text', label: '我的条码' })
  expect((await app.api.request('PUT', '/api/forms/goods', def)).status).toBe(200)
})
afterAll(async () => {
  await app?.close()
})

/** Runs `npm run zg -- …` as a merchant would, on the test's database (in-process). */
const zg = (...args: string[]) => runZg(app.database, ...args)

/** The same as a real process: `npm run zg` is `tsx server/cli/zg.ts`. */
function zgProcess(...args: string[]): Promise<{ code: number; out: string }> {
  const env = { ...process.env, ZG_DATA_DIR: app.database.dataDir, DATABASE_URL: app.database.databaseUrl ?? '' }
  if (!app.database.databaseUrl) delete (env as Record<string, string | undefined>).DATABASE_URL
  return new Promise((resolve) => {
    execFile(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'server/cli/zg.ts'), ...args], { env, cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr })
    })
  })
}

const installedVersion = async () => (await app.ctx.db.knex('zg_packs').where({ key: 'shop' }).first()).version

describe('zg pack upgrade and zg form', () => {
  it('prints the diff and conflicts, exits non-zero and changes nothing while a conflict is unresolved', async () => {
    const file = path.join(app.database.dataDir, 'shop-1.1.0.json')
    fs.writeFileSync(
      file,
      JSON.stringify(
        shopPack('1.1.0', (fields) => {
          fields.push({ key: 'barcode', type: 'text', label: '条码' })
          fields.push({ key: 'weight', type: 'number', label: '重量' })
        }),
      ),
    )
    const dry = await zg('pack', 'upgrade', file, '--dry-run')
    expect(dry.code).toBe(1)
    expect(dry.out).toContain('Pack shop: 1.0.0 → 1.1.0')
    expect(dry.out).toMatch(/~ goods \(has your changes\); fields added: weight/)
    expect(dry.out).toContain('goods:fields[barcode]')
    expect(await installedVersion()).toBe('1.0.0')

    const refused = await zgProcess('pack', 'upgrade', file)
    expect(refused.code).toBe(1)
    expect(refused.out).toContain('not upgraded')
    expect(await installedVersion()).toBe('1.0.0')

    const kept = await zg('pack', 'upgrade', file, '--keep-mine')
    expect(kept.code).toBe(0)
    expect(await installedVersion()).toBe('1.1.0')
    const shown = await zg('form', 'show', 'goods')
    const def = JSON.parse(shown.out.slice(shown.out.indexOf('{')))
    expect(def.fields.find((f: { key: string }) => f.key === 'barcode').label).toBe('我的条码')
    expect(def.fields.some((f: { key: string }) => f.key === 'weight')).toBe(true)
  })

  it('form apply --dry-run prints the impact on data; form apply saves it', async () => {
    const def = JSON.parse((await zg('form', 'show', 'goods')).out.replace(/^[^{]*/, ''))
    def.fields.find((f: { key: string }) => f.key === 'qty').type = 'number'
    const file = path.join(app.database.dataDir, 'goods.json')
    fs.writeFileSync(file, JSON.stringify(def))
    const dry = await zg('form', 'apply', file, '--dry-run')
    expect(dry.code).toBe(0)
    expect(dry.out).toContain('convert goods.qty text → number: 1 of 1 values convert')
    expect(dry.out).toContain('Dry run: nothing changed.')
    await app.ctx.registry.refreshIfChanged()
    expect(app.ctx.registry.require('goods').field('qty')!.def.type).toBe('text')
    const applied = await zg('form', 'apply', file)
    expect(applied.code).toBe(0)
    await app.ctx.registry.refreshIfChanged()
    expect(app.ctx.registry.require('goods').field('qty')!.def.type).toBe('number')

    def.fields.push({ key: 'broken', type: 'formula', label: '坏', formula: 'nosuch + 1' })
    fs.writeFileSync(file, JSON.stringify(def))
    const bad = await zg('form', 'apply', file)
    expect(bad.code).toBe(1)
    expect(bad.out).toMatch(/form\.fields\[\d+\]/)
  })
})
