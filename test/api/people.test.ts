import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiClient, startTestApp, type ApiClient, type TestApp } from '../support/app'

/** Users, tokens and sessions (docs/users.md): lifecycle over HTTP, on a real server and database. */

const pack = {
  format: 'zhanggui.pack/1',
  key: 'people_test',
  name: '人员测试',
  version: '1.0.0',
  forms: [
    { key: 'shops', label: '店铺', title_field: 'name', fields: [{ key: 'name', type: 'text', label: '名称', required: true }] },
    { key: 'warehouses', label: '仓库', title_field: 'name', fields: [{ key: 'name', type: 'text', label: '名称', required: true }] },
    { key: 'notes', label: '便签', title_field: 'title', fields: [{ key: 'title', type: 'text', label: '标题', required: true }] },
  ],
}

let app: TestApp
const knex = () => app.ctx.db.knex

async function login(username: string, password: string): Promise<{ status: number; client: ApiClient; cookie: string }> {
  const res = await fetch(`${app.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'people-test/1.0' }, body: JSON.stringify({ username, password }) })
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!
  return { status: res.status, client: apiClient(app.baseUrl, { cookie }), cookie }
}

async function audit(action: string, targetId?: number) {
  const query = knex()('zg_audit').where({ action })
  if (targetId !== undefined) query.where({ record_id: targetId })
  return await query.orderBy('id')
}

beforeAll(async () => {
  app = await startTestApp({ packs: [pack] })
  // two roles of the test's own: 店长 may do everything on every form, 仓管 only read notes
  const now = Date.now()
  const definitions = {
    manager: { key: 'manager', label: '店长', forms: { '*': { allow: ['*'] } } },
    warehouse: { key: 'warehouse', label: '仓管', forms: { notes: { allow: ['view'] }, warehouses: { allow: ['view'] } } },
  }
  for (const [key, definition] of Object.entries(definitions)) {
    await knex()('zg_roles').where({ key }).delete()
    await knex()('zg_roles').insert({ key, pack_key: null, position: 0, definition: JSON.stringify(definition), base_definition: null, customized: false, created_at: now, updated_at: now })
  }
  await app.ctx.roles.load()
})
afterAll(async () => {
  await app?.close()
})

describe('user lifecycle', () => {
  it('creates users with roles, validates roles, shops and warehouses, and audits', async () => {
    const bad = await app.api.post('/api/admin/users', { username: 'zhang', password: 'zhang-password', roles: ['warehouse', 'nope'] })
    expect(bad.status).toBe(400)
    expect(bad.body.error.reason).toBe('unknown_role')
    const created = await app.api.post('/api/admin/users', { username: 'zhang', display_name: '张三', password: 'zhang-password', roles: ['warehouse'] })
    expect(created.status).toBe(201)
    const id = created.body.data.id
    expect(created.body.data).toMatchObject({ username: 'zhang', display_name: '张三', roles: ['warehouse'], role: 'member', disabled: false })
    expect(created.body.data.invite).toBeUndefined()
    expect((await audit('user_create', id)).length).toBe(1)

    const shop = (await app.api.post('/api/forms/shops/records', { name: '一店' })).body.data.id
    const warehouse = (await app.api.post('/api/forms/warehouses/records', { name: '北仓' })).body.data.id
    const wrong = await app.api.request('PUT', `/api/admin/users/${id}`, { shops: [shop, 9999] })
    expect(wrong.status).toBe(400)
    expect(wrong.body.error).toMatchObject({ reason: 'unknown_scope_records', params: { form: 'shops', ids: '9999' } })
    expect((await app.api.request('PUT', `/api/admin/users/${id}`, { warehouses: ['x'] })).body.error.reason).toBe('ids_expected')
    const put = await app.api.request('PUT', `/api/admin/users/${id}`, { roles: ['warehouse', 'manager'], shops: [shop], warehouses: [warehouse], display_name: '张三丰' })
    expect(put.status).toBe(200)
    expect(put.body.data).toMatchObject({ roles: ['manager', 'warehouse'], shops: [shop], warehouses: [warehouse], display_name: '张三丰' })
    const row = await knex()('zg_users').where({ id }).first()
    expect(JSON.parse(row.shop_ids)).toEqual([shop])
    expect((await knex()('zg_user_roles').where({ user_id: id }).orderBy('role_key').pluck('role_key')).sort()).toEqual(['manager', 'warehouse'])
    const change = await audit('roles_change', id)
    expect(change).toHaveLength(1)
    expect(change[0].actor_name).toBe('admin')
    expect(JSON.parse(change[0].changes)).toEqual({ roles: [['warehouse'], ['manager', 'warehouse']] })
    expect(await audit('shops_change', id)).toHaveLength(1)
    expect(await audit('warehouses_change', id)).toHaveLength(1)

    const list = await app.api.get('/api/admin/users')
    expect(list.body.data.find((u: any) => u.id === id)).toMatchObject({ roles: ['manager', 'warehouse'], last_login_at: null })
    // a member may not manage users
    const member = await app.clientFor('memberx')
    expect((await member.get('/api/admin/users')).status).toBe(403)
    expect((await member.request('PUT', `/api/admin/users/${id}`, { disabled: true })).status).toBe(403)
  })

  it('disable ends every session and token at once; enable lets the user log in again with new ones', async () => {
    await app.api.post('/api/admin/users', { username: 'li', password: 'li-password-1', roles: ['manager'] })
    const id = (await knex()('zg_users').where({ username: 'li' }).first()).id
    const session = await login('li', 'li-password-1')
    expect(session.status).toBe(200)
    expect((await session.client.get('/api/auth/me')).status).toBe(200)
    const tokenRes = await session.client.post('/api/tokens', { name: 'script' })
    expect(tokenRes.status).toBe(201)
    const script = apiClient(app.baseUrl, { authorization: `Bearer ${tokenRes.body.data.token}` })
    expect((await script.get('/api/forms')).status).toBe(200)
    const sessions = await app.api.get('/api/admin/sessions?all=1')
    const mine = sessions.body.data.find((s: any) => s.username === 'li')
    expect(mine).toMatchObject({ user_agent: 'people-test/1.0', ip: '127.0.0.1' })

    expect((await app.api.request('PUT', `/api/admin/users/${id}`, { disabled: true })).status).toBe(200)
    expect((await session.client.get('/api/auth/me')).status).toBe(401)
    expect((await script.get('/api/forms')).status).toBe(401)
    expect((await login('li', 'li-password-1')).status).toBe(401)
    const disable = await audit('user_disable', id)
    expect(JSON.parse(disable[0].changes)).toEqual({ sessions_ended: 1, tokens_revoked: 1 })
    expect((await app.api.get('/api/users/directory')).body.data.map((u: any) => u.id)).not.toContain(id)

    expect((await app.api.request('PUT', `/api/admin/users/${id}`, { disabled: false })).status).toBe(200)
    expect(await audit('user_enable', id)).toHaveLength(1)
    // the old token stays revoked; logging in works again
    expect((await script.get('/api/forms')).status).toBe(401)
    const again = await login('li', 'li-password-1')
    expect(again.status).toBe(200)
    expect((await again.client.get('/api/auth/me')).status).toBe(200)
    expect((await app.api.get('/api/admin/users')).body.data.find((u: any) => u.id === id).last_login_at).toBeGreaterThan(0)
  })

  it('resets passwords (chosen or generated, shown once) and ends the sessions', async () => {
    const id = (await knex()('zg_users').where({ username: 'li' }).first()).id
    const session = await login('li', 'li-password-1')
    const generated = await app.api.post(`/api/admin/users/${id}/reset-password`, {})
    expect(generated.status).toBe(200)
    const password = generated.body.data.password
    expect(password).toMatch(/^[A-Za-z0-9_-]{12,}$/)
    expect((await session.client.get('/api/auth/me')).status).toBe(401)
    expect((await login('li', 'li-password-1')).status).toBe(401)
    expect((await login('li', password)).status).toBe(200)
    const chosen = await app.api.post(`/api/admin/users/${id}/reset-password`, { password: 'chosen-password' })
    expect(chosen.body.data.password).toBeNull()
    expect((await app.api.post(`/api/admin/users/${id}/reset-password`, { password: 'short' })).body.error.reason).toBe('weak_password')
    expect((await login('li', 'chosen-password')).status).toBe(200)
    expect(await audit('password_reset', id)).toHaveLength(2)
  })

  it('deletes softly: the name stays on records, no login, sessions and tokens end; never oneself or the last admin', async () => {
    await app.api.post('/api/admin/users', { username: 'wang', display_name: '王五', password: 'wang-password', roles: ['manager'] })
    const wang = await login('wang', 'wang-password')
    const note = await wang.client.post('/api/forms/notes/records', { title: '王五的便签' })
    expect(note.status).toBe(201)
    const token = (await app.api.post('/api/tokens', { name: 'w', user_id: note.body.data.created_by.id })).body.data.token
    const id = note.body.data.created_by.id
    expect((await app.api.delete(`/api/admin/users/${id}`)).status).toBe(204)
    expect((await wang.client.get('/api/auth/me')).status).toBe(401)
    expect((await apiClient(app.baseUrl, { authorization: `Bearer ${token}` }).get('/api/forms')).status).toBe(401)
    expect((await login('wang', 'wang-password')).status).toBe(401)
    const read = await app.api.get(`/api/forms/notes/records/${note.body.data.id}`)
    expect(read.body.data.created_by).toEqual({ id, display: '王五' })
    expect((await app.api.get('/api/admin/users')).body.data.map((u: any) => u.id)).not.toContain(id)
    expect((await app.api.get('/api/admin/users?deleted=1')).body.data.find((u: any) => u.id === id)).toMatchObject({ deleted: true, username: 'wang' })
    // the name is kept: nobody else can take it
    expect((await app.api.post('/api/admin/users', { username: 'wang', password: 'wang-password' })).status).toBe(409)
    expect((await app.api.delete(`/api/admin/users/${id}`)).status).toBe(404)
    expect(await audit('user_delete', id)).toHaveLength(1)

    const adminId = (await knex()('zg_users').where({ username: 'admin' }).first()).id
    expect((await app.api.delete(`/api/admin/users/${adminId}`)).body.error.reason).toBe('cannot_delete_self')
    // a second admin may not disable, demote or delete the last other active admin
    await app.api.post('/api/admin/users', { username: 'boss2', password: 'boss2-password', roles: ['admin'] })
    const boss2 = (await login('boss2', 'boss2-password')).client
    const boss2Id = (await knex()('zg_users').where({ username: 'boss2' }).first()).id
    expect((await boss2.request('PUT', `/api/admin/users/${adminId}`, { roles: ['manager'] })).status).toBe(200)
    const demote = await app.api.request('PUT', `/api/admin/users/${boss2Id}`, { roles: ['manager'] })
    expect(demote.status).toBe(403) // admin lost the admin role: no longer allowed at all
    expect((await boss2.request('PUT', `/api/admin/users/${adminId}`, { roles: ['admin'] })).status).toBe(200)
    expect((await app.api.request('PUT', `/api/admin/users/${boss2Id}`, { disabled: true })).status).toBe(200)
    const last = await app.api.request('PUT', `/api/admin/users/${adminId}`, { roles: ['manager'] })
    expect(last.status).toBe(409)
    expect(last.body.error.reason).toBe('last_admin')
    expect((await app.api.request('PUT', `/api/admin/users/${adminId}`, { disabled: true })).body.error.reason).toBe('cannot_disable_self')
    expect((await knex()('zg_user_roles').where({ user_id: adminId }).pluck('role_key'))).toEqual(['admin'])
  })

  it('invites: a one-time code that sets the password, stored only as a digest, expiring', async () => {
    const created = await app.api.post('/api/admin/users', { username: 'zhao', display_name: '赵六', roles: ['warehouse'] })
    expect(created.status).toBe(201)
    const { code, expires_at } = created.body.data.invite
    expect(expires_at).toBeGreaterThan(Date.now() + 6 * 86_400_000)
    expect(created.body.data.invited).toBe(true)
    const row = await knex()('zg_users').where({ username: 'zhao' }).first()
    expect(row.invite_hash).not.toContain(code)
    expect((await login('zhao', 'anything-at-all')).status).toBe(401)
    const anonymous = apiClient(app.baseUrl)
    expect((await anonymous.get(`/api/auth/invite/${code}`)).body.data).toEqual({ username: 'zhao', display_name: '赵六' })
    expect((await anonymous.get('/api/auth/invite/not-a-real-code-at-all')).body.error.reason).toBe('invite_invalid')
    expect((await anonymous.post('/api/auth/invite', { code, password: 'short' })).body.error.reason).toBe('weak_password')
    expect((await anonymous.post('/api/auth/invite', { code, password: 'zhao-password' })).status).toBe(200)
    expect((await anonymous.post('/api/auth/invite', { code, password: 'other-password' })).body.error.reason).toBe('invite_invalid')
    expect((await login('zhao', 'zhao-password')).status).toBe(200)
    expect(await audit('invite_accept', row.id)).toHaveLength(1)
    // an expired invite does nothing
    const again = (await app.api.post(`/api/admin/users/${row.id}/invite`, {})).body.data.code
    await knex()('zg_users').where({ id: row.id }).update({ invite_expires_at: Date.now() - 1 })
    expect((await anonymous.post('/api/auth/invite', { code: again, password: 'third-password' })).status).toBe(404)
    expect((await login('zhao', 'zhao-password')).status).toBe(200)
  })
})

describe('API tokens', () => {
  it('limits tokens to roles the user holds, with expiry, last use and revocation', async () => {
    const zhangId = (await knex()('zg_users').where({ username: 'zhang' }).first()).id
    const zhang = (await login('zhang', 'zhang-password')).client
    const notHeld = await app.api.post('/api/tokens', { name: 't', user_id: zhangId, role_keys: ['admin'] })
    expect(notHeld.body.error.reason).toBe('token_role_not_held')
    expect((await zhang.post('/api/tokens', { name: 't', role_keys: ['nope'] })).body.error.reason).toBe('unknown_role')
    expect((await zhang.post('/api/tokens', { name: 't', expires: 'soon' })).body.error.reason).toBe('bad_token_expiry')
    const made = await zhang.post('/api/tokens', { name: '仓库脚本', role_keys: ['warehouse'], expires: '30d' })
    expect(made.status).toBe(201)
    expect(made.body.data.role_keys).toEqual(['warehouse'])
    expect(made.body.data.expires_at).toBeGreaterThan(Date.now() + 29 * 86_400_000)
    expect(await audit('token_create', made.body.data.id)).toHaveLength(1)
    const script = apiClient(app.baseUrl, { authorization: `Bearer ${made.body.data.token}` })
    expect((await script.get('/api/forms')).status).toBe(200)
    // the token narrower than its user: 仓管 only reads notes, although zhang as 店长 may write them
    expect((await zhang.post('/api/forms/notes/records', { title: 'by session' })).status).toBe(201)
    expect((await script.get('/api/forms/notes/records')).status).toBe(200)
    const refused = await script.post('/api/forms/notes/records', { title: 'by token' })
    expect(refused.status).toBe(403)
    expect(refused.body.error.reason).toBe('permission_denied')
    const own = (await zhang.get('/api/tokens')).body.data
    expect(own.map((t: any) => t.id)).toEqual([made.body.data.id])
    expect(own[0].last_used_at).toBeGreaterThan(0)
    expect(JSON.stringify(own)).not.toContain(made.body.data.token)
    // others' tokens are not theirs to see or revoke
    expect((await zhang.get('/api/tokens?all=1')).status).toBe(403)
    const adminToken = (await app.api.get('/api/tokens')).body.data[0].id
    expect((await zhang.delete(`/api/tokens/${adminToken}`)).status).toBe(404)
    expect((await app.api.get('/api/tokens?all=1')).body.data.map((t: any) => t.id)).toContain(made.body.data.id)

    // expired → 401 token_expired
    await knex()('zg_api_tokens').where({ id: made.body.data.id }).update({ expires_at: Date.now() - 1000 })
    const expired = await script.get('/api/forms')
    expect(expired.status).toBe(401)
    expect(expired.body.error.reason).toBe('token_expired')
    await knex()('zg_api_tokens').where({ id: made.body.data.id }).update({ expires_at: null })
    expect((await script.get('/api/forms')).status).toBe(200)
    expect((await zhang.delete(`/api/tokens/${made.body.data.id}`)).status).toBe(204)
    expect((await script.get('/api/forms')).status).toBe(401)
    expect(await audit('token_revoke', made.body.data.id)).toHaveLength(1)
  })
})

describe('sessions', () => {
  it('ends idle sessions, lists active ones and ends them on request', async () => {
    const first = await login('zhang', 'zhang-password')
    const second = await login('zhang', 'zhang-password')
    const own = (await first.client.get('/api/sessions')).body.data
    expect(own.length).toBeGreaterThanOrEqual(2)
    expect(own.filter((s: any) => s.current)).toHaveLength(1)
    expect(own.every((s: any) => s.username === 'zhang')).toBe(true)
    expect((await first.client.get('/api/sessions?all=1')).status).toBe(403)

    // idle longer than ZG_SESSION_IDLE_MINUTES (120 by default): the next request is 401
    const idleMs = app.ctx.config.sessionIdleMinutes * 60_000
    const secondId = own.find((s: any) => !s.current && s.last_seen_at >= 0)
    await knex()('zg_sessions').whereNot({ id_hash: own.find((s: any) => s.current).id }).where({ user_id: own[0].user_id }).update({ last_seen_at: Date.now() - idleMs - 1000 })
    expect((await second.client.get('/api/auth/me')).status).toBe(401)
    expect((await first.client.get('/api/auth/me')).status).toBe(200)
    // almost idle but not quite: still in, and the clock moves on
    const current = own.find((s: any) => s.current).id
    await knex()('zg_sessions').where({ id_hash: current }).update({ last_seen_at: Date.now() - idleMs + 60_000 })
    expect((await first.client.get('/api/auth/me')).status).toBe(200)
    expect(Number((await knex()('zg_sessions').where({ id_hash: current }).first()).last_seen_at)).toBeGreaterThan(Date.now() - 10_000)
    expect(secondId).toBeDefined()

    // an admin lists everyone's sessions and ends one
    const third = await login('zhang', 'zhang-password')
    const all = (await app.api.get('/api/admin/sessions?all=1')).body.data
    const victim = all.find((s: any) => s.username === 'zhang' && s.id !== current)
    expect(victim).toBeDefined()
    expect((await first.client.delete(`/api/sessions/${'0'.repeat(64)}`)).status).toBe(404)
    expect((await app.api.delete(`/api/admin/sessions/${victim.id}`)).status).toBe(204)
    expect((await third.client.get('/api/auth/me')).status).toBe(401)
    expect(await audit('session_end')).toHaveLength(1)
    // a user ends their own
    expect((await first.client.delete(`/api/sessions/${current}`)).status).toBe(204)
    expect((await first.client.get('/api/auth/me')).status).toBe(401)
  })
})
