import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setPassword } from '../../server/auth/users'
import { apiClient, startTestApp, type TestApp } from '../support/app'
import { starterPack } from '../support/packs'

let app: TestApp
beforeAll(async () => {
  app = await startTestApp({ packs: [starterPack()] })
})
afterAll(async () => {
  await app?.close()
})

async function login(username: string, password: string) {
  const res = await fetch(`${app.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  expect(res.status).toBe(200)
  const cookie = res.headers.get('set-cookie')!.split(';')[0]
  return { cookie, session: apiClient(app.baseUrl, { cookie }) }
}

describe('the same-origin check on cookie writes', () => {
  it('is skipped only for requests authenticated by a Bearer token', async () => {
    const { cookie, session } = await login('admin', 'admin-password')
    const evil = { origin: 'https://evil.example' }
    // A non-Bearer Authorization header does not authenticate: the cookie does, so the check applies.
    for (const authorization of ['Basic YWRtaW46eA==', 'Token abc', 'bearer lowercase']) {
      const res = await session.request('POST', '/api/forms/contacts/records', { name: 'csrf' }, { ...evil, authorization })
      expect(res.status, authorization).toBe(403)
    }
    expect((await session.request('POST', '/api/auth/logout', {}, { ...evil, authorization: 'Bearer whatever' })).status).toBe(403)
    // A real token is fine from anywhere (scripts), and so is the cookie from our own origin.
    expect((await app.api.request('POST', '/api/forms/contacts/records', { name: 'script' }, evil)).status).toBe(201)
    expect((await session.request('POST', '/api/forms/contacts/records', { name: 'page' }, { origin: app.baseUrl })).status).toBe(201)
    // A bad token with a good cookie is still a bad token.
    const mixed = apiClient(app.baseUrl, { cookie, authorization: 'Bearer zg_nope' })
    expect((await mixed.request('POST', '/api/forms/contacts/records', { name: 'x' }, evil)).status).toBe(401)
  })
})

describe('changing a password', () => {
  it('ends the sessions of that user and keeps API tokens', async () => {
    const clerk = await app.clientFor('clerk2')
    const first = await login('clerk2', 'clerk2-password')
    const second = await login('clerk2', 'clerk2-password')
    const admin = await login('admin', 'admin-password')
    await setPassword(app.ctx.db.knex, 'clerk2', 'clerk2-new-password')
    expect((await first.session.get('/api/auth/me')).status).toBe(401)
    expect((await second.session.get('/api/auth/me')).status).toBe(401)
    expect((await admin.session.get('/api/auth/me')).status).toBe(200)
    expect((await clerk.get('/api/auth/me')).status).toBe(200)
    await login('clerk2', 'clerk2-new-password')
  })

  it('may keep the session that changed it', async () => {
    await app.clientFor('clerk3')
    const mine = await login('clerk3', 'clerk3-password')
    const other = await login('clerk3', 'clerk3-password')
    await setPassword(app.ctx.db.knex, 'clerk3', 'clerk3-new-password', { keepSession: mine.cookie.split('=')[1] })
    expect((await mine.session.get('/api/auth/me')).status).toBe(200)
    expect((await other.session.get('/api/auth/me')).status).toBe(401)
  })
})
