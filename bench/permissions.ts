/**
 * `npx tsx bench/permissions.ts` — issue 10's full permission matrix: every role of the Taobao ERP
 * (from GET /api/roles) × every form × every permission × every path that checks it (list, get,
 * aggregate, create, update, delete, each action, export, import, design), over real HTTP on a
 * fresh SQLite database with the sample data, each answer compared with what the role's definition
 * says (403 or not). CI runs a leaner matrix (test/api/permissions.test.ts); this one is on demand.
 * Exits non-zero on any mismatch.
 */
import fs from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { createHttpApp } from '../server/api/http'
import { createContext, installBundledPacks } from '../server/app'
import { createToken } from '../server/auth/credentials'
import { createUser } from '../server/auth/users'
import { loadConfig } from '../server/config'

const WRITES = new Set(['create', 'edit', 'delete', 'import'])

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-bench-permissions-'))
  const ctx = await createContext({ ...loadConfig({}), port: 0, dataDir, databaseUrl: null, demo: false })
  await installBundledPacks(ctx, { sampleData: true })
  const server: Server = await new Promise((resolve) => {
    const s = createHttpApp(ctx).listen(0, '127.0.0.1', () => resolve(s))
  })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const tokenFor = async (username: string, roles: string[], warehouses: number[]) => {
    const user = await createUser(ctx.db.knex, { username, password: `${username}-password-1`, role: roles.includes('admin') ? 'admin' : 'member' })
    for (const key of roles) await ctx.db.knex('zg_user_roles').insert({ user_id: user.id, role_key: key })
    await ctx.db.knex('zg_users').where({ id: user.id }).update({ warehouse_ids: JSON.stringify(warehouses) })
    return (await createToken(ctx.db.knex, user, 'bench')).token
  }
  const call = async (token: string, method: string, url: string, body?: unknown) => {
    const res = await fetch(base + url, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) })
    await res.arrayBuffer()
    return res.status
  }
  try {
    const admin = await tokenFor('bench_admin', ['admin'], [])
    const roles = ((await (await fetch(`${base}/api/roles`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { data: any[] }).data
    const catalog = (await (await fetch(`${base}/api/roles/catalog`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { forms: any[] }
    const warehouses = ((await (await fetch(`${base}/api/forms/warehouses/records`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { data: { id: number }[] }).data.map((w) => w.id)
    const mismatches: string[] = []
    let requests = 0
    const started = performance.now()
    for (const role of roles) {
      const token = await tokenFor(`bench_role_${role.key}`, [role.key], warehouses.slice(0, 1))
      for (const form of catalog.forms) {
        const grant = role.definition.all ? { allow: ['*'] } : (role.definition.forms?.[form.key] ?? (form.pack_key ? role.definition.forms?.['*'] : undefined))
        const allows = (p: string) => Boolean(grant) && (grant.allow.includes(p) || (grant.allow.includes('*') && (role.definition.all || (p !== 'design' && !(form.system_written && WRITES.has(p))))))
        const records = `/api/forms/${form.key}/records`
        const missing = 999_999_999
        for (const { key: permission } of form.permissions) {
          const probes: [string, string, unknown?][] =
            permission === 'view'
              ? [['GET', `${records}?limit=1`], ['GET', `${records}/${missing}`], ['POST', `${records}/aggregate`, { measures: [{ fn: 'count', as: 'n' }] }], ['POST', `${records}/query`, { limit: 1 }]]
              : permission === 'create'
                ? [['POST', records, {}], ['POST', records, [{}]]]
                : permission === 'edit'
                  ? [['PATCH', `${records}/${missing}`, {}]]
                  : permission === 'delete'
                    ? [['DELETE', `${records}/${missing}`], ['POST', `${records}/delete`, { ids: [missing] }]]
                    : permission === 'export'
                      ? [['GET', `/api/forms/${form.key}/export?format=csv`], ['GET', `/api/forms/${form.key}/export?format=xlsx`]]
                      : permission === 'design'
                        ? [['PUT', `/api/forms/${form.key}?dry_run=true`, { key: form.key }]]
                        : permission === 'import' || permission === 'print'
                          ? []
                          : [['POST', `${records}/${missing}/actions/${permission}`, {}], ['POST', `${records}/actions/${permission}`, { ids: [missing] }]]
          for (const [method, url, body] of probes) {
            const status = await call(token, method, url, body)
            requests++
            // design also passes with the capability forms.design
            const allowed = allows(permission) || (permission === 'design' && (role.definition.all || role.definition.capabilities?.includes('forms.design')))
            if (allowed ? status === 403 : status !== 403) mismatches.push(`${role.key} ${form.key} ${permission} ${method} ${url}: ${status}`)
          }
        }
      }
    }
    const seconds = (performance.now() - started) / 1000
    console.log(`permissions: ${roles.length} roles × ${catalog.forms.length} forms, ${requests} requests in ${seconds.toFixed(1)} s, ${mismatches.length} mismatches`)
    for (const m of mismatches.slice(0, 50)) console.log(`  ${m}`)
    if (mismatches.length) process.exitCode = 1
  } finally {
    await new Promise((resolve) => server.close(resolve))
    await ctx.db.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

await main()
