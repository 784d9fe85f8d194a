import fs from 'node:fs'
import path from 'node:path'
import JSZip from 'jszip'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'
import { zg as runZg } from '../support/cli'
import { starterPack } from '../support/packs'

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')

/** A exports, B is a fresh instance, C has the starter pack without A's changes. */
let a: TestApp
let b: TestApp
let c: TestApp
let exported: { pack: any; zip: Buffer }

const SYSTEM = new Set(['id', 'version', 'created_at', 'updated_at', 'created_by', 'updated_by', 'owner', 'no'])

/** A record as another instance would hold it: ids and people differ, names and values do not. */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable)
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>
    if ('display' in v && 'id' in v) return v.display
    if ('mime' in v && 'name' in v) return `${v.name} ${v.size}`
    return Object.fromEntries(Object.entries(v).filter(([k]) => !SYSTEM.has(k)).map(([k, x]) => [k, comparable(x)]))
  }
  return value
}

async function records(app: TestApp, form: string) {
  return comparable((await app.api.get(`/api/forms/${form}/records?sort=id&limit=100&lines=true`)).body.data)
}

async function upload(app: TestApp, file: Buffer, name: string, query = '') {
  const body = new FormData()
  body.append('file', new Blob([new Uint8Array(file)]), name)
  const res = await fetch(`${app.baseUrl}/api/packs/file${query}`, { method: 'POST', body, headers: { authorization: `Bearer ${app.token}` } })
  return { status: res.status, body: (await res.json()) as any }
}

async function exportFile(app: TestApp, body: Record<string, unknown>) {
  const res = await fetch(`${app.baseUrl}/api/packs/export`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${app.token}`, 'content-type': 'application/json' } })
  return { status: res.status, type: res.headers.get('content-type') ?? '', disposition: res.headers.get('content-disposition') ?? '', buffer: Buffer.from(await res.arrayBuffer()) }
}

const formRow = (app: TestApp, key: string) => app.ctx.db.knex('zg_forms').where({ key }).first()

beforeAll(async () => {
  ;[a, b, c] = await Promise.all([startTestApp({ packs: [starterPack()] }), startTestApp(), startTestApp({ packs: [starterPack()] })])
  // The merchant's changes on A: a field and a shared view on a pack form, and a form of their own linking to it.
  const def = (await a.api.get('/api/forms/contacts')).body.data.definition
  def.fields.push({ key: 'wechat', type: 'text', label: '微信' })
  def.views.push({ key: 'vip', label: '重要客户', columns: ['name', 'wechat'], sort: ['-name'] })
  expect((await a.api.request('PUT', '/api/forms/contacts', def)).status).toBe(200)
  const own = { key: 'visits', label: '拜访记录', title_field: 'topic', fields: [{ key: 'topic', type: 'text', label: '主题', required: true }, { key: 'contact', type: 'link', form: 'contacts', label: '客户' }, { key: 'day', type: 'date', label: '日期' }] }
  expect((await a.api.post('/api/forms', own)).status).toBe(201)

  const form = new FormData()
  form.append('file', new Blob([new Uint8Array(PNG)]), '名片.png')
  const photo = await (await fetch(`${a.baseUrl}/api/files?form=contacts`, { method: 'POST', body: form, headers: { authorization: `Bearer ${a.token}` } })).json()
  const zhang = (await a.api.post('/api/forms/contacts/records', { name: '张三', wechat: 'zs88', level: 'vip', photo: [photo.data.id], address: { province: '浙江省', city: '杭州市' } })).body.data
  await a.api.post('/api/forms/contacts/records', { name: '李四', tags: ['wholesale'] })
  const cup = (await a.api.post('/api/forms/items/records', { sku: 'C1', name: '杯子', price: '12.50' })).body.data
  const pot = (await a.api.post('/api/forms/items/records', { sku: 'P1', name: '茶壶', price: '88.00' })).body.data
  const quote = await a.api.post('/api/forms/quotes/records', { customer: zhang.id, quote_date: '2026-11-02', lines: [{ product: cup.id, qty: 3 }, { product: pot.id, qty: 1 }] })
  expect(quote.status).toBe(201)
  expect((await a.api.post('/api/forms/visits/records', { topic: '回访', contact: zhang.id, day: '2026-11-03' })).status).toBe(201)
})
afterAll(async () => {
  await Promise.all([a?.close(), b?.close(), c?.close()])
})

describe('pack files: export', () => {
  it('exports a form with the merchant’s overlay folded in and records where it came from', async () => {
    const res = await exportFile(a, { forms: ['contacts'] })
    expect(res.status).toBe(200)
    expect(res.disposition).toContain('.zgpack.json')
    const pack = JSON.parse(res.buffer.toString('utf8'))
    const contacts = pack.forms[0]
    expect(contacts.fields.map((f: any) => f.key)).toContain('wechat')
    expect(contacts.views.map((v: any) => v.key)).toEqual(['all', 'vip'])
    expect(pack.sources.forms.contacts).toMatchObject({ pack: 'starter', version: starterPack().version })
    expect(pack.sources.forms.contacts.base.fields.map((f: any) => f.key)).not.toContain('wechat')
    expect(pack.sample_data).toBeUndefined()
  })

  it('names the linked forms an export lacks, and pulls them in on request', async () => {
    const refused = await a.api.post('/api/packs/export', { forms: ['quotes'] })
    expect(refused.status).toBe(400)
    expect(refused.body.error.reason).toBe('pack_export_missing_links')
    expect(refused.body.error.params.forms.split(', ').sort()).toEqual(['contacts', 'items'])
    const plan = await a.api.post('/api/packs/export', { forms: ['quotes'], include_linked: true, dry_run: true })
    expect(plan.body.data).toEqual({ forms: ['quotes', 'contacts', 'items'], missing: [] })
  })

  it('exports forms with their records as a zip: links as $refs, lines inline, files carried', async () => {
    const res = await exportFile(a, { forms: ['contacts', 'items', 'quotes', 'visits'], with_data: true, key: 'crm', name: '我的客户管理', version: '1.2.0', author: '小张' })
    expect(res.status).toBe(200)
    expect(res.type).toContain('zip')
    const zip = await JSZip.loadAsync(res.buffer)
    const pack = JSON.parse(await zip.file('pack.json')!.async('string'))
    expect(pack).toMatchObject({ key: 'crm', version: '1.2.0', author: '小张' })
    expect(pack.sources.forms.visits).toBeUndefined()
    expect(pack.sample_data.quotes[0].customer).toEqual({ $ref: 'contacts:0' })
    expect(pack.sample_data.quotes[0].lines.map((l: any) => l.product)).toEqual([{ $ref: 'items:0' }, { $ref: 'items:1' }])
    const photo = pack.sample_data.contacts[0].photo[0]
    expect(photo.name).toBe('名片.png')
    expect(Buffer.compare(await zip.file(photo.$file)!.async('nodebuffer'), PNG)).toBe(0)
    exported = { pack, zip: res.buffer }
  })
})

describe('pack files: install', () => {
  it('installs an export into a fresh instance after a preview: the same forms, views and data', async () => {
    const before = await b.ctx.db.knex('zg_forms').count({ n: '*' }).first()
    const preview = await upload(b, exported.zip, 'crm.zgpack.zip', '?dry_run=true')
    expect(preview.status).toBe(200)
    expect(preview.body.data.status).toBe('planned')
    expect(preview.body.data.forms.map((f: any) => [f.key, f.action, f.pack])).toEqual([
      ['contacts', 'create', 'crm'],
      ['items', 'create', 'crm'],
      ['quotes', 'create', 'crm'],
      ['visits', 'create', 'crm'],
    ])
    expect(preview.body.data.forms[0].fields.added).toContain('wechat')
    expect(preview.body.data.records).toMatchObject({ contacts: 2, items: 2, quotes: 1, visits: 1 })
    expect(preview.body.data.conflicts).toEqual([])
    expect(await b.ctx.db.knex('zg_forms').count({ n: '*' }).first()).toEqual(before)

    const done = await upload(b, exported.zip, 'crm.zgpack.zip')
    expect(done.status).toBe(200)
    expect(done.body.data.status).toBe('installed')
    for (const key of ['contacts', 'items', 'quotes', 'visits']) {
      expect(b.ctx.registry.require(key).def).toEqual(a.ctx.registry.require(key).def)
      expect(await records(b, key)).toEqual(await records(a, key))
    }
    expect((await b.ctx.db.knex('zg_packs').where({ key: 'crm' }).first()).version).toBe('1.2.0')
    const photo = (await b.api.get('/api/forms/contacts/records?sort=id')).body.data[0].photo[0]
    const bytes = Buffer.from(await (await fetch(`${b.baseUrl}${photo.url}`, { headers: { authorization: `Bearer ${b.token}` } })).arrayBuffer())
    expect(Buffer.compare(bytes, PNG)).toBe(0)
  })

  it('where the source pack is installed, the exported changes become the merchant’s overlay', async () => {
    const json = (await exportFile(a, { forms: ['contacts'] })).buffer
    const base = (await formRow(c, 'contacts')).base_definition
    const res = await upload(c, json, 'contacts.zgpack.json', '?dry_run=true')
    expect(res.body.data.forms).toEqual([expect.objectContaining({ key: 'contacts', action: 'customize', pack: 'starter', fields: { added: ['wechat'], changed: [], removed: [] } })])
    expect((await upload(c, json, 'contacts.zgpack.json')).status).toBe(200)
    const row = await formRow(c, 'contacts')
    expect(row.pack_key).toBe('starter')
    expect(row.base_definition).toBe(base)
    expect(JSON.stringify(JSON.parse(row.overlay))).toContain('wechat')
    expect(c.ctx.registry.require('contacts').def).toEqual(a.ctx.registry.require('contacts').def)
    expect(await c.ctx.db.knex('zg_packs').where({ key: 'my_forms' }).first()).toBeUndefined()
  })

  it('upgrades the source pack first when the export’s version of it is newer', async () => {
    const pack = JSON.parse((await exportFile(a, { forms: ['contacts'] })).buffer.toString('utf8'))
    const source = pack.sources.forms.contacts
    source.version = '9.0.0'
    source.base.fields.push({ key: 'origin', type: 'text', label: '产地' })
    pack.forms[0].fields.push({ key: 'origin', type: 'text', label: '产地' }, { key: 'shelf', type: 'text', label: '货架' })
    const preview = await c.api.post('/api/packs/file?dry_run=true', pack)
    expect(preview.body.data.upgrades).toEqual([{ pack: 'starter', from: starterPack().version, to: '9.0.0' }])
    expect((await c.api.post('/api/packs/file', pack)).status).toBe(200)
    expect((await c.ctx.db.knex('zg_packs').where({ key: 'starter' }).first()).version).toBe('9.0.0')
    const row = await formRow(c, 'contacts')
    expect(JSON.parse(row.base_definition).fields.map((f: any) => f.key)).toContain('origin')
    expect(JSON.parse(row.base_definition).fields.map((f: any) => f.key)).not.toContain('shelf')
    expect(JSON.stringify(JSON.parse(row.overlay))).toContain('shelf')
  })

  it('refuses forms whose key a merchant’s own form or another pack’s form holds, changing nothing', async () => {
    await c.api.post('/api/forms', { key: 'visits', label: '我的拜访', fields: [{ key: 'topic', type: 'text', label: '主题' }] })
    const zip = exported.zip
    const contactsBefore = await formRow(c, 'contacts')
    const refused = await upload(c, zip, 'crm.zgpack.zip')
    expect(refused.status).toBe(409)
    expect(refused.body.error.reason).toBe('pack_install_conflicts')
    expect(refused.body.error.details.conflicts).toEqual([{ form: 'visits', code: 'own_form' }])
    expect(await formRow(c, 'contacts')).toEqual(contactsBefore)
    expect(await c.ctx.db.knex('zg_packs').where({ key: 'crm' }).first()).toBeUndefined()

    // A pack of its own (no sources) naming a key the starter pack holds.
    const other = { format: 'zhanggui.pack/1', key: 'other', name: '别的', version: '1.0.0', forms: [{ key: 'items', label: '货品', fields: [{ key: 'name', type: 'text', label: '名称' }] }] }
    const dry = await c.api.post('/api/packs/file?dry_run=true', other)
    expect(dry.body.data.conflicts).toEqual([{ form: 'items', code: 'other_pack', pack: 'starter' }])
    expect((await c.api.post('/api/packs/file', other)).status).toBe(409)
  })

  it('a malformed pack file is a coded error naming the place, and changes nothing', async () => {
    const count = async () => (await b.ctx.db.knex('zg_forms').count({ n: '*' }).first())!.n
    const before = await count()
    const notJson = await upload(b, Buffer.from('{"format": "zhanggui.pack/1", '), 'broken.zgpack.json')
    expect(notJson.status).toBe(400)
    expect(notJson.body.error).toMatchObject({ reason: 'pack_file_not_json', params: { file: 'broken.zgpack.json' } })
    const bad = { format: 'zhanggui.pack/1', key: 'bad', name: '坏的', version: '1.0.0', forms: [{ key: 'ok', label: 'OK', fields: [{ key: 'a', type: 'text', label: 'A' }, { key: 'b', type: 'no_such_type', label: 'B' }] }] }
    const invalid = await upload(b, Buffer.from(JSON.stringify(bad)), 'bad.zgpack.json')
    expect(invalid.status).toBe(422)
    expect(invalid.body.error.details[0].path).toBe('forms[0].fields[1].type')
    const zip = new JSZip()
    zip.file('readme.txt', 'no pack here')
    const empty = await upload(b, await zip.generateAsync({ type: 'nodebuffer' }), 'empty.zgpack.zip')
    expect(empty.body.error).toMatchObject({ reason: 'pack_file_missing_entry', params: { entry: 'pack.json' } })
    expect(await count()).toBe(before)
  })
})

describe('pack files: bundled packs and the CLI', () => {
  it('lists the bundled packs with what the template centre shows', async () => {
    const list = (await b.api.get('/api/packs/bundled')).body.data
    const starter = list.find((p: any) => p.key === 'starter')
    expect(starter).toMatchObject({ version: starterPack().version, installed: null, upgradable: false })
    expect(starter.forms.map((f: any) => f.key)).toEqual(['contacts', 'items', 'quotes'])
    const installedOnA = (await a.api.get('/api/packs/bundled')).body.data.find((p: any) => p.key === 'starter')
    expect(installedOnA.installed).toBe(starterPack().version)
  })

  /** Runs `npm run zg -- …` on an app's database (in-process). */
  const zg = (app: TestApp, ...args: string[]) => runZg(app.database, ...args)

  it('zg pack export, install (refused: exit 1, nothing changed) and list', async () => {
    const out = path.join(a.database.dataDir, 'visits.zgpack.json')
    const broken = path.join(a.database.dataDir, 'broken.zgpack.json')
    fs.writeFileSync(broken, JSON.stringify({ format: 'zhanggui.pack/1', key: 'x', name: 'X', version: '1', forms: [] }))
    // Independent runs side by side (each opens its own context, as a second process would).
    const [exportRun, wrong, list] = await Promise.all([
      zg(a, 'pack', 'export', '--forms', 'visits', '--with-linked', '--out', out, '--key', 'visits_pack'),
      zg(c, 'pack', 'install', broken),
      zg(c, 'pack', 'list'),
    ])
    expect(exportRun.code).toBe(0)
    expect(exportRun.out).toContain('Exported 2 form(s)')
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).forms.map((f: any) => f.key)).toEqual(['visits', 'contacts'])
    expect(wrong.code).toBe(1)
    expect(wrong.out).toMatch(/ {2}version: /)
    expect(wrong.out).toMatch(/ {2}forms: /)
    expect(list.code).toBe(0)
    expect(list.out).toMatch(/Installed:\n {2}starter\t9\.0\.0/)

    // C has its own "visits": the CLI prints the conflict, exits 1 and installs nothing.
    const refused = await zg(c, 'pack', 'install', out)
    expect(refused.code).toBe(1)
    expect(refused.out).toContain('! visits: one of your own forms has this key')
    expect(await c.ctx.db.knex('zg_packs').where({ key: 'visits_pack' }).first()).toBeUndefined()
  }, 120_000)
})
