import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiClient, startTestApp, type TestApp } from '../support/app'
import { starterPack } from '../support/packs'

let app: TestApp
beforeAll(async () => {
  const pack = starterPack()
  pack.forms.push({ key: 'ledger', label: '流水', system_written: true, fields: [{ key: 'memo', type: 'text', label: '摘要' }] })
  app = await startTestApp({ packs: [pack] })
})
afterAll(async () => {
  await app?.close()
})

async function login(username: string, password: string) {
  const res = await fetch(`${app.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  return { status: res.status, cookie: res.headers.get('set-cookie'), body: await res.json().catch(() => null) }
}

describe('authentication', () => {
  it('logs in with a session cookie and out again', async () => {
    expect((await login('admin', 'wrong-password')).status).toBe(401)
    const ok = await login('admin', 'admin-password')
    expect(ok.status).toBe(200)
    expect(ok.cookie).toMatch(/zg_session=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax/)
    const cookie = ok.cookie!.split(';')[0]
    const session = apiClient(app.baseUrl, { cookie })
    expect((await session.get('/api/auth/me')).body.data.username).toBe('admin')
    expect((await session.get('/api/forms/contacts/records')).status).toBe(200)
    // A cookie-authenticated write from another site is refused.
    const crossSite = await session.request('POST', '/api/forms/contacts/records', { name: 'x' }, { origin: 'https://evil.example' })
    expect(crossSite.status).toBe(403)
    expect((await session.post('/api/auth/logout')).status).toBe(204)
    expect((await session.get('/api/auth/me')).status).toBe(401)
  })

  it('requires credentials for data and locks out repeated guessing', async () => {
    const anonymous = apiClient(app.baseUrl)
    const res = await anonymous.get('/api/forms/contacts/records')
    expect(res.status).toBe(401)
    expect(res.body.error.code).toBe('unauthenticated')
    expect((await apiClient(app.baseUrl, { authorization: 'Bearer zg_nope' }).get('/api/forms')).status).toBe(401)
    await app.clientFor('guesser')
    for (let i = 0; i < 5; i++) expect((await login('guesser', `bad-${i}-password`)).status).toBe(401)
    expect((await login('guesser', 'guesser-password')).status).toBe(429)
  })

  it('issues API tokens (members their own only), shows them once and revokes them', async () => {
    const created = await app.api.post('/api/tokens', { name: '脚本' })
    expect(created.status).toBe(201)
    const token = created.body.data.token as string
    expect(token).toMatch(/^zg_/)
    const list = await app.api.get('/api/tokens')
    expect(JSON.stringify(list.body)).not.toContain(token)
    const stored = await app.ctx.db.knex('zg_api_tokens').where({ id: created.body.data.id }).first()
    expect(stored.token_hash).not.toContain(token)
    const script = apiClient(app.baseUrl, { authorization: `Bearer ${token}` })
    expect((await script.get('/api/auth/me')).status).toBe(200)
    expect((await app.api.delete(`/api/tokens/${created.body.data.id}`)).status).toBe(204)
    expect((await script.get('/api/auth/me')).status).toBe(401)
    const member = await app.clientFor('clerk')
    expect((await member.post('/api/tokens', { name: 'x', user_id: 1 })).status).toBe(403)
    expect((await member.post('/api/tokens', { name: 'x' })).status).toBe(201)
    expect((await member.get('/api/users')).status).toBe(403)
  })

  it('stores passwords hashed', async () => {
    const row = await app.ctx.db.knex('zg_users').where({ username: 'admin' }).first()
    expect(row.password_hash).toMatch(/^scrypt\$/)
    expect(row.password_hash).not.toContain('admin-password')
  })
})

describe('bad input never becomes a 500', () => {
  it('answers each mistake with its own status and message', async () => {
    const cases: [string, string, unknown, number][] = [
      ['POST', '/api/forms/contacts/records', '{"name": ', 400],
      ['POST', '/api/forms/contacts/records', '"just text"', 400],
      ['POST', '/api/forms/contacts/records', [1], 422],
      ['POST', '/api/forms/contacts/records', [], 400],
      ['GET', '/api/forms/nope/records', undefined, 404],
      ['GET', '/api/forms/contacts/records/abc', undefined, 404],
      ['GET', '/api/forms/contacts/records/999999', undefined, 404],
      ['GET', '/api/forms/contacts/records?limit=100000', undefined, 400],
      ['GET', '/api/forms/contacts/records?offset=-1', undefined, 400],
      ['GET', '/api/forms/contacts/records?limit=abc', undefined, 400],
      ['PATCH', '/api/forms/contacts/records/999999', { name: 'x' }, 404],
      ['DELETE', '/api/forms/contacts/records/999999', undefined, 404],
      ['POST', '/api/forms/contacts/records/delete', { ids: 'all' }, 400],
      ['POST', '/api/forms/contacts/records/1/actions/submit', {}, 404],
      ['GET', '/api/nothing-here', undefined, 404],
    ]
    for (const [method, path, body, status] of cases) {
      const res = await app.api.request(method, path, body)
      expect(res.status, `${method} ${path}`).toBe(status)
      expect(res.body.error.message, `${method} ${path}`).toEqual(expect.any(String))
    }
  })

  it('keeps system-written forms read-only for users', async () => {
    const member = await app.clientFor('reader')
    const res = await member.post('/api/forms/ledger/records', { memo: 'x' })
    expect(res.status).toBe(403)
    expect((await member.get('/api/forms/ledger/records')).status).toBe(200)
    expect((await app.ctx.records.create('ledger', { memo: 'posted by a rule' })).memo).toBe('posted by a rule')
  })
})

describe('OpenAPI, files and settings', () => {
  it('describes every installed form in OpenAPI', async () => {
    const doc = (await app.api.get('/api/openapi.json')).body
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/forms/quotes/records', '/api/forms/quotes/records/{id}', '/api/forms/quotes/records/{id}/actions/{action}']))
    const quote = doc.components.schemas.quotes
    expect(quote.properties.total).toMatchObject({ readOnly: true, pattern: '^-?\\d+\\.\\d{2}$' })
    expect(quote.properties.lines.items.properties.qty.description).toBe('数量')
    expect(doc.components.schemas.quotes_input.properties.total).toBeUndefined()
    expect(doc.components.schemas.quotes_input.required).toEqual(['customer', 'quote_date'])
  })

  it('uploads a file, attaches it to a record and downloads it', async () => {
    const form = new FormData()
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')
    form.append('file', new Blob([png], { type: 'image/png' }), '头像.png')
    const auth = await app.api.post('/api/tokens', { name: 'upload' })
    const upload = await fetch(`${app.baseUrl}/api/files?form=contacts`, { method: 'POST', headers: { authorization: `Bearer ${auth.body.data.token}` }, body: form })
    expect(upload.status).toBe(201)
    const file = ((await upload.json()) as any).data
    expect(file).toMatchObject({ name: '头像.png', mime: 'image/png', size: png.length })
    const contact = await app.api.post('/api/forms/contacts/records', { name: '有照片', photo: [file.id] })
    expect(contact.body.data.photo).toEqual([{ id: file.id, name: '头像.png', mime: 'image/png', size: png.length, url: `/api/files/${file.id}` }])
    const download = await fetch(`${app.baseUrl}${file.url}`, { headers: { authorization: `Bearer ${auth.body.data.token}` } })
    expect(download.status).toBe(200)
    expect(download.headers.get('content-disposition')).toContain("filename*=UTF-8''%E5%A4%B4%E5%83%8F.png")
    expect(Buffer.from(await download.arrayBuffer()).equals(png)).toBe(true)
    const tooMany = await app.api.post('/api/forms/contacts/records', { name: '两张', photo: [file.id, file.id + 1000] })
    expect(tooMany.status).toBe(422)
    expect((await apiClient(app.baseUrl).get(file.url)).status).toBe(401)
  })

  it('keeps per-user settings', async () => {
    expect((await app.api.get('/api/me/settings/grid.contacts')).body.data).toBeNull()
    await app.api.request('PUT', '/api/me/settings/grid.contacts', { value: { columns: [{ id: 'name', width: 180 }] } })
    expect((await app.api.get('/api/me/settings/grid.contacts')).body.data).toEqual({ columns: [{ id: 'name', width: 180 }] })
    const other = await app.clientFor('other')
    expect((await other.get('/api/me/settings/grid.contacts')).body.data).toBeNull()
  })
})
