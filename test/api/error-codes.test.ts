import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isMessageCode, MESSAGE_CATALOG } from '../../schema/messages/catalog'
import { apiClient, startTestApp, type ApiResponse, type TestApp } from '../support/app'
import { starterPack } from '../support/packs'

/*
 * Every error carries a catalog code and its params beside the English message, field problems
 * included, so the client can word it in zh-CN or English.
 */
let app: TestApp
let customer: number
beforeAll(async () => {
  app = await startTestApp({ packs: [starterPack()] })
  customer = (await app.api.post('/api/forms/contacts/records', { name: '张伟' })).body.data.id
})
afterAll(async () => {
  await app?.close()
})

/** The details of a 422, each checked to use a catalog code with exactly its declared params. */
function details(res: ApiResponse): Record<string, { code: string; params: Record<string, unknown>; message: string }> {
  expect(res.status, JSON.stringify(res.body)).toBe(422)
  expect(res.body.error).toMatchObject({ code: 'validation_failed', reason: 'validation_failed', params: {} })
  const byField: Record<string, { code: string; params: Record<string, unknown>; message: string }> = {}
  for (const d of res.body.error.details) {
    expect(isMessageCode(d.code), d.code).toBe(true)
    expect(Object.keys(d.params).sort(), d.code).toEqual([...MESSAGE_CATALOG[d.code as keyof typeof MESSAGE_CATALOG]].sort())
    byField[d.field] = d
  }
  return byField
}

describe('field problems carry a code and params', () => {
  it('names too many decimals, a non-number and a value below the minimum', async () => {
    const res = await app.api.post('/api/forms/items/records', { sku: 'E-1', name: '测试', price: '1.005', cost: 'abc', weight: '0.0001' })
    expect(details(res)).toEqual({
      price: { field: 'price', code: 'too_many_decimals', params: { max: 2 }, message: 'has more than 2 decimal places' },
      cost: { field: 'cost', code: 'not_a_number', params: { value: 'abc' }, message: '"abc" is not a number' },
      weight: { field: 'weight', code: 'too_many_decimals', params: { max: 3 }, message: 'has more than 3 decimal places' },
    })
    const below = details(await app.api.post('/api/forms/items/records', { sku: 'E-1', name: '测试', price: '-0.01' }))
    expect(below.price).toMatchObject({ code: 'min', params: { min: '0' }, message: 'must be at least 0' })
  })

  it('names required fields, too few lines and a line value below its minimum', async () => {
    const missing = details(await app.api.post('/api/forms/items/records', { sku: 'E-2' }))
    expect(missing.name).toMatchObject({ code: 'required', params: {}, message: 'is required' })
    expect(missing.price).toMatchObject({ code: 'required' })
    const noLines = details(await app.api.post('/api/forms/quotes/records', { customer, lines: [] }))
    expect(noLines.lines).toMatchObject({ code: 'min_lines', params: { min: 1 }, message: 'needs at least 1 line' })
    const item = (await app.api.post('/api/forms/items/records', { sku: 'E-3', name: '杯子', price: '5.00' })).body.data.id
    const zero = details(await app.api.post('/api/forms/quotes/records', { customer, lines: [{ product: item, qty: 0 }] }))
    expect(zero['lines[0].qty']).toMatchObject({ code: 'min', params: { min: '1' } })
  })

  it('passes a rule\'s own words in both languages and names a taken unique value', async () => {
    const item = (await app.api.post('/api/forms/items/records', { sku: 'E-4', name: '毛巾', price: '5.00' })).body.data
    const rule = details(await app.api.post('/api/forms/quotes/records', { customer, discount: '100.00', lines: [{ product: item.id, qty: 1 }] }))
    expect(rule['(record)']).toEqual({
      field: '(record)',
      code: 'rule',
      params: { text: { 'zh-CN': '优惠不能超过小计', en: 'The discount cannot exceed the subtotal' } },
      message: '优惠不能超过小计',
    })
    const taken = details(await app.api.post('/api/forms/items/records', { sku: 'E-4', name: '重复', price: '1.00' }))
    expect(taken.sku).toMatchObject({ code: 'unique', params: { value: 'E-4', id: item.id } })
    const link = details(await app.api.post('/api/forms/quotes/records', { customer: 999999, lines: [{ product: item.id, qty: 1 }] }))
    expect(link.customer).toMatchObject({ code: 'link_not_found', params: { form: { 'zh-CN': '联系人', en: 'Contacts' }, id: 999999 } })
  })
})

describe('other errors carry a reason and params beside their category code', () => {
  it('a missing record, an unknown sort field, a stale version, a wrong password', async () => {
    const gone = await app.api.get('/api/forms/items/records/999999')
    expect(gone.status).toBe(404)
    expect(gone.body.error).toMatchObject({ code: 'not_found', reason: 'record_not_found', params: { id: 999999, form: { 'zh-CN': '产品目录' } } })
    const sort = await app.api.get('/api/forms/items/records?sort=nope')
    expect(sort.status).toBe(400)
    expect(sort.body.error).toMatchObject({ code: 'bad_request', reason: 'cannot_sort_by', params: { field: 'nope' } })
    const item = (await app.api.post('/api/forms/items/records', { sku: 'E-5', name: '碗', price: '3.00' })).body.data
    const stale = await app.api.patch(`/api/forms/items/records/${item.id}`, { name: '碗2', version: item.version + 5 })
    expect(stale.status).toBe(409)
    expect(stale.body.error).toMatchObject({ code: 'conflict', reason: 'stale_version', params: { id: item.id } })
    const login = await apiClient(app.baseUrl).post('/api/auth/login', { username: 'admin', password: 'wrong-password' })
    expect(login.status).toBe(401)
    expect(login.body.error).toMatchObject({ code: 'unauthenticated', reason: 'wrong_password', params: {}, message: 'wrong username or password' })
    const json = await app.api.request('POST', '/api/forms/items/records', '{not json', { 'content-type': 'application/json' })
    expect(json.body.error).toMatchObject({ code: 'bad_request', reason: 'body_not_json' })
  })
})
