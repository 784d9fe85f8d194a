import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiClient, type ApiClient } from '../support/app'
import { createTestDatabase, type TestDatabase } from '../support/database'

const ROOT = path.resolve(import.meta.dirname, '../..')

let database: TestDatabase
let server: ChildProcess
let baseUrl: string
let output = ''

/** `npm start` as installed: demo on (the default), the demo shop on the embedded simulator. */
beforeAll(async () => {
  database = await createTestDatabase()
  server = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['server/cli/start.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      ZG_DATA_DIR: database.dataDir,
      DATABASE_URL: database.databaseUrl ?? '',
      ZG_ADMIN_PASSWORD: 'demo-admin-password',
      ZG_SKIP_CLIENT_BUILD: '1',
      ZG_DEMO: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  baseUrl = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /running at (http:\/\/localhost:\d+)/.exec(output)
      if (match) resolve(match[1])
    }
    server.stdout!.on('data', onData)
    server.stderr!.on('data', onData)
    server.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)))
  })
}, 120_000)
afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve))
    server.kill('SIGTERM')
    await exited
  }
  await database?.drop()
})

async function loginAdmin(): Promise<ApiClient> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'demo-admin-password' }),
  })
  expect(res.status).toBe(200)
  return apiClient(baseUrl, { cookie: res.headers.get('set-cookie')!.split(';')[0] })
}

describe('the embedded demo simulator', () => {
  it('serves the gateway but not the control routes', async () => {
    const clock = await fetch(`${baseUrl}/taobao-sim/__sim/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"advance_hours":240}' })
    expect(clock.status).toBe(404)
    const faults = await fetch(`${baseUrl}/taobao-sim/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"expire_session":true}' })
    expect(faults.status).toBe(404)
    const truth = await fetch(`${baseUrl}/taobao-sim/__sim/truth`)
    expect(truth.headers.get('content-type') ?? '').not.toMatch(/json/)
    const gateway = await (await fetch(`${baseUrl}/taobao-sim/router/rest`)).json()
    expect(gateway.error_response).toMatchObject({ msg: 'Missing method' })
  })

  it('still syncs the demo shop', async () => {
    const session = await loginAdmin()
    let shops: any[] = []
    // The gateway URL is bound to the port just after listening.
    for (let i = 0; i < 50; i++) {
      shops = (await session.get('/api/shops')).body.data
      if (shops.some((s) => String(s.connection?.gateway_url ?? '').includes(new URL(baseUrl).port))) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const demo = shops.find((s) => s.shop.name === '掌柜演示店')
    expect(demo).toBeDefined()
    // The scheduler may be running the first sync already.
    let run = await session.post(`/api/shops/${demo.shop.id}/sync`, {})
    for (let i = 0; i < 300 && run.status === 409; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      run = await session.post(`/api/shops/${demo.shop.id}/sync`, {})
    }
    expect(run.status, JSON.stringify(run.body)).toBe(200)
    expect(run.body.data.status).toBe('succeeded')
  })
})
