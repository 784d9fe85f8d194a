import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import { createContext, installBundledPacks, TEMPLATES_DIR } from '../../server/app'
import { readPack } from '../../server/forms/pack-files'
import { loadConfig } from '../../server/config'
import { installBundledPack } from '../../server/forms/installer'
import { startTestApp, type TestApp } from '../support/app'
import { shopPack } from '../support/packs'

let app: TestApp
beforeAll(async () => {
  app = await startTestApp({ packs: [shopPack('1.0.0')] })
  await app.api.post('/api/forms/goods/records', [
    { name: '苹果', qty: '12', price: '3.50', grade: 'a', note: '10' },
    { name: '香蕉', qty: '约20', price: '2.00', grade: 'b', note: 'abc' },
    { name: '橙子', qty: '1,200', price: '5.00', grade: 'a', note: '甲' },
  ])
})
afterAll(async () => {
  await app?.close()
})

const definition = async () => (await app.api.get('/api/forms/goods')).body.data.definition
const records = async () => (await app.api.get('/api/forms/goods/records?sort=id')).body.data
const put = (def: unknown, dryRun = false) => app.api.request('PUT', `/api/forms/goods${dryRun ? '?dry_run=true' : ''}`, def)

describe('the designer saves a pack form as the merchant overlay', () => {
  it('adds a required field with a default and relabels one: stored as an overlay, the pack untouched', async () => {
    const def = await definition()
    def.fields.push({ key: 'origin', type: 'text', label: '产地', required: true, default: '本地' })
    def.fields.find((f: any) => f.key === 'note').label = '说明'
    const dry = await put(def, true)
    expect(dry.status).toBe(200)
    expect(dry.body.data.impact).toMatchObject({ add_columns: [{ table: 'goods', field: 'origin' }], fill_defaults: [{ field: 'origin', value: '本地' }], conversions: [] })
    expect((await definition()).fields.some((f: any) => f.key === 'origin')).toBe(false)

    const saved = await put(def)
    expect(saved.status).toBe(200)
    expect(saved.body.data.form.origin).toEqual({ pack: 'shop', customized: true, own: false })
    expect((await records()).map((r: any) => r.origin)).toEqual(['本地', '本地', '本地'])
    const missing = await app.api.post('/api/forms/goods/records', { name: '梨', origin: '' })
    expect(missing.status).toBe(422)
    expect(missing.body.error.details[0]).toMatchObject({ field: 'origin' })

    const row = await app.ctx.db.knex('zg_forms').where({ key: 'goods' }).first()
    expect(JSON.parse(row.base_definition).fields.some((f: any) => f.key === 'origin')).toBe(false)
    expect(row.overlay).toContain('origin')
    expect(row.overlay).not.toContain('单价')
  })

  it('keeps the change and the data when the server restarts and reinstalls the same pack', async () => {
    const again = await installBundledPack(app.ctx.db, app.ctx.registry, shopPack('1.0.0'))
    expect(again.status).toBe('unchanged')
    const config = { ...loadConfig({}), port: 0, dataDir: app.database.dataDir, databaseUrl: app.database.databaseUrl, demo: false }
    const restarted = await createContext(config)
    try {
      await installBundledPack(restarted.db, restarted.registry, shopPack('1.0.0'))
      const form = restarted.registry.require('goods')
      expect(form.field('origin')?.def.required).toBe(true)
      expect(form.field('note')?.def.label).toBe('说明')
      expect((await restarted.records.list('goods')).data).toHaveLength(3)
    } finally {
      await restarted.db.close()
    }
  })

  it('upgrades the pack under the overlay: pack changes arrive, merchant changes and data stay', async () => {
    const v11 = shopPack('1.1.0', (fields) => {
      fields.push({ key: 'weight', type: 'number', label: '重量', scale: 1 })
      fields.find((f) => f.key === 'name').label = '商品名称'
    })
    const dry = await app.api.post('/api/packs', { pack: v11, dry_run: true })
    expect(dry.status).toBe(200)
    expect(dry.body.data).toMatchObject({ status: 'planned', from: '1.0.0', version: '1.1.0', conflicts: [] })
    expect(dry.body.data.forms[0]).toMatchObject({ key: 'goods', change: 'changed', customized: true, fields: { added: ['weight'], changed: ['name'] } })
    expect((await app.ctx.db.knex('zg_packs').where({ key: 'shop' }).first()).version).toBe('1.0.0')

    const up = await app.api.post('/api/packs', v11)
    expect(up.body.data.status).toBe('upgraded')
    const def = await definition()
    // The pack's new field sits beside its pack neighbour; the merchant's stays where they put it.
    expect(def.fields.map((f: any) => f.key)).toEqual(['name', 'qty', 'price', 'amount', 'grade', 'note', 'weight', 'origin'])
    expect(def.fields.find((f: any) => f.key === 'name').label).toBe('商品名称')
    expect(def.fields.find((f: any) => f.key === 'note').label).toBe('说明')
    expect((await records()).map((r: any) => [r.name, r.origin, r.weight])).toEqual([['苹果', '本地', null], ['香蕉', '本地', null], ['橙子', '本地', null]])
  })

  it('refuses an upgrade that conflicts with the merchant, changes nothing, and applies once resolved', async () => {
    // The merchant adds "barcode" and hides "price"; the pack then adds its own "barcode" and makes price required.
    const mine = await definition()
    mine.fields.push({ key: 'barcode', type: 'text', label: '我的条码' })
    mine.fields.find((f: any) => f.key === 'price').hidden = true
    expect((await put(mine)).status).toBe(200)
    await app.api.patch(`/api/forms/goods/records/1`, { barcode: 'MY-1' })

    const v12 = shopPack('1.2.0', (fields) => {
      fields.push({ key: 'weight', type: 'number', label: '重量', scale: 1 })
      fields.find((f) => f.key === 'name').label = '商品名称'
      fields.push({ key: 'barcode', type: 'text', label: '条码', index: true })
      fields.find((f) => f.key === 'price').required = true
    })
    const before = await app.ctx.db.knex('zg_forms').where({ key: 'goods' }).first()
    const refused = await app.api.post('/api/packs', v12)
    expect(refused.status).toBe(409)
    expect(refused.body.error).toMatchObject({ code: 'conflict', reason: 'pack_upgrade_conflicts', params: { pack: 'shop', version: '1.2.0', count: 2 } })
    const conflicts = refused.body.error.details.conflicts
    expect(conflicts.map((c: any) => [c.id, c.code]).sort()).toEqual([
      ['goods:fields[barcode]', 'key_taken'],
      ['goods:fields[price]', 'hidden_now_required'],
    ])
    const after = await app.ctx.db.knex('zg_forms').where({ key: 'goods' }).first()
    expect(after).toEqual(before)
    expect((await app.ctx.db.knex('zg_packs').where({ key: 'shop' }).first()).version).toBe('1.1.0')

    // As on start: a bundled upgrade that conflicts waits for the merchant, the server keeps running.
    const waiting = await installBundledPack(app.ctx.db, app.ctx.registry, v12)
    expect(waiting.status).toBe('waiting')
    const packs = (await app.api.get('/api/packs')).body.data
    expect(packs.find((p: any) => p.key === 'shop').pending_upgrade).toMatchObject({ version: '1.2.0' })

    const resolved = await app.api.post('/api/packs/shop/upgrade', { resolutions: { 'goods:fields[barcode]': 'mine', 'goods:fields[price]': 'pack' } })
    expect(resolved.status).toBe(200)
    expect(resolved.body.data.status).toBe('upgraded')
    const def = await definition()
    expect(def.fields.find((f: any) => f.key === 'barcode').label).toBe('我的条码')
    expect(def.fields.find((f: any) => f.key === 'price')).toMatchObject({ required: true })
    expect(def.fields.find((f: any) => f.key === 'price').hidden).toBeUndefined()
    expect((await app.api.get('/api/forms/goods/records/1')).body.data.barcode).toBe('MY-1')
    expect((await app.api.get('/api/packs')).body.data.find((p: any) => p.key === 'shop').pending_upgrade).toBeNull()
  })
})

describe('changing a field type converts its values', () => {
  it('previews text → number with the values that cannot convert, then converts keeping them in a backup column', async () => {
    const def = await definition()
    Object.assign(def.fields.find((f: any) => f.key === 'qty'), { type: 'number' })
    const dry = await put(def, true)
    expect(dry.status).toBe(200)
    expect(dry.body.data.impact.conversions).toEqual([
      { table: 'goods', field: 'qty', from: 'text', to: 'number', rows: 3, convertible: 2, unconvertible: { count: 1, sample: ['约20'] } },
    ])
    expect((await records()).map((r: any) => r.qty)).toEqual(['12', '约20', '1,200'])

    const saved = await put(def)
    expect(saved.status).toBe(200)
    expect((await records()).map((r: any) => r.qty)).toEqual(['12', null, '1200'])
    const backup = saved.body.data.form.retired_fields.find((r: any) => r.backup_of === 'qty')
    expect(backup.key).toBe('qty__bak1')
    const kept = await app.ctx.db.knex('f_goods').orderBy('id').pluck('qty__bak1')
    expect(kept).toEqual(['12', '约20', '1,200'])
    // Filters and sorts work on the converted column.
    const big = await app.api.post('/api/forms/goods/records/query', { filter: { field: 'qty', op: 'gt', value: '100' } })
    expect(big.body.data.map((r: any) => r.name)).toEqual(['橙子'])
  })

  it('converts select → text as labels, text → select by label, number → money with scale, single → multi select', async () => {
    const def = await definition()
    Object.assign(def.fields.find((f: any) => f.key === 'grade'), { type: 'text', options: undefined })
    delete def.fields.find((f: any) => f.key === 'grade').options
    Object.assign(def.fields.find((f: any) => f.key === 'note'), { type: 'select', options: [{ value: 'x', label: '甲' }, { value: 'ten', label: '10' }] })
    Object.assign(def.fields.find((f: any) => f.key === 'qty'), { type: 'money' })
    const saved = await put(def)
    expect(saved.status).toBe(200)
    const rows = await records()
    expect(rows.map((r: any) => r.grade)).toEqual(['甲', '乙', '甲'])
    expect(rows.map((r: any) => r.note)).toEqual(['ten', null, 'x'])
    expect(rows.map((r: any) => r.qty)).toEqual(['12.00', null, '1200.00'])

    const multi = await definition()
    Object.assign(multi.fields.find((f: any) => f.key === 'note'), { type: 'multi_select' })
    expect((await put(multi)).status).toBe(200)
    expect((await records()).map((r: any) => r.note)).toEqual([['ten'], [], ['x']])
    const query = await app.api.post('/api/forms/goods/records/query', { filter: { field: 'note', op: 'in', value: ['x'] } })
    expect(query.body.data.map((r: any) => r.name)).toEqual(['橙子'])
  })

  it('recomputes a changed formula for every record', async () => {
    const def = await definition()
    def.fields.find((f: any) => f.key === 'amount').formula = 'price * 3'
    const dry = await put(def, true)
    expect(dry.body.data.impact.recompute).toEqual([{ table: 'goods', field: 'amount' }])
    await put(def)
    expect((await records()).map((r: any) => r.amount)).toEqual(['10.50', '6.00', '15.00'])
  })

  it('refuses a bad definition with the path, and callers who may not design', async () => {
    const def = await definition()
    def.fields.push({ key: 'bad', type: 'formula', label: '坏', formula: 'price * nosuch' })
    const res = await put(def)
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe('invalid_template')
    expect(res.body.error.details[0].path).toMatch(/^form\.fields\[\d+\]/)
    const renamed = { ...(await definition()), key: 'other' }
    expect((await put(renamed)).status).toBe(422)
    const member = await app.clientFor('clerk', 'staff')
    expect((await member.request('PUT', '/api/forms/goods', await definition())).status).toBe(403)
    expect((await member.post('/api/forms', { key: 'x', label: 'X', fields: [{ key: 'a', type: 'text', label: 'A' }] })).status).toBe(403)
  })
})

describe('a merchant’s own forms', () => {
  it('creates, links, refuses to retire while linked, retires and purges', async () => {
    const created = await app.api.post('/api/forms', { key: 'suppliers_x', label: '供货商', title_field: 'name', fields: [{ key: 'name', type: 'text', label: '名称', required: true }] })
    expect(created.status).toBe(201)
    expect(created.body.data.origin).toEqual({ pack: null, customized: false, own: true })
    expect((await app.api.post('/api/forms', { key: 'suppliers_x', label: '重复', fields: [{ key: 'a', type: 'text', label: 'A' }] })).status).toBe(409)
    const supplier = (await app.api.post('/api/forms/suppliers_x/records', { name: '果园' })).body.data

    const def = await definition()
    def.fields.push({ key: 'supplier', type: 'link', label: '供货商', form: 'suppliers_x' })
    expect((await put(def)).status).toBe(200)
    await app.api.patch('/api/forms/goods/records/1', { supplier: supplier.id })
    const linked = await app.api.delete('/api/forms/suppliers_x')
    expect(linked.status).toBe(409)

    const unlinked = await definition()
    unlinked.fields = unlinked.fields.filter((f: any) => f.key !== 'supplier')
    expect((await put(unlinked)).status).toBe(200)
    // A pack form cannot be deleted, only the merchant's own.
    expect((await app.api.delete('/api/forms/goods')).status).toBe(409)
    expect((await app.api.delete('/api/forms/suppliers_x')).status).toBe(200)
    expect((await app.api.get('/api/forms/suppliers_x')).status).toBe(404)
    expect(await app.ctx.db.knex('f_suppliers_x').count({ n: '*' }).first()).toMatchObject({ n: expect.anything() })
    expect((await app.api.delete('/api/forms/suppliers_x?purge=true')).status).toBe(400)
    expect((await app.api.delete('/api/forms/suppliers_x?purge=true&confirm=suppliers_x')).status).toBe(200)
    expect(await app.ctx.db.knex.schema.hasTable('f_suppliers_x')).toBe(false)
  })
})

describe('the bundled Taobao ERP', () => {
  it('keeps a customised bundled form and its data across a restart', async () => {
    const erp = await startTestApp({ bundled: { sampleData: false } })
    try {
      const skus = (await erp.api.get('/api/forms/skus')).body.data.definition
      skus.fields.push({ key: 'shelf', type: 'text', label: '货架位' })
      expect((await erp.api.request('PUT', '/api/forms/skus', skus)).status).toBe(200)
      const config = { ...loadConfig({}), port: 0, dataDir: erp.database.dataDir, databaseUrl: erp.database.databaseUrl, demo: false }
      const restarted = await createContext(config)
      try {
        const results = await installBundledPacks(restarted, { sampleData: false })
        expect(results.every((r) => r.status === 'unchanged')).toBe(true)
        expect(restarted.registry.require('skus').field('shelf')).toBeDefined()

        // A later bundled version that also adds "shelf" waits for the merchant; the running version stays.
        const installed = (await restarted.db.knex('zg_packs').where({ key: 'taobao_erp' }).first()).version
        const next = readPack(path.join(TEMPLATES_DIR, 'taobao-erp')) as any
        next.version = '99.0.0'
        next.forms.find((f: any) => f.key === 'skus').fields.push({ key: 'shelf', type: 'text', label: '库位' })
        const waiting = await installBundledPack(restarted.db, restarted.registry, next, { handlers: restarted.actions.names() })
        expect(waiting).toMatchObject({ status: 'waiting', from: installed, conflicts: [{ id: 'skus:fields[shelf]', code: 'key_taken' }] })
        expect((await restarted.db.knex('zg_packs').where({ key: 'taobao_erp' }).first()).version).toBe(installed)
        expect(restarted.registry.require('skus').field('shelf')!.def.label).toBe('货架位')
        const taken = await erp.api.post('/api/packs/taobao_erp/upgrade', { resolutions: { 'skus:fields[shelf]': 'pack' } })
        expect(taken.status).toBe(200)
        expect((await erp.api.get('/api/forms/skus')).body.data.definition.fields.find((f: any) => f.key === 'shelf').label).toBe('库位')
      } finally {
        await restarted.db.close()
      }
    } finally {
      await erp.close()
    }
  })
})
