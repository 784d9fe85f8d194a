import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SQLITE_FILE } from '../../server/db/connect'
import { apiClient, startTestApp, type ApiResponse, type TestApp } from '../support/app'

let app: TestApp
beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
})
afterAll(async () => {
  await app?.close()
})

/** Every name Object.prototype has, and `prototype`: none may reach a prototype through a lookup. */
const PROTOTYPE_NAMES = [...Object.getOwnPropertyNames(Object.prototype), 'prototype']

function not500(res: ApiResponse, what: string) {
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(400)
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBeLessThan(500)
  expect(res.body?.error?.reason, what).toEqual(expect.any(String))
}

async function loginCookie(username = 'admin', password = 'admin-password'): Promise<string> {
  const res = await fetch(`${app.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  expect(res.status).toBe(200)
  return res.headers.get('set-cookie')!.split(';')[0]
}

describe('security headers', () => {
  it('come with every API answer, JSON ones not to be stored', async () => {
    for (const res of [await app.api.get('/api/forms'), await apiClient(app.baseUrl).get('/api/forms'), await app.api.get('/api/health')]) {
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
      // no inline script of any kind: markup that slipped through cannot run
      expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'( 'unsafe-eval')?;/)
      expect(res.headers.get('content-security-policy')).toContain("script-src-attr 'none'")
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('x-frame-options')).toBe('DENY')
      expect(res.headers.get('referrer-policy')).toBe('same-origin')
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(res.headers.get('x-powered-by')).toBeNull()
    }
    // An error answer too (401 above), and a login.
    const login = await fetch(`${app.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(login.status).toBe(400)
    expect(login.headers.get('cache-control')).toBe('no-store')
  })
})

describe('a JavaScript prototype name', () => {
  it('is refused as a key by the template schema, with a code', async () => {
    for (const key of ['constructor', 'prototype', '__proto__', 'toString']) {
      const pack = {
        format: 'zhanggui.pack/1', key: 'proto_pack', name: 'p', version: '1.0.0',
        forms: [{ key: 'things', label: 't', fields: [{ key, type: 'text', label: 'c' }] }],
      }
      const res = await app.api.post('/api/packs', { pack })
      expect(res.status, JSON.stringify(res.body)).toBe(422)
      expect(res.body.error.details, key).toContainEqual(expect.objectContaining({ path: 'forms[0].fields[0].key', code: 'key_reserved', params: { key } }))
      const form = await app.api.post('/api/packs', { pack: { ...pack, forms: [{ key, label: 't', fields: [{ key: 'name', type: 'text', label: 'n' }] }] } })
      expect(form.status).toBe(422)
      expect(form.body.error.details).toContainEqual(expect.objectContaining({ path: 'forms[0].key', code: 'key_reserved' }))
      const options = [{ value: key, label: 'x' }, { value: 'ok', label: 'y' }]
      const option = await app.api.post('/api/packs', { pack: { ...pack, forms: [{ key: 'things', label: 't', fields: [{ key: 'grade', type: 'select', label: 'g', options }] }] } })
      expect(option.status).toBe(422)
      expect(option.body.error.details).toContainEqual(expect.objectContaining({ path: 'forms[0].fields[0].options[0].value', code: 'key_reserved', params: { key } }))
      const actions = [{ key, label: 'a', set: { name: 'x' } }]
      const action = await app.api.post('/api/packs', { pack: { ...pack, forms: [{ key: 'things', label: 't', fields: [{ key: 'name', type: 'text', label: 'n' }], actions }] } })
      expect(action.status).toBe(422)
      expect(action.body.error.details).toContainEqual(expect.objectContaining({ path: 'forms[0].actions[0].key', code: 'key_reserved' }))
    }
  })

  it('in filters, sorts, groups, params, settings and record input is a 4xx, never a 500', async () => {
    const quote = await app.api.post('/api/forms/contacts/records', { name: '原型' })
    expect(quote.status).toBe(201)
    const id = quote.body.data.id
    for (const name of PROTOTYPE_NAMES) {
      const q = (body: unknown) => app.api.post('/api/forms/quotes/records/query', body)
      // sent together, checked in order
      const checks: [string, Promise<ApiResponse>][] = []
      checks.push([`filter on ${name}`, q({ filter: { field: name, op: 'eq', value: 1 } })])
      checks.push([`op ${name}`, q({ filter: { field: 'customer', op: name, value: 1 } })])
      checks.push([`lines filter on ${name}`, q({ filter: { field: 'lines', op: 'any', where: { field: name, op: 'eq', value: 1 } } })])
      checks.push([`parent.${name}`, q({ filter: { field: `parent.${name}`, op: 'eq', value: 1 } })])
      checks.push([`filter key ${name}`, q({ filter: { [name]: [] } })])
      for (const variable of ['$var', '$date', '$range', name]) {
        checks.push([`value {${variable}: ${name}}`, q({ filter: { field: 'quote_date', op: 'eq', value: { [variable]: name } } })])
      }
      checks.push([`dashboard save ${name}`, app.api.request('PUT', `/api/dashboards/${name}`, { key: name, label: 'x', widgets: [{ key: name, type: name }] })])
      checks.push([`view group ${name}`, app.api.post('/api/forms/contacts/views', { label: 'g', group_by: { field: name, by: name }, sort: [name] })])
      checks.push([`sort ${name}`, q({ sort: name })])
      checks.push([`sort -${name}`, q({ sort: [`-${name}`] })])
      checks.push([`GET ${name}`, app.api.get(`/api/forms/quotes/records?sort=${name}&filter=${encodeURIComponent(JSON.stringify({ field: name, op: 'eq', value: 1 }))}`)])
      const aggregate = (body: unknown) => app.api.post('/api/forms/quotes/records/aggregate', body)
      checks.push([`group_by ${name}`, aggregate({ group_by: [{ field: name }], measures: [{ fn: 'count', as: 'n' }] })])
      checks.push([`measure fn ${name}`, aggregate({ measures: [{ fn: name, field: 'total', as: 'n' }] })])
      checks.push([`measure field ${name}`, aggregate({ measures: [{ fn: 'sum', field: name, as: 'n' }] })])
      checks.push([`bucket ${name}`, aggregate({ group_by: [{ field: 'quote_date', by: name }], measures: [{ fn: 'count', as: 'n' }] })])
      checks.push([`create with ${name}`, app.api.request('POST', '/api/forms/contacts/records', `{"name":"x","${name}":1}`)])
      checks.push([`update with ${name}`, app.api.request('PATCH', `/api/forms/contacts/records/${id}`, `{"${name}":{"a":1}}`)])
      checks.push([`action ${name}`, app.api.post(`/api/forms/contacts/records/${id}/actions/${name}`, {})])
      checks.push([`form ${name}`, app.api.post(`/api/forms/${name}/records/query`, {})])
      checks.push([`dashboard ${name}`, app.api.get(`/api/dashboards/${name}`)])
      checks.push([`report ${name}`, app.api.get(`/api/reports/${name}`)])
      checks.push([`view with ${name}`, app.api.post('/api/forms/contacts/views', { label: 'v', [name]: 1, columns: [name] })])
      checks.push([`export ${name}`, app.api.post('/api/forms/contacts/export', { format: name, columns: [name] })])
      checks.push([`upsert by ${name}`, app.api.post('/api/forms/contacts/records/upsert', { by: [name], records: [{ name: 'x' }] })])
      for (const [what, res] of checks) not500(await res, what)
      const orders = await app.api.post('/api/forms/stock_in/records/query', { filter: { field: 'doc_status', op: 'eq', value: name } })
      expect(orders.status, name).toBeLessThan(500)
      // Settings are opaque JSON the user keeps: stored and answered as given.
      const setting = await app.api.request('PUT', `/api/me/settings/grid.${name.toLowerCase().replace(/[^a-z0-9_.:-]/g, '_')}`, `{"value":{"${name}":{"${name}":1}}}`)
      expect(setting.status, name).toBe(200)
      expect(Object.keys(setting.body.data)).toEqual([name])
    }
  })
})

describe('bad bodies and uploads', () => {
  it('answers 4xx with a code for a 100,000-deep body, two files, an unexpected field and a cut-off form', async () => {
    let deep = '1'
    for (let i = 0; i < 100_000; i++) deep = `[${deep}]`
    const settings = await app.api.request('PUT', '/api/me/settings/deep', `{"value":${deep}}`)
    expect(settings.status).toBe(413)
    expect(settings.body.error).toMatchObject({ code: 'too_large', reason: 'body_too_deep', params: { max: 64 } })
    not500(await app.api.request('POST', '/api/forms/contacts/records/query', `{"filter":${deep.replace(/\[/g, '{"not":').replace(/\]/g, '}')}}`), 'deep filter')
    const upload = (form: FormData) => fetch(`${app.baseUrl}/api/files`, { method: 'POST', headers: { authorization: `Bearer ${app.token}` }, body: form })
    const two = new FormData()
    two.append('file', new Blob(['a']), 'a.txt')
    two.append('file', new Blob(['b']), 'b.txt')
    let res = await upload(two)
    expect(res.status).toBe(400)
    expect(((await res.json()) as any).error).toMatchObject({ reason: 'upload_refused', params: { limit: 'LIMIT_FILE_COUNT' } })
    const odd = new FormData()
    odd.append('other', new Blob(['a']), 'a.txt')
    res = await upload(odd)
    expect(res.status).toBe(400)
    expect(((await res.json()) as any).error).toMatchObject({ reason: 'upload_refused', params: { field: 'other', limit: 'LIMIT_UNEXPECTED_FILE' } })
    res = await fetch(`${app.baseUrl}/api/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.token}`, 'content-type': 'multipart/form-data; boundary=xx' },
      body: '--xx\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc',
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as any).error.reason).toBe('upload_malformed')
    // The pack upload takes one file too.
    const packs = new FormData()
    packs.append('file', new Blob(['{}']), 'a.json')
    packs.append('file', new Blob(['{}']), 'b.json')
    const pack = await fetch(`${app.baseUrl}/api/packs/file`, { method: 'POST', headers: { authorization: `Bearer ${app.token}` }, body: packs })
    expect(pack.status).toBe(400)
  })
})

describe('required text', () => {
  it('refuses values that are only whitespace or control characters', async () => {
    for (const name of ['   ', '\t\n', '\u3000', '\u0000\u0007', '\u200b', ' \u00a0 ']) {
      const res = await app.api.post('/api/forms/contacts/records', { name })
      expect(res.status, JSON.stringify(name)).toBe(422)
      expect(res.body.error.details, JSON.stringify(name)).toContainEqual(expect.objectContaining({ field: 'name', code: 'required' }))
    }
    const created = await app.api.post('/api/forms/contacts/records', { name: ' 张三 ' })
    expect(created.status).toBe(201)
    const blank = await app.api.patch(`/api/forms/contacts/records/${created.body.data.id}`, { name: '\u3000' })
    expect(blank.status).toBe(422)
    // Lines too.
    const customer = created.body.data.id
    const item = await app.api.post('/api/forms/items/records', { sku: '\t', name: 'n', price: '1.00' })
    expect(item.status).toBe(422)
    expect(customer).toBeGreaterThan(0)
  })
})

describe('SQL through filter, sort and field keys', () => {
  it('is refused with 422/400 and leaves the table intact', async () => {
    await app.api.post('/api/forms/contacts/records', { name: 'Robert' })
    const before = (await app.api.get('/api/forms/contacts/records?limit=500')).body.total
    const attempts = [
      { filter: { field: "name'; DROP TABLE f_contacts; --", op: 'eq', value: 1 } },
      { filter: { field: 'name', op: "eq' OR 1=1 --", value: 1 } },
      { sort: 'name; DROP TABLE f_contacts' },
      { sort: ['(SELECT 1)'] },
      { filter: { field: 'name', op: 'eq', value: "x' OR '1'='1" } },
    ]
    for (const body of attempts) {
      const res = await app.api.post('/api/forms/contacts/records/query', body)
      if ('sort' in body) expect(res.status, JSON.stringify(body)).toBe(400)
      else if (JSON.stringify(body).includes('OR \'1')) expect(res.body.data).toEqual([])
      else expect(res.status, JSON.stringify(body)).toBe(422)
    }
    const create = await app.api.request('POST', '/api/forms/contacts/records', { name: 'x', "name = 'y'; --": 1 })
    expect(create.status).toBe(422)
    expect((await app.api.get('/api/forms/contacts/records?limit=500')).body.total).toBe(before)
  })

  it('guards exports against formula injection', async () => {
    await app.api.post('/api/forms/contacts/records', { name: '=HYPERLINK("http://evil.example","x")' })
    const res = await fetch(`${app.baseUrl}/api/forms/contacts/export?format=csv`, { headers: { authorization: `Bearer ${app.token}` } })
    const text = await res.text()
    expect(text).toContain(`'=HYPERLINK`)
    expect(text).not.toMatch(/(^|,)"?=HYPERLINK/m)
  })
})

describe('CSRF', () => {
  it('refuses cross-site cookie writes: records, form writes, logout, and Sec-Fetch-Site cross-site without Origin', async () => {
    const cookie = await loginCookie()
    const session = apiClient(app.baseUrl, { cookie })
    const evil = { origin: 'https://evil.example' }
    expect((await session.request('POST', '/api/forms/contacts/records', { name: 'csrf' }, evil)).status).toBe(403)
    expect((await session.request('PUT', '/api/me/settings/grid.x', { value: 1 }, evil)).status).toBe(403)
    expect((await session.request('POST', '/api/forms/contacts/views', { label: 'v' }, evil)).status).toBe(403)
    expect((await session.request('POST', '/api/auth/logout', {}, evil)).status).toBe(403)
    const noOrigin = await session.request('POST', '/api/forms/contacts/records', { name: 'csrf' }, { 'sec-fetch-site': 'cross-site' })
    expect(noOrigin.status).toBe(403)
    expect(noOrigin.body.error.reason).toBe('cross_site')
    expect((await session.request('POST', '/api/auth/login', { username: 'admin', password: 'admin-password' }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    // The same page's own requests pass.
    expect((await session.request('POST', '/api/forms/contacts/records', { name: 'ok' }, { origin: app.baseUrl, 'sec-fetch-site': 'same-origin' })).status).toBe(201)
    expect((await session.get('/api/auth/me')).status).toBe(200)
  })
})

describe('files on disk', () => {
  it('are created readable by the owner only', async () => {
    if (app.database.kind !== 'sqlite') return
    const dir = app.database.dataDir
    const mode = (file: string) => fs.statSync(file).mode & 0o777
    expect(mode(dir)).toBe(0o700)
    expect(mode(path.join(dir, SQLITE_FILE))).toBe(0o600)
    for (const extra of ['-wal', '-shm']) if (fs.existsSync(path.join(dir, SQLITE_FILE + extra))) expect(mode(path.join(dir, SQLITE_FILE + extra))).toBe(0o600)
    const form = new FormData()
    form.append('file', new Blob(['hello']), 'a.txt')
    const res = await fetch(`${app.baseUrl}/api/files`, { method: 'POST', headers: { authorization: `Bearer ${app.token}` }, body: form })
    expect(res.status).toBe(201)
    const files = path.join(dir, 'files')
    expect(mode(files)).toBe(0o700)
    const [bucket] = fs.readdirSync(files)
    expect(mode(path.join(files, bucket))).toBe(0o700)
    for (const name of fs.readdirSync(path.join(files, bucket))) expect(mode(path.join(files, bucket, name))).toBe(0o600)
    expect(mode(path.join(dir, 'secret.key'))).toBe(0o600)
  })
})
