import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiClient, startTestApp, type ApiResponse, type TestApp } from '../support/app'
import { erp } from '../support/erp'

let app: TestApp
let t: ReturnType<typeof erp>
let data: Awaited<ReturnType<ReturnType<typeof erp>['masterData']>>
beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
  data = await t.masterData([{ outer_id: 'A1' }, { outer_id: 'B1', cost_price: '12.50' }, { outer_id: 'C1', cost_price: '8.00' }])
})
afterAll(async () => {
  await app?.close()
})

const cursorOf = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url')

function expect400(res: ApiResponse, message: RegExp) {
  expect(res.status, JSON.stringify(res.body)).toBe(400)
  expect(res.body.error.message).toMatch(message)
}

describe('bad input is a 400 that says what is wrong', () => {
  it('refuses a sort that is not field names', async () => {
    expect400(await app.api.post('/api/forms/warehouses/records/query', { sort: 5 }), /sort must be/)
    expect400(await app.api.post('/api/forms/warehouses/records/query', { sort: { a: 1 } }), /sort must be/)
    expect400(await app.api.post('/api/forms/warehouses/records/query', { sort: ['code', 3] }), /sort must be/)
    expect((await app.api.post('/api/forms/warehouses/records/query', { sort: ['-code'] })).status).toBe(200)
  })

  it('refuses an upsert that matches by no field', async () => {
    expect400(await app.api.post('/api/forms/warehouses/records/upsert', { by: [], records: [{ code: 'X', name: 'x', type: 'main' }] }), /"by" must name at least one field/)
    expect400(await app.api.post('/api/forms/warehouses/records/upsert', { by: [{}], records: [] }), /"by"/)
  })

  it('refuses split lines that are not objects', async () => {
    const trade = await t.create('platform_trades', {
      shop: data.shop.id, tid: '7000001', status: 'WAIT_SELLER_SEND_GOODS', payment: '2.00', source: 'manual',
      lines: [{ oid: '70000011', outer_sku_id: 'A1', title: 'A1', num: 2, payment: '2.00', price: '1.00' }],
    })
    const order = (await t.ok(t.act('platform_trades', trade.id, 'create_order'))).result.order
    expect400(await t.act('orders', order, 'split', { lines: [null] }), /params\.lines\[0\]/)
    expect400(await t.act('orders', order, 'split', { lines: [{ line: 1 }, 'x'] }), /params\.lines\[1\]/)
  })

  it('refuses offsets and limits beyond safe whole numbers', async () => {
    expect400(await app.api.get('/api/forms/warehouses/records?offset=99999999999999999999'), /offset is too large/)
    expect400(await app.api.post('/api/forms/warehouses/records/query', { offset: 1e20 }), /offset is too large/)
    expect400(await app.api.get('/api/forms/warehouses/records?limit=99999999999999999999'), /limit/)
  })

  it('refuses a token for a user id that is not a number', async () => {
    expect400(await app.api.post('/api/tokens', { name: 'x', user_id: 'abc' }), /user_id must be/)
    expect400(await app.api.post('/api/tokens', { name: 'x', user_id: ['1'] }), /user_id must be/)
    expect400(await app.api.post('/api/tokens', { name: 'x', user_id: 99999 }), /no user 99999/)
    expect((await app.api.post('/api/tokens', { name: 'x', user_id: '1' })).status).toBe(201)
  })

  it('refuses Origin: null on a cookie-authenticated write', async () => {
    const login = await fetch(`${app.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'admin-password' }) })
    const session = apiClient(app.baseUrl, { cookie: login.headers.get('set-cookie')!.split(';')[0] })
    const res = await session.request('POST', '/api/forms/warehouses/records', { code: 'N1', name: 'n', type: 'main' }, { origin: 'null' })
    expect(res.status).toBe(403)
    expect(res.body.error.message).toMatch(/cross-site/)
    expect((await session.request('POST', '/api/auth/logout', {}, { origin: 'null' })).status).toBe(403)
  })
})

describe('hand-made cursors', () => {
  it('refuses values their sort column cannot hold', async () => {
    // [sort, the cursor's sort (the id tie-break follows the first key's default), values]
    const bad: [string | undefined, string, unknown[]][] = [
      [undefined, '-id', ['abc']],
      [undefined, '-id', [1.5]],
      [undefined, '-id', ['99999999999999999999']],
      [undefined, '-id', [{}]],
      ['outer_id', 'outer_id,id', [5, 1]],
      ['cost_price', 'cost_price,id', ['1.00', 1]],
      ['active', 'active,id', ['yes', 1]],
      ['created_at', 'created_at,id', ['yesterday', 1]],
      ['product', 'product,id', [{ id: 1 }, 1]],
    ]
    for (const [sort, s, v] of bad) {
      const res = await app.api.post('/api/forms/skus/records/query', { sort, cursor: cursorOf({ s, v }) })
      expect(res.status, `${s} ${JSON.stringify(v)}: ${JSON.stringify(res.body)}`).toBe(400)
      expect(res.body.error.message).toBe('cursor is not valid')
    }
    const res = await app.api.post('/api/forms/expenses/records/query', { sort: 'date', cursor: cursorOf({ s: 'date,id', v: ['2026-02-30', 1] }) })
    expect400(res, /cursor is not valid/)
  })

  it('still pages through every kind of sort by the cursors it hands out', async () => {
    await t.create('expenses', { date: '2026-03-01', category: 'other', item: '房租', amount: '100.00', shop: data.shop.id })
    await t.create('expenses', { date: '2026-03-02', category: 'other', item: '水电', amount: '20.50' })
    await t.create('expenses', { date: '2026-03-01', category: 'other', item: '网费', amount: '20.50', shop: data.shop.id })
    const pages = async (form: string, sort: string) => {
      const all = (await t.ok(app.api.post(`/api/forms/${form}/records/query`, { sort, limit: 500 }))).data.map((r: any) => r.id)
      const seen: number[] = []
      let cursor: string | null = null
      do {
        const page: any = await t.ok(app.api.post(`/api/forms/${form}/records/query`, { sort, limit: 1, ...(cursor ? { cursor } : {}) }))
        seen.push(...page.data.map((r: any) => r.id))
        cursor = page.next_cursor
      } while (cursor)
      expect(seen, `${form} by ${sort}`).toEqual(all)
    }
    for (const sort of ['date', '-amount', 'shop', 'item,-created_at', 'created_by']) await pages('expenses', sort)
    for (const sort of ['active,outer_id', 'product', 'product_name', '-cost_price']) await pages('skus', sort)
  })
})

describe('field errors', () => {
  it('name a refused value once, not also as missing', async () => {
    const res = await app.api.post('/api/forms/expenses/records', { item: '房租', category: 'rent', amount: '12.345', date: '2026-13-01' })
    expect(res.status).toBe(422)
    expect(res.body.error.details).toEqual([
      { field: 'amount', code: 'too_many_decimals', params: { max: 2 }, message: 'has more than 2 decimal places' },
      { field: 'date', code: 'not_a_date', params: { value: '2026-13-01' }, message: '"2026-13-01" is not a date like 2026-11-27' },
    ])
    const lines = await app.api.post('/api/forms/expenses/records', [{ item: 'a', category: 'rent', amount: '1.00', date: '2026-11-01' }, { item: 'b', category: 'rent', amount: 'x', date: '2026-11-01' }])
    expect(lines.body.error.details).toEqual([{ field: '[1].amount', code: 'not_a_number', params: { value: 'x' }, message: '"x" is not a number' }])
  })
})
