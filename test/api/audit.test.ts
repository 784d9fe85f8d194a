import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pruneAudit } from '../../server/audit/trail'
import { loadConfig } from '../../server/config'
import { createSimulator } from '../../server/taobao/simulator'
import { TradeSync } from '../../server/sync/trade-sync'
import { allowGateway, apiClient, startTestApp, type TestApp } from '../support/app'
import { erp } from '../support/erp'

let app: TestApp
let t: ReturnType<typeof erp>
let data: Awaited<ReturnType<ReturnType<typeof erp>['masterData']>>
let adminId: number
let tokenId: number

const entries = async (where: Record<string, unknown>) =>
  (await app.ctx.db.knex('zg_audit').where(where).orderBy('id')).map((r: any) => ({ ...r, changes: r.changes ? JSON.parse(r.changes) : null, user_id: r.user_id == null ? null : Number(r.user_id), token_id: r.token_id == null ? null : Number(r.token_id) }))

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
  adminId = Number((await app.ctx.db.knex('zg_users').where({ username: 'admin' }).first('id')).id)
  tokenId = Number((await app.ctx.db.knex('zg_api_tokens').where({ user_id: adminId }).first('id')).id)
  data = await t.masterData([{ outer_id: 'A-1', cost_price: '10.00' }, { outer_id: 'A-2', cost_price: '12.00' }])
}, 120_000)
afterAll(async () => {
  await app?.close()
})

describe('audit trail', () => {
  let docId: number

  it('records who, from where and field-level before/after of create, update, submit, void and delete', async () => {
    const [a, b] = data.skus
    const doc = await t.create('stock_in', { type: 'other', warehouse: data.main.id, lines: [{ sku: a.id, qty_received: 5, qty_accepted: 5, unit_cost: '3.00' }, { sku: b.id, qty_received: 1, qty_accepted: 1 }] })
    docId = doc.id
    const [created] = await entries({ form: 'stock_in', record_id: doc.id, action: 'create' })
    expect(created).toMatchObject({ user_id: adminId, actor_name: 'admin', token_id: tokenId, source: 'api' })
    expect(created.ip).toMatch(/127\.0\.0\.1/)
    expect(created.changes.after).toMatchObject({ type: 'other', warehouse: data.main.id, lines: [{ sku: a.id, qty_received: '5', unit_cost: '3.00' }, { sku: b.id, qty_received: '1' }] })

    // a person's session: source ui
    const login = await fetch(`${app.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'admin-password' }) })
    expect(login.status).toBe(200)
    const ui = apiClient(app.baseUrl, { cookie: login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') })
    const [first, second] = doc.lines
    const res = await ui.patch(`/api/forms/stock_in/records/${doc.id}`, { remark: '到货', lines: [{ id: first.id, qty_received: 6 }, { sku: b.id, qty_received: 2, qty_accepted: 2 }] })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const [updated] = await entries({ form: 'stock_in', record_id: doc.id, action: 'update' })
    expect(updated).toMatchObject({ user_id: adminId, actor_name: 'admin', token_id: null, source: 'ui' })
    expect(updated.changes.remark).toEqual([null, '到货'])
    expect(updated.changes.lines.changed).toEqual([expect.objectContaining({ id: first.id, changes: expect.objectContaining({ qty_received: ['5', '6'] }) })])
    expect(updated.changes.lines.added).toEqual([expect.objectContaining({ sku: b.id, qty_received: '2' })])
    expect(updated.changes.lines.removed).toEqual([expect.objectContaining({ id: second.id, sku: b.id })])
    expect(Object.keys(updated.changes)).not.toContain('warehouse')

    await t.submit('stock_in', doc.id)
    const [submitted] = await entries({ form: 'stock_in', record_id: doc.id, action: 'submit' })
    expect(submitted).toMatchObject({ user_id: adminId, source: 'api', token_id: tokenId })
    expect(submitted.changes.fields.doc_status).toEqual(['draft', 'submitted'])
    // what the submit's rules wrote (ledger lines, balances) is the system's work for the admin: source rule
    const ledger = await entries({ form: 'stock_ledger' })
    expect(ledger.length).toBeGreaterThan(0)
    for (const e of ledger) expect(e).toMatchObject({ user_id: adminId, actor_name: 'admin', source: 'rule', token_id: tokenId })
    expect((await entries({ form: 'stock_balances' })).every((e) => e.source === 'rule')).toBe(true)

    expect((await t.act('stock_in', doc.id, 'void')).status).toBe(200)
    const [voided] = await entries({ form: 'stock_in', record_id: doc.id, action: 'void' })
    expect(voided.changes.fields.doc_status).toEqual(['submitted', 'void'])

    const draft = await t.create('stock_in', { type: 'other', warehouse: data.main.id, remark: '作废草稿', lines: [{ sku: a.id, qty_received: 1, qty_accepted: 1 }] })
    expect((await app.api.delete(`/api/forms/stock_in/records/${draft.id}`)).status).toBe(204)
    const [deleted] = await entries({ form: 'stock_in', record_id: draft.id, action: 'delete' })
    expect(deleted).toMatchObject({ user_id: adminId, source: 'api' })
    expect(deleted.changes.before).toMatchObject({ remark: '作废草稿', lines: [{ sku: a.id, qty_received: '1' }] })
  })

  it('records imports as one entry per batch with the after-images, sync writes as the sync, and actions', async () => {
    const file = new FormData()
    file.append('file', new Blob([new TextEncoder().encode('名称,联系人\n华东仓,张三\n华南仓,李四')]), 'w.csv')
    file.append('options', JSON.stringify({ mapping: { 名称: 'name', 联系人: 'contact' } }))
    const started = await fetch(`${app.baseUrl}/api/forms/suppliers/import`, { method: 'POST', headers: { authorization: `Bearer ${app.token}` }, body: file })
    const job = (await started.json()) as any
    expect(started.status, JSON.stringify(job)).toBe(202)
    let state: any
    do state = (await app.api.get(`/api/forms/suppliers/import/${job.data.job}`)).body.data
    while (['validating', 'writing'].includes(state.state))
    expect(state).toMatchObject({ state: 'done', created: 2 })
    const [batch] = await entries({ form: 'suppliers', action: 'import' })
    expect(batch).toMatchObject({ user_id: adminId, actor_name: 'admin', source: 'import' })
    expect(batch.changes.ids).toHaveLength(2)
    expect(batch.changes.after.map((r: any) => r.name)).toEqual(['华东仓', '华南仓'])
    // the second record's history finds the batch entry, with its own after-image only
    const history = await app.api.get(`/api/forms/suppliers/records/${batch.changes.ids[1]}/history`)
    expect(history.status).toBe(200)
    expect(history.body.data).toEqual([expect.objectContaining({ action: 'import', source: 'import', changes: { ids: [batch.changes.ids[1]], after: [expect.objectContaining({ name: '华南仓' })] } })])

    const sim = createSimulator({ seed: 7, appKey: 'K', appSecret: 'S', session: 'T', mode: 'test', startTime: '2026-11-20 12:00:00', historyDays: 1, tradesPerHour: 1, catalog: { items: [{ title: 'T恤', outerId: 'A', price: '59.00', skus: [{ outerId: 'A-1', properties: '颜色分类:白色', quantity: 100 }] }] } })
    const gateway = await sim.listen(0, '127.0.0.1')
    allowGateway(app, gateway.gatewayUrl)
    try {
      const bound = await t.ok(app.api.post('/api/shops', { name: '模拟店', platform: 'taobao', app_key: 'K', app_secret: 'S', session: 'T', gateway_url: gateway.gatewayUrl }), 201)
      const summary = await new TradeSync(app.ctx, app.ctx.connections).run(bound.data.shop.id, { full: true })
      expect(summary.status, JSON.stringify(summary)).toBe('succeeded')
    } finally {
      await gateway.close()
    }
    const trades = await entries({ form: 'platform_trades' })
    expect(trades.length).toBeGreaterThan(0)
    for (const e of trades) expect(e).toMatchObject({ user_id: null, actor_name: 'sync', source: 'sync', token_id: null })
    const orders = await entries({ form: 'orders', action: 'create' })
    expect(orders.length).toBeGreaterThan(0)
    for (const e of orders) expect(e).toMatchObject({ actor_name: 'sync', source: 'sync' })

    const order = orders[0]
    const held = await t.act('orders', order.record_id, 'hold', { reason: '客户要求' })
    expect(held.status, JSON.stringify(held.body)).toBe(200)
    const [hold] = await entries({ form: 'orders', record_id: order.record_id, action: 'hold' })
    expect(hold).toMatchObject({ user_id: adminId, source: 'api' })
    expect(hold.changes.fields.status[1]).toBe('hold')
  })

  it('answers a record history to who may read it, without the fields they may not see', async () => {
    const history = await app.api.get(`/api/forms/stock_in/records/${docId}/history`)
    expect(history.status).toBe(200)
    expect(history.body.data.map((e: any) => e.action)).toEqual(['void', 'submit', 'update', 'create'])
    expect(history.body.data[2].changes.remark).toEqual([null, '到货'])
    expect(history.body.data[3].changes.after.lines[0].unit_cost).toBe('3.00')
    // linked records come with their titles, for showing values by name
    expect(history.body.titles.warehouses[data.main.id]).toBe(data.main.name)
    expect(history.body.titles.skus[data.skus[0].id]).toBe(data.skus[0].outer_id)

    // the pack's 仓管 role reads stock-in documents of its warehouse, without costs and amounts
    const keeper = await app.clientFor('keeper', ['warehouse'], { warehouses: [data.main.id] })
    const seen = await keeper.get(`/api/forms/stock_in/records/${docId}/history`)
    expect(seen.status, JSON.stringify(seen.body)).toBe(200)
    const [, , update, create] = seen.body.data
    expect(update.changes.remark).toEqual([null, '到货'])
    expect(update.changes).not.toHaveProperty('total_amount')
    expect(update.changes.lines.changed[0].changes).toHaveProperty('qty_received')
    expect(update.changes.lines.changed[0].changes).not.toHaveProperty('amount')
    expect(update.changes.lines.added[0]).not.toHaveProperty('unit_cost')
    expect(create.changes.after).not.toHaveProperty('total_amount')
    expect(create.changes.after.lines[0]).not.toHaveProperty('unit_cost')
    expect(create.changes.after.lines[0]).toHaveProperty('sku')
    expect(JSON.stringify(seen.body)).not.toContain('3.00')

    // no permission for the form: 403; a record outside the row scope: 404, as for reading it
    const service = await app.clientFor('kefu', ['service'])
    expect((await service.get(`/api/forms/stock_in/records/${docId}/history`)).status).toBe(403)
    const elsewhere = await app.clientFor('keeper2', ['warehouse'], { warehouses: [data.returns.id] })
    expect((await elsewhere.get(`/api/forms/stock_in/records/${docId}/history`)).status).toBe(404)
    expect((await app.api.get(`/api/forms/stock_in/records/999999/history`)).status).toBe(404)
    // the audit log needs audit.view
    expect((await keeper.get('/api/audit')).body.error).toMatchObject({ reason: 'capability_denied' })
  })

  it('lists the trail to administrators with filters and keyset paging; no route changes or deletes an entry', async () => {
    const byAction = await app.api.get('/api/audit?form=stock_in&action=update')
    expect(byAction.status).toBe(200)
    expect(byAction.body.data).toEqual([expect.objectContaining({ form: 'stock_in', record_id: docId, action: 'update', source: 'ui', form_label: expect.anything() })])
    const sync = await app.api.get('/api/audit?source=sync&form=platform_trades')
    expect(sync.body.data.length).toBeGreaterThan(0)
    expect(sync.body.data.every((e: any) => e.source === 'sync')).toBe(true)
    const mine = await app.api.get(`/api/audit?user=${adminId}&source=rule&limit=200`)
    expect(mine.body.data.length).toBeGreaterThan(0)
    expect(mine.body.data.every((e: any) => e.user_id === adminId && e.source === 'rule')).toBe(true)
    expect((await app.api.get('/api/audit?from=2999-01-01T00:00:00Z')).body.data).toEqual([])
    expect((await app.api.get(`/api/audit?to=${Date.now() + 60_000}&record_id=${docId}&form=stock_in`)).body.data).toHaveLength(4)
    expect((await app.api.get('/api/audit?source=nowhere')).body.error).toMatchObject({ reason: 'audit_bad_query', params: { name: 'source' } })
    expect((await app.api.get('/api/audit?limit=0')).status).toBe(400)

    // keyset paging walks every entry once, newest first
    const total = Number((await app.ctx.db.knex('zg_audit').count({ n: '*' }).first())!.n)
    const seen: number[] = []
    let before: number | null = null
    do {
      const page: any = (await app.api.get(`/api/audit?limit=37${before ? `&before=${before}` : ''}`)).body
      seen.push(...page.data.map((e: any) => e.id))
      before = page.next_cursor
    } while (before)
    expect(seen).toHaveLength(total)
    expect([...seen].sort((a, b) => b - a)).toEqual(seen)

    const firstId = seen[seen.length - 1]
    for (const [method, path] of [['DELETE', `/api/audit/${firstId}`], ['PATCH', `/api/audit/${firstId}`], ['PUT', `/api/audit`], ['POST', '/api/audit'], ['DELETE', '/api/audit'], ['DELETE', `/api/forms/stock_in/records/${docId}/history`], ['POST', '/api/forms/zg_audit/records'], ['DELETE', `/api/forms/zg_audit/records/${firstId}`]] as const) {
      expect((await app.api.request(method, path, method === 'DELETE' ? undefined : {})).status, `${method} ${path}`).toBeGreaterThanOrEqual(400)
    }
    expect(Number((await app.ctx.db.knex('zg_audit').count({ n: '*' }).first())!.n)).toBe(total)
  })

  it('prunes entries past the retention period (0 keeps them forever)', async () => {
    const knex = app.ctx.db.knex
    const now = Date.now()
    await knex('zg_audit').insert({ at: now - 40 * 86_400_000, form: 'stock_in', record_id: 1, action: 'update', actor_name: 'old' })
    const before = Number((await knex('zg_audit').count({ n: '*' }).first())!.n)
    expect(await pruneAudit(knex, 0, now)).toBe(0)
    expect(await pruneAudit(knex, 30, now)).toBe(1)
    expect(Number((await knex('zg_audit').count({ n: '*' }).first())!.n)).toBe(before - 1)
    expect(await knex('zg_audit').where({ actor_name: 'old' }).first()).toBeUndefined()
    expect(loadConfig({ ZG_AUDIT_RETENTION_DAYS: '365' }).auditRetentionDays).toBe(365)
    expect(loadConfig({}).auditRetentionDays).toBe(0)
    expect(() => loadConfig({ ZG_AUDIT_RETENTION_DAYS: '-1' })).toThrow(/ZG_AUDIT_RETENTION_DAYS/)
  })
})

