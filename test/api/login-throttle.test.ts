import http, { type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHttpApp } from '../../server/api/http'
import { createContext } from '../../server/app'
import { ACCOUNT, ADDRESS, ADDRESS_ACCOUNT, addressKey } from '../../server/auth/throttle'
import { createUser } from '../../server/auth/users'
import { loadConfig } from '../../server/config'
import type { AppContext } from '../../server/context'
import { startTestApp, type TestApp } from '../support/app'

/**
 * Two app instances over one database: `app` as configured by default (no proxy trusted), and
 * `other`, which trusts a proxy on loopback and forces Secure cookies. Requests leave from
 * different loopback addresses (127.0.0.x) to play different clients.
 */
let app: TestApp
let other: { ctx: AppContext; server: Server; baseUrl: string }
beforeAll(async () => {
  app = await startTestApp()
  const config = { ...loadConfig({ ZG_TRUST_PROXY: 'loopback', ZG_COOKIE_SECURE: '1' }), port: 0, dataDir: app.database.dataDir, databaseUrl: app.database.databaseUrl, demo: false }
  const ctx = await createContext(config)
  const server: Server = await new Promise((resolve) => {
    const s = createHttpApp(ctx).listen(0, '127.0.0.1', () => resolve(s))
  })
  other = { ctx, server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
  for (const name of ['victim', 'shared', 'audited']) await createUser(app.ctx.db.knex, { username: name, password: `${name}-password` })
})
afterAll(async () => {
  if (other) {
    await new Promise((resolve) => other.server.close(resolve))
    await other.ctx.db.close()
  }
  await app?.close()
})

interface LoginAnswer {
  status: number
  body: any
  headers: http.IncomingHttpHeaders
}

/** POST /api/auth/login from a given local address (127.0.0.x), with extra headers. */
function login(baseUrl: string, username: string, password: string, from = '127.0.0.1', headers: Record<string, string> = {}): Promise<LoginAnswer> {
  const body = JSON.stringify({ username, password })
  const url = new URL('/api/auth/login', baseUrl)
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress: from, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } },
      (res) => {
        let text = ''
        res.on('data', (chunk) => (text += chunk))
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null, headers: res.headers }))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

describe('login throttling', () => {
  it('is not reset by a forged X-Forwarded-For from an untrusted client', async () => {
    for (let i = 0; i < ADDRESS_ACCOUNT.failures; i++) {
      const res = await login(app.baseUrl, 'victim', `wrong-${i}`, '127.0.0.2', { 'x-forwarded-for': `198.51.100.${i + 1}` })
      expect(res.status).toBe(401)
    }
    const locked = await login(app.baseUrl, 'victim', 'victim-password', '127.0.0.2', { 'x-forwarded-for': '198.51.100.77' })
    expect(locked.status).toBe(429)
    expect(locked.body.error).toMatchObject({ code: 'too_many_attempts', reason: 'login_locked' })
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0)
    // The failures were recorded under the socket's address, not the forged ones.
    const rows = await app.ctx.db.knex('zg_audit').where({ form: '$auth', action: 'login_failed', actor_name: 'victim' })
    expect(rows.length).toBe(ADDRESS_ACCOUNT.failures + 1)
    expect(new Set(rows.map((r) => r.ip))).toEqual(new Set(['127.0.0.2']))
    expect(JSON.parse(rows[0].changes)).toEqual({ reason: 'wrong_password' })
    // Another client may still log in as the victim: only that pair is stopped.
    expect((await login(app.baseUrl, 'victim', 'victim-password', '127.0.0.3')).status).toBe(200)
  })

  it('locks an account across addresses and app instances, in the database', async () => {
    let n = 0
    for (let i = 0; i < ACCOUNT.failures; i++) {
      // Two addresses per round, within each pair's allowance; the two instances share the count.
      const from = `127.0.0.${10 + (i % 4)}`
      const res = await login(i % 2 ? other.baseUrl : app.baseUrl, 'Shared', `wrong-${n++}`, from)
      expect(res.status, `attempt ${i}`).toBe(401)
    }
    const row = await app.ctx.db.knex('zg_login_failures').where({ username: 'shared' }).first()
    expect(Number(row.locked_until)).toBeGreaterThan(Date.now())
    for (const baseUrl of [app.baseUrl, other.baseUrl]) {
      const res = await login(baseUrl, 'shared', 'shared-password', '127.0.0.20')
      expect(res.status).toBe(429)
      expect(res.body.error).toMatchObject({ reason: 'account_locked', params: { minutes: ACCOUNT.lockMs / 60_000 } })
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(ACCOUNT.lockMs / 1000 - 60)
    }
    // When the lock has passed (moved into the past here), the right password works and clears it.
    await app.ctx.db.knex('zg_login_failures').where({ username: 'shared' }).update({ locked_until: Date.now() - 1 })
    expect((await login(other.baseUrl, 'shared', 'shared-password', '127.0.0.20')).status).toBe(200)
    expect(await app.ctx.db.knex('zg_login_failures').where({ username: 'shared' }).first()).toBeUndefined()
  })

  it('limits failures per address over any usernames', async () => {
    for (let i = 0; i < ADDRESS.failures; i++) expect((await login(app.baseUrl, `nobody${i}`, 'x', '127.0.0.30')).status).toBe(401)
    const res = await login(app.baseUrl, 'admin', 'admin-password', '127.0.0.30')
    expect(res.status).toBe(429)
    expect(res.body.error.reason).toBe('login_rate_limited')
    expect((await login(app.baseUrl, 'admin', 'admin-password', '127.0.0.31')).status).toBe(200)
  })

  it('caps concurrent password checks without stalling other requests', async () => {
    const attempts = Array.from({ length: 60 }, (_, i) => login(app.baseUrl, `flood${i}`, 'x', '127.0.0.40'))
    const health = await fetch(`${app.baseUrl}/api/health`)
    expect(health.status).toBe(200)
    const answers = await Promise.all(attempts)
    expect(answers.filter((a) => a.status === 429 && a.body.error.reason === 'login_busy').length).toBeGreaterThan(0)
    expect(answers.every((a) => a.status === 401 || a.status === 429)).toBe(true)
  })
})

describe('behind a trusted proxy', () => {
  it('takes the client address from X-Forwarded-For, and marks cookies Secure when configured', async () => {
    const res = await login(other.baseUrl, 'audited', 'audited-password', '127.0.0.1', { 'x-forwarded-for': '203.0.113.9' })
    expect(res.status).toBe(200)
    expect(String(res.headers['set-cookie'])).toMatch(/; Secure/)
    const entry = await app.ctx.db.knex('zg_audit').where({ form: '$auth', action: 'login', actor_name: 'audited' }).orderBy('id', 'desc').first()
    expect(entry).toMatchObject({ ip: '203.0.113.9', user_id: expect.anything() })
    // Without ZG_COOKIE_SECURE, plain http gets no Secure flag.
    const plain = await login(app.baseUrl, 'audited', 'audited-password')
    expect(String(plain.headers['set-cookie'])).not.toMatch(/Secure/)
  })
})

describe('the audit trail of logins', () => {
  it('records login, failed login and logout with the address and never the password', async () => {
    expect((await login(app.baseUrl, 'audited', 'not-the-password', '127.0.0.50')).status).toBe(401)
    const ok = await login(app.baseUrl, 'audited', 'audited-password', '127.0.0.50')
    const cookie = String(ok.headers['set-cookie']).split(';')[0]
    const out = await fetch(`${app.baseUrl}/api/auth/logout`, { method: 'POST', headers: { cookie } })
    expect(out.status).toBe(204)
    const rows = await app.ctx.db.knex('zg_audit').where({ form: '$auth', actor_name: 'audited' }).orderBy('id')
    const actions = rows.map((r) => r.action)
    expect(actions.slice(-3)).toEqual(['login_failed', 'login', 'logout'])
    expect(rows.at(-1)).toMatchObject({ ip: '127.0.0.1', record_id: rows.at(-2).record_id })
    const all = JSON.stringify(await app.ctx.db.knex('zg_audit').where({ form: '$auth' }))
    expect(all).not.toContain('not-the-password')
    expect(all).not.toContain('audited-password')
  })
})

describe('address keys', () => {
  it('keep IPv4 and group IPv6 by its /64', () => {
    expect(addressKey('127.0.0.1')).toBe('127.0.0.1')
    expect(addressKey('::ffff:10.1.2.3')).toBe('10.1.2.3')
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe(addressKey('2001:0db8:1:2:bbbb:cccc:dddd:eeee'))
    expect(addressKey('2001:db8:1:2::1')).not.toBe(addressKey('2001:db8:1:3::1'))
    expect(addressKey('::1')).toBe('0:0:0:0::/64')
  })
})
