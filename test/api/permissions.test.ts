import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type ApiClient, type TestApp } from '../support/app'

/**
 * Roles over HTTP (docs/permissions.md): a permission matrix generated from the built-in roles
 * (GET /api/roles + the catalog), hidden fields on every path that could show them, row scopes and
 * the warehouse keeper end to end.
 */
let app: TestApp
let roles: any[]
let catalog: { capabilities: string[]; forms: any[] }
const clients = new Map<string, ApiClient>()
let w1: number
let w2: number
let sku: number

const WRITES = new Set(['create', 'edit', 'delete', 'import'])

function allows(role: any, form: any, permission: string): boolean {
  const def = role.definition
  if (def.all) return true
  const grant = def.forms?.[form.key] ?? (form.pack_key ? def.forms?.['*'] : undefined)
  if (!grant) return false
  if (grant.allow.includes(permission)) return true
  return grant.allow.includes('*') && permission !== 'design' && !(form.system_written && WRITES.has(permission))
}

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: true } })
  roles = (await app.api.get('/api/roles')).body.data
  catalog = (await app.api.get('/api/roles/catalog')).body
  const warehouses = (await app.api.get('/api/forms/warehouses/records?sort=id')).body.data
  w1 = warehouses[0].id
  w2 = warehouses[1].id
  sku = (await app.api.get('/api/forms/skus/records?sort=id&limit=1')).body.data[0].id
  for (const role of roles) if (role.key !== 'admin') clients.set(role.key, await app.clientFor(`u_${role.key}`, [role.key], { warehouses: [w1] }))
  // stock in W2 that the W1 keeper must never see
  const other = await app.api.post('/api/forms/stock_in/records', { type: 'purchase', warehouse: w2, lines: [{ sku, qty_received: 5, qty_accepted: 5, unit_cost: '30.00' }] })
  expect(other.status).toBe(201)
  expect((await app.api.post(`/api/forms/stock_in/records/${other.body.data.id}/actions/submit`, {})).status).toBe(200)
}, 240_000)

afterAll(async () => {
  await app?.close()
})

describe('built-in roles', () => {
  it('are listed with the pack key, and the catalog names every form, permission and field', async () => {
    expect(roles.map((r) => r.key)).toEqual(['admin', 'manager', 'service', 'warehouse', 'finance', 'operations'])
    expect(roles.find((r) => r.key === 'warehouse')).toMatchObject({ label: { 'zh-CN': '仓管' }, pack_key: 'taobao_erp', builtin: true, customized: false })
    expect(catalog.capabilities).toContain('users.manage')
    const orders = catalog.forms.find((f) => f.key === 'orders')
    expect(orders.permissions.map((p: any) => p.key)).toEqual(expect.arrayContaining(['view', 'create', 'audit', 'ship']))
    expect(orders.fields.map((f: any) => f.path)).toEqual(expect.arrayContaining(['profit', 'lines.price']))
  })

  it('allow and refuse every form permission as their definitions say (403 before any record is loaded)', async () => {
    const missing = 999_999_999
    const mismatches: string[] = []
    for (const role of roles.filter((r) => r.key !== 'admin')) {
      const client = clients.get(role.key)!
      await Promise.all(
        catalog.forms.map(async (form) => {
          const base = `/api/forms/${form.key}/records`
          for (const { key: permission } of form.permissions) {
            const allowed = allows(role, form, permission)
            const probes: [string, Promise<{ status: number }>][] = []
            if (permission === 'view') {
              probes.push(['list', client.get(`${base}?limit=1`)])
              probes.push(['get', client.get(`${base}/${missing}`)])
              probes.push(['aggregate', client.post(`${base}/aggregate`, { measures: [{ fn: 'count', as: 'n' }] })])
            } else if (permission === 'create') probes.push(['create', client.post(base, {})])
            else if (permission === 'edit') probes.push(['update', client.patch(`${base}/${missing}`, {})])
            else if (permission === 'delete') probes.push(['delete', client.delete(`${base}/${missing}`)])
            else if (permission === 'export') probes.push(['export', client.get(`/api/forms/${form.key}/export?format=csv`)])
            else if (['import', 'print', 'design'].includes(permission)) continue
            else probes.push([`action ${permission}`, client.post(`${base}/${missing}/actions/${permission}`, {})])
            for (const [path, request] of probes) {
              const { status } = await request
              // 'view' needs the records to be readable; everything else must not answer 403 when allowed
              if (allowed ? status === 403 : status !== 403) mismatches.push(`${role.key} ${form.key} ${permission} ${path}: ${status}`)
            }
          }
        }),
      )
    }
    expect(mismatches).toEqual([])
  }, 120_000)

  it('gate capabilities: users and packs for administrators, shops and the designer for the manager', async () => {
    const manager = clients.get('manager')!
    const service = clients.get('service')!
    expect((await manager.get('/api/users')).status).toBe(403)
    expect((await manager.get('/api/packs')).status).toBe(403)
    expect((await manager.get('/api/roles')).status).toBe(403)
    expect((await manager.get('/api/designer/orders/next-number?field=no')).status).toBe(200)
    expect((await service.get('/api/designer/orders/next-number?field=no')).body.error).toMatchObject({ reason: 'capability_denied', params: { capability: 'forms.design' } })
    expect((await service.request('PUT', '/api/shops/1/connection', {})).status).toBe(403)
    expect((await service.post('/api/shops/1/sync', {})).body.error).toMatchObject({ reason: 'capability_denied', params: { capability: 'sync.run' } })
    expect((await service.post('/api/imports/seller-center/commit', { token: 'x' })).body.error).toMatchObject({ params: { capability: 'stock.upload' } })
    expect((await service.delete('/api/forms/shops/records/1')).body.error).toMatchObject({ reason: 'permission_denied', params: { permission: 'delete' } })
    const me = (await service.get('/api/auth/me')).body.data
    expect(me.roles).toEqual([{ key: 'service', label: { 'zh-CN': '客服', en: 'Customer service' } }])
    expect(me.permissions.all).toBe(false)
    expect(me.permissions.forms.orders.allow).toEqual(expect.arrayContaining(['view', 'audit']))
    expect(me.permissions.forms.orders.hidden).toEqual(expect.arrayContaining(['profit', 'cogs']))
    expect(me.permissions.forms.journal).toBeUndefined()
    expect((await app.api.get('/api/auth/me')).body.data.permissions.all).toBe(true)
  })
})

describe('the warehouse keeper', () => {
  const COST = ['cost_price']
  it('never sees cost: hidden keys are absent from lists, records, lines and lookups', async () => {
    const keeper = clients.get('warehouse')!
    const skus = (await keeper.get('/api/forms/skus/records?limit=5')).body.data
    expect(skus.length).toBeGreaterThan(0)
    for (const row of skus) for (const key of COST) expect(row).not.toHaveProperty(key)
    const balances = (await keeper.get('/api/forms/stock_balances/records?limit=50')).body.data
    expect(balances.length).toBeGreaterThan(0)
    for (const row of balances) {
      expect(row).not.toHaveProperty('value')
      expect(row).not.toHaveProperty('unit_cost')
      expect(row.warehouse.id).toBe(w1)
    }
    const ledger = (await keeper.get('/api/forms/stock_ledger/records?limit=5')).body.data
    for (const row of ledger) for (const key of ['value', 'unit_cost', 'value_after']) expect(row).not.toHaveProperty(key)
    const stockIn = (await keeper.get('/api/forms/stock_in/records?lines=1')).body.data
    expect(stockIn.length).toBe(1)
    expect(stockIn[0]).not.toHaveProperty('total_amount')
    for (const line of stockIn[0].lines) {
      for (const key of ['unit_cost', 'cost_value', 'amount']) expect(line).not.toHaveProperty(key)
      expect(line).toHaveProperty('qty_accepted')
    }
    const one = (await keeper.get(`/api/forms/stock_in/records/${stockIn[0].id}`)).body.data
    expect(one.lines[0]).not.toHaveProperty('unit_cost')
    // a lookup of a hidden field (combos' parts.cost_price shows skus.cost_price) is hidden too
    const me = (await keeper.get('/api/auth/me')).body.data.permissions.forms
    expect(me.combos.hidden).toContain('parts.cost_price')
    expect(me.stock_in.hidden).toEqual(expect.arrayContaining(['lines.unit_cost', 'lines.amount', 'total_amount']))
    expect(me.orders.hidden).toEqual(expect.arrayContaining(['profit', 'cogs', 'stock_value_moved']))
    expect(me.stock_in.allow).not.toContain('void')
  })

  it('cannot reach a hidden field through filter, sort, group-by, aggregate, export or the OpenAPI document', async () => {
    const keeper = clients.get('warehouse')!
    const filter = encodeURIComponent(JSON.stringify({ field: 'cost_price', op: 'gt', value: '0' }))
    expect((await keeper.get(`/api/forms/skus/records?filter=${filter}`)).status).toBe(422)
    expect((await keeper.get('/api/forms/skus/records?sort=cost_price')).body.error).toMatchObject({ reason: 'cannot_sort_by' }) // as for an unknown field
    expect((await keeper.post('/api/forms/skus/records/aggregate', { group_by: ['cost_price'], measures: [{ fn: 'count', as: 'n' }] })).status).toBe(422)
    expect((await keeper.post('/api/forms/stock_balances/records/aggregate', { measures: [{ fn: 'sum', field: 'value', as: 'v' }] })).status).toBe(422)
    const lines = await keeper.post('/api/forms/stock_in.lines/records/aggregate', { measures: [{ fn: 'sum', field: 'unit_cost', as: 'v' }] })
    expect(lines.status).toBe(422)
    // the grid's quick search is a filter too: a hidden field among its fields is refused like any other
    const quick = encodeURIComponent(JSON.stringify({ or: [{ field: 'outer_id', op: 'contains', value: '22' }, { field: 'cost_price', op: 'eq', value: '22' }] }))
    expect((await keeper.get(`/api/forms/skus/records?filter=${quick}`)).status).toBe(422)
    const anyLine = encodeURIComponent(JSON.stringify({ field: 'lines', op: 'any', where: { field: 'unit_cost', op: 'gt', value: '0' } }))
    expect((await keeper.get(`/api/forms/stock_in/records?filter=${anyLine}`)).status).toBe(422)
    expect((await keeper.get('/api/forms/skus/export?format=csv')).body.error).toMatchObject({ reason: 'permission_denied', params: { permission: 'export' } })
    expect((await keeper.get('/api/forms/stock_balances/export?format=csv&fields=sku,value')).status).toBe(422)
    const csv = await keeper.get('/api/forms/stock_balances/export?format=csv')
    expect(csv.status).toBe(200)
    const labels = catalog.forms.find((f) => f.key === 'stock_balances').fields.filter((f: any) => ['value', 'unit_cost'].includes(f.path)).map((f: any) => f.label['zh-CN'])
    expect(labels.length).toBe(2)
    for (const label of labels) expect(String(csv.body).split('\n')[0]).not.toContain(label)
    expect(String(csv.body).split('\n').length).toBeGreaterThan(2)
    const openapi = (await keeper.get('/api/openapi.json')).body
    expect(openapi.components.schemas.skus.properties).not.toHaveProperty('cost_price')
    expect(openapi.components.schemas.journal).toBeUndefined()
    expect(openapi.paths['/api/forms/skus/records'].post).toBeUndefined()
  })

  it('sees and changes only the rows of their warehouse: others are 404 on every path, outside writes refused', async () => {
    const keeper = clients.get('warehouse')!
    const others = (await app.api.get(`/api/forms/stock_in/records?filter=${encodeURIComponent(JSON.stringify({ field: 'warehouse', op: 'eq', value: w2 }))}`)).body.data
    const theirs = others[0].id
    expect((await keeper.get(`/api/forms/stock_in/records/${theirs}`)).status).toBe(404)
    expect((await keeper.patch(`/api/forms/stock_in/records/${theirs}`, { remark: 'x' })).status).toBe(404)
    expect((await keeper.post(`/api/forms/stock_in/records/${theirs}/actions/submit`, {})).status).toBe(404)
    const scopedCount = (await keeper.post('/api/forms/stock_balances/records/aggregate', { group_by: ['warehouse'], measures: [{ fn: 'count', as: 'n' }] })).body.data
    expect(scopedCount.map((g: any) => g.warehouse.id ?? g.warehouse)).toEqual([w1])
    // creating a document for another warehouse is refused; for their own it works, and submit too, void not
    const outside = await keeper.post('/api/forms/stock_in/records', { type: 'purchase', warehouse: w2, lines: [{ sku, qty_received: 1, qty_accepted: 1 }] })
    expect(outside.body.error).toMatchObject({ reason: 'record_outside_scope' })
    const own = await keeper.post('/api/forms/stock_in/records', { type: 'purchase', warehouse: w1, lines: [{ sku, qty_received: 2, qty_accepted: 2 }] })
    expect(own.status).toBe(201)
    expect(own.body.data.lines[0]).not.toHaveProperty('unit_cost')
    const written = (await app.api.get(`/api/forms/stock_in/records/${own.body.data.id}`)).body.data
    expect(written.lines[0].unit_cost).not.toBeNull() // the copy of the SKU's cost was made, only not shown
    const costly = await keeper.patch(`/api/forms/stock_in/records/${own.body.data.id}`, { lines: [{ id: own.body.data.lines[0].id, unit_cost: '1.00' }] })
    expect(costly.status).toBe(422)
    expect(costly.body.error.details[0]).toMatchObject({ code: 'field_readonly_for_role' })
    const moved = await keeper.patch(`/api/forms/stock_in/records/${own.body.data.id}`, { warehouse: w2 })
    expect(moved.body.error).toMatchObject({ reason: 'record_outside_scope' })
    expect((await keeper.post(`/api/forms/stock_in/records/${own.body.data.id}/actions/submit`, {})).status).toBe(200)
    expect((await app.api.get(`/api/forms/stock_in/records/${own.body.data.id}`)).body.data.lines[0].unit_cost).toBe(written.lines[0].unit_cost)
    expect((await keeper.post(`/api/forms/stock_in/records/${own.body.data.id}/actions/void`, {})).body.error).toMatchObject({ reason: 'permission_denied' })
  })

  it('with no warehouse assigned sees no rows', async () => {
    const none = await app.clientFor('keeper_none', ['warehouse'])
    expect((await none.get('/api/forms/stock_balances/records')).body).toMatchObject({ data: [], total: 0 })
    expect((await none.get('/api/forms/stock_in/records')).body.total).toBe(0)
    expect((await none.get('/api/forms/skus/records?limit=1')).body.data.length).toBe(1)
  })
})

describe('files and new forms', () => {
  it('a file is readable only by who may read a record holding it; a new form from the designer by administrators only', async () => {
    const form = new FormData()
    form.append('file', new Blob([Buffer.from('iVBORw0KGgo=', 'base64')], { type: 'image/png' }), 'p.png')
    const upload = async () => (await (await fetch(`${app.baseUrl}/api/files?form=products`, { method: 'POST', headers: { authorization: `Bearer ${app.token}` }, body: form })).json()).data
    const held = await upload()
    const loose = await upload()
    const product = (await app.api.get('/api/forms/products/records?limit=1')).body.data[0]
    expect((await app.api.patch(`/api/forms/products/records/${product.id}`, { picture: [held.id] })).status).toBe(200)
    const service = clients.get('service')!
    expect((await service.get(`/api/files/${held.id}`)).status).toBe(200)
    expect((await service.get(`/api/files/${loose.id}`)).status).toBe(404)
    expect((await app.api.get(`/api/files/${loose.id}`)).status).toBe(200)
    const picker = await app.clientFor('u_nofiles', ['finance'])
    expect((await picker.get(`/api/files/${held.id}`)).status).toBe(200)
    const nobody = await app.clientFor('u_nobody', [])
    expect((await nobody.get(`/api/files/${held.id}`)).status).toBe(403)

    const created = await app.api.post('/api/forms', { key: 'notes', label: '笔记', fields: [{ key: 'title', type: 'text', label: '标题' }] })
    expect(created.status).toBe(201)
    expect((await clients.get('manager')!.get('/api/forms/notes/records')).status).toBe(403)
    expect((await clients.get('operations')!.get('/api/forms/notes/records')).status).toBe(403)
    expect((await app.api.get('/api/forms/notes/records')).status).toBe(200)
  })
})

describe('role administration', () => {
  it('creates, changes, resets and deletes roles with coded refusals, and logs each change', async () => {
    const bad = await app.api.post('/api/roles', { definition: { key: 'picker', label: '拣货', forms: { nope: { allow: ['view'] } } } })
    expect(bad.body.error).toMatchObject({ reason: 'role_invalid' })
    expect((await app.api.post('/api/roles', { definition: { key: 'admin', label: 'x' } })).body.error.reason).toBe('role_builtin')
    const made = await app.api.post('/api/roles', { definition: { key: 'picker', label: '拣货', forms: { pick_lists: { allow: ['view'] } } } })
    expect(made.status).toBe(201)
    const picker = await app.clientFor('u_picker', ['picker'])
    expect((await picker.get('/api/forms/pick_lists/records')).status).toBe(200)
    expect((await picker.get('/api/forms/orders/records')).status).toBe(403)
    expect((await app.api.delete('/api/roles/picker')).body.error).toMatchObject({ reason: 'role_in_use', params: { key: 'picker', count: 1 } })
    // the merchant edits a pack role: customized; a reset brings back the pack's
    const service = roles.find((r) => r.key === 'service')
    const edited = { ...service.definition, forms: { ...service.definition.forms, journal: { allow: ['view'] } } }
    const put = await app.api.request('PUT', '/api/roles/service', { definition: edited })
    expect(put.body.data).toMatchObject({ customized: true })
    expect((await clients.get('service')!.get('/api/forms/journal/records')).status).toBe(200)
    const reset = await app.api.post('/api/roles/service/reset', {})
    expect(reset.body.data).toMatchObject({ customized: false })
    expect((await clients.get('service')!.get('/api/forms/journal/records')).status).toBe(403)
    const logged = await app.ctx.db.knex('zg_audit').where({ form: '$roles' }).orderBy('id').pluck('action')
    expect(logged).toEqual(['role_create', 'role_update', 'role_reset'])
  })
})
