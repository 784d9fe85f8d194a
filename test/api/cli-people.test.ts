import { execFile } from 'node:child_process'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { peopleCommands } from '../../server/cli/people'
import { apiClient, startTestApp, type TestApp } from '../support/app'

/** `npm run zg -- user …/token …`: the commands run in-process (one real process checks the wiring). */

const ROOT = path.resolve(import.meta.dirname, '../..')
let app: TestApp
const knex = () => app.ctx.db.knex

async function run(name: string, args: string[], flags: Record<string, string | boolean | undefined> = {}): Promise<string[]> {
  const lines: string[] = []
  await peopleCommands[name]!(app.ctx, args, flags, (line) => lines.push(line))
  return lines
}

function zg(...args: string[]): Promise<{ code: number; out: string }> {
  const env = { ...process.env, ZG_DATA_DIR: app.database.dataDir, DATABASE_URL: app.database.databaseUrl ?? '' }
  if (!app.database.databaseUrl) delete (env as Record<string, string | undefined>).DATABASE_URL
  return new Promise((resolve) => {
    execFile(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'server/cli/zg.ts'), ...args], { env, cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr })
    })
  })
}

beforeAll(async () => {
  app = await startTestApp()
  const now = Date.now()
  for (const key of ['manager', 'warehouse', 'finance']) {
    if (!(await knex()('zg_roles').where({ key }).first())) {
      await knex()('zg_roles').insert({ key, pack_key: null, position: 0, definition: JSON.stringify({ key, label: key }), base_definition: null, customized: false, created_at: now, updated_at: now })
    }
  }
})
afterAll(async () => {
  await app?.close()
})

describe('zg user and token commands', () => {
  it('creates users with roles, changes roles, makes and revokes scoped expiring tokens, disables and enables', async () => {
    const created = await run('user create', ['chen'], { roles: 'warehouse,finance', password: 'chen-password' })
    expect(created).toEqual(['Created "chen" (id 2) with roles finance, warehouse.'])
    await expect(run('user create', ['chen2'], { roles: 'warehouse,bogus' })).rejects.toThrow(/unknown role/)
    const generated = await run('user create', ['zhou'], {})
    expect(generated[1]).toMatch(/^Password \(shown once\): \S{12,}/)
    expect(await run('user roles', ['chen', 'warehouse'])).toEqual(['"chen" now has roles warehouse.'])
    await expect(run('user roles', ['admin', 'manager'])).rejects.toThrow(/last active administrator/)
    await expect(run('user roles', ['nobody', 'manager'])).rejects.toThrow(/no user "nobody"/)

    await expect(run('token create', [], { user: 'chen', roles: 'finance' })).rejects.toThrow(/only have roles its user holds/)
    const [token] = await run('token create', [], { user: 'chen', roles: 'warehouse', expires: '30d' })
    expect(token).toMatch(/^zg_/)
    const row = await knex()('zg_api_tokens').where({ token_prefix: token!.slice(0, 10) }).first()
    expect(JSON.parse(row.role_keys)).toEqual(['warehouse'])
    expect(Number(row.expires_at)).toBeGreaterThan(Date.now() + 29 * 86_400_000)
    const script = apiClient(app.baseUrl, { authorization: `Bearer ${token}` })
    expect((await script.get('/api/auth/me')).status).toBe(200)
    expect((await run('token list', [])).some((l) => l.includes('chen') && l.includes('roles warehouse'))).toBe(true)

    expect(await run('user disable', ['chen'])).toHaveLength(1)
    expect((await script.get('/api/auth/me')).status).toBe(401)
    await run('user enable', ['chen'])
    expect((await knex()('zg_users').where({ username: 'chen' }).first()).disabled).toBeFalsy()
    const [second] = await run('token create', [], { user: 'chen' })
    const secondId = (await knex()('zg_api_tokens').where({ token_prefix: second!.slice(0, 10) }).first()).id
    expect(await run('token revoke', [String(secondId)])).toEqual([`Token ${secondId} revoked.`])
    expect((await apiClient(app.baseUrl, { authorization: `Bearer ${second}` }).get('/api/auth/me')).status).toBe(401)
    const sources = await knex()('zg_audit').whereIn('action', ['user_create', 'roles_change', 'token_create', 'token_revoke', 'user_disable', 'user_enable']).whereNot((q) => q.where({ form: '$users', record_id: 1 })).pluck('actor_name')
    expect(sources.length).toBeGreaterThanOrEqual(7)
    expect(new Set(sources)).toEqual(new Set(['cli']))
  })

  it('runs as a real command: npm run zg -- user disable', async () => {
    const [token] = await run('token create', [], { user: 'zhou' })
    const result = await zg('user', 'disable', 'zhou')
    expect(result.code).toBe(0)
    expect(result.out).toContain('"zhou" is disabled')
    expect((await apiClient(app.baseUrl, { authorization: `Bearer ${token}` }).get('/api/auth/me')).status).toBe(401)
  })
})
