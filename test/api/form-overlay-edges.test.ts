import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'

/** Edge cases of customising pack forms and converting field types, found in review. */
let app: TestApp
const pack = (version: string, change: (fields: any[], form: any) => void = () => {}) => {
  const fields: any[] = [
    { key: 'name', type: 'text', label: '名称', required: true },
    { key: 'qty', type: 'number', label: '数量', scale: 2 },
    { key: 'code', type: 'text', label: '编码', unique: true },
    { key: 'price', type: 'money', label: '单价', scale: 4 },
    { key: 'lines', type: 'sub_form', label: '明细', fields: [{ key: 'sku', type: 'text', label: 'SKU' }, { key: 'n', type: 'text', label: '件数' }] },
  ]
  const form: any = { key: 'items', label: '物品', title_field: 'name', fields }
  change(fields, form)
  return { format: 'zhanggui.pack/1', key: 'edges', name: '边界', version, forms: [form] }
}
beforeAll(async () => {
  app = await startTestApp({ packs: [pack('1.0.0')] })
  const seeded = await app.api.post('/api/forms/items/records', [
    { name: '甲', qty: '1.25', code: '1', price: '12.3456', lines: [{ sku: 's1', n: '3' }, { sku: 's2', n: '多' }] },
    { name: '乙', qty: '-2.50', code: '1.0', price: '-0.0050' },
  ])
  expect(seeded.status).toBe(201)
})
afterAll(async () => {
  await app?.close()
})

const definition = async () => (await app.api.get('/api/forms/items')).body.data.definition
const put = (def: unknown, dryRun = false) => app.api.request('PUT', `/api/forms/items${dryRun ? '?dry_run=true' : ''}`, def)
const record = async (id: number) => (await app.api.get(`/api/forms/items/records/${id}`)).body.data

describe('changing a field type', () => {
  it('converts a sub-form column, keeping the old values in the child table', async () => {
    const def = await definition()
    def.fields.find((f: any) => f.key === 'lines').fields.find((f: any) => f.key === 'n').type = 'number'
    const dry = await put(def, true)
    expect(dry.body.data.impact.conversions).toEqual([
      { table: 'items.lines', field: 'n', from: 'text', to: 'number', rows: 2, convertible: 1, unconvertible: { count: 1, sample: ['多'] } },
    ])
    expect((await put(def)).status).toBe(200)
    expect((await record(1)).lines.map((l: any) => [l.sku, l.n])).toEqual([['s1', '3'], ['s2', null]])
    expect(await app.ctx.db.knex('f_items__lines').orderBy('id').pluck('n__bak1')).toEqual(['3', '多'])
  })

  it('rescales money to fewer decimal places by rounding (half away from zero), the exact values kept in the backup', async () => {
    const def = await definition()
    def.fields.find((f: any) => f.key === 'price').scale = 2
    const dry = await put(def, true)
    expect(dry.body.data.impact.conversions).toMatchObject([{ field: 'price', rows: 2, convertible: 2, unconvertible: { count: 0 } }])
    expect((await put(def)).status).toBe(200)
    expect([(await record(1)).price, (await record(2)).price]).toEqual(['12.35', '-0.01'])
    expect(await app.ctx.db.knex('f_items').orderBy('id').pluck('price__bak1')).toEqual([123456, -50].map((n) => (app.database.databaseUrl ? String(n) : n)))
  })

  it('refuses, changing nothing, a conversion that makes two values of a unique field equal', async () => {
    const def = await definition()
    def.fields.find((f: any) => f.key === 'code').type = 'number'
    const before = await app.ctx.db.knex('zg_forms').where({ key: 'items' }).first()
    const res = await put(def)
    expect(res.status).toBe(422)
    expect(JSON.stringify(res.body.error)).toContain('code')
    expect(await app.ctx.db.knex('zg_forms').where({ key: 'items' }).first()).toEqual(before)
    expect((await record(2)).code).toBe('1.0')
  })
})

describe('bringing a removed field back', () => {
  it('refuses a restored number field with other decimal places instead of misreading its stored values', async () => {
    const def = await definition()
    def.fields = def.fields.filter((f: any) => f.key !== 'qty')
    expect((await put(def)).status).toBe(200)
    const back = await definition()
    back.fields.push({ key: 'qty', type: 'number', label: '数量', scale: 0 })
    const res = await put(back)
    expect(res.status).toBe(422)
    expect(res.body.error.details[0].path).toMatch(/fields\[\d+\]/)
    // Brought back as it was, the values read as before.
    back.fields[back.fields.length - 1].scale = 2
    expect((await put(back)).status).toBe(200)
    expect([(await record(1)).qty, (await record(2)).qty]).toEqual(['1.25', '-2.50'])
  })
})

/**
 * Runs two saves so that both plan from the same forms before either writes. SQLite: the server's
 * one connection queues the second request's reads before the first's transaction. PostgreSQL:
 * writers run side by side, so the forms lock is held until both wait on it.
 */
async function bothPlannedBeforeEitherWrites<T>(a: () => Promise<T>, b: () => Promise<T>): Promise<T[]> {
  if (!app.database.databaseUrl) return Promise.all([a(), b()])
  const knex = app.ctx.db.knex
  let release!: () => void
  const held = knex.transaction(async (trx) => {
    await app.ctx.db.dialect.lockKey(trx, 'zg_forms')
    await new Promise<void>((resolve) => (release = resolve))
  })
  while (!release) await new Promise((r) => setTimeout(r, 10))
  const results = Promise.all([a(), b()])
  const waiting = async () => Number((await knex.raw(`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).rows[0].n)
  for (let i = 0; i < 500 && (await waiting()) < 2; i++) await new Promise((r) => setTimeout(r, 10))
  release()
  await held
  return results
}

describe('saving a form', () => {
  it('refuses a save made from a definition another save has since changed, instead of dropping its field', async () => {
    const first = await definition()
    const second = await definition()
    first.fields.push({ key: 'colour', type: 'text', label: '颜色' })
    second.fields.push({ key: 'size', type: 'text', label: '尺码' })
    const results = await bothPlannedBeforeEitherWrites(() => put(first), () => put(second))
    expect(results.map((r) => r.status).sort()).toEqual([200, 409])
    expect(results.find((r) => r.status === 409)!.body.error.reason).toBe('form_changed')
    const keys = (await definition()).fields.map((f: any) => f.key)
    expect(keys.filter((k: string) => k === 'colour' || k === 'size')).toHaveLength(1)
    // The next save from the current definition works, and the other field can still be added.
    const again = await definition()
    again.fields.push({ key: keys.includes('colour') ? 'size' : 'colour', type: 'text', label: '另一个' })
    expect((await put(again)).status).toBe(200)
  })

  it('recomputes a removed formula field brought back with another formula', async () => {
    const def = await definition()
    def.fields.push({ key: 'doubled', type: 'formula', label: '双倍', formula: 'qty * 2', scale: 2 })
    expect((await put(def)).status).toBe(200)
    expect((await record(1)).doubled).toBe('2.50')
    const without = await definition()
    without.fields = without.fields.filter((f: any) => f.key !== 'doubled')
    expect((await put(without)).status).toBe(200)
    without.fields.push({ key: 'doubled', type: 'formula', label: '十倍', formula: 'qty * 10', scale: 2 })
    const restored = await put(without)
    expect(restored.body.data.impact).toMatchObject({ restore_fields: [{ field: 'doubled' }], recompute: [{ field: 'doubled' }] })
    expect((await record(1)).doubled).toBe('12.50')
  })
})

describe('keys that would name another table or a backup column', () => {
  it('refuses a double underscore in a form or field key (child tables and backups use it)', async () => {
    // f_items__lines is the sub-form's table; purging a form "items" would also drop f_items__*.
    const own = await app.api.post('/api/forms', { key: 'items__lines', label: '撞名', fields: [{ key: 'a', type: 'text', label: 'A' }] })
    expect(own.status).toBe(422)
    expect(own.body.error.details[0].path).toBe('form.key')
    const def = await definition()
    def.fields.push({ key: 'code__bak1', type: 'text', label: '撞备份' })
    const field = await put(def)
    expect(field.status).toBe(422)
    expect(field.body.error.details[0].path).toMatch(/^form\.fields\[\d+\]\.key$/)
  })
})

describe('pack upgrades', () => {
  it('refuses resolutions that are not "mine" or "pack"', async () => {
    for (const resolutions of ['mine', ['mine'], { 'items:fields[x]': 'yes' }]) {
      const res = await app.api.post('/api/packs', { pack: pack('1.0.1'), dry_run: true, resolutions })
      expect(res.status).toBe(400)
      expect(res.body.error.reason).toBe('bad_resolutions')
    }
  })

  it('refuses a dry_run that is not true or false instead of installing for real', async () => {
    for (const dry_run of ['true', 1, 'yes']) {
      const res = await app.api.post('/api/packs', { pack: pack('1.0.2'), dry_run })
      expect(res.status).toBe(400)
      expect(res.body.error.reason).toBe('dry_run_boolean')
    }
    expect((await app.ctx.db.knex('zg_packs').where({ key: 'edges' }).first()).version).toBe('1.0.0')
  })

  it('keeps both the merchant’s and the pack’s new views when the pack had none before', async () => {
    const def = await definition()
    def.views = [{ key: 'mine', label: '我的视图' }]
    const saved = await put(def)
    expect(saved.status, JSON.stringify(saved.body)).toBe(200)
    const next = pack('1.1.0', (_fields, form) => {
      form.views = [{ key: 'packs', label: '包的视图' }]
    })
    const up = await app.api.post('/api/packs', next)
    expect(up.status, JSON.stringify(up.body)).toBe(200)
    expect((await definition()).views.map((v: any) => v.key).sort()).toEqual(['mine', 'packs'])
  })
})
