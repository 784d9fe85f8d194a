import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { businessDate, addDays } from '../../schema/lib/time'
import { startTestApp, type TestApp } from '../support/app'
import { starterPack } from '../support/packs'

let app: TestApp
const today = businessDate(Date.now())
const ids: Record<string, number> = {}

beforeAll(async () => {
  app = await startTestApp({ packs: [starterPack()] })
  const contacts = await app.api.post('/api/forms/contacts/records', [
    { name: '张伟', company: 'Acme 100%', level: 'vip', tags: ['wholesale'], birthday: addDays(today, -3), address: { province: '浙江省', city: '杭州市' }, active: true },
    { name: '李娜', company: 'Beta_Co', level: 'normal', tags: ['retail', 'repeat'], birthday: addDays(today, -40), active: false },
    { name: '王芳', level: 'vip', birthday: null, address: { province: '江苏省' } },
    { name: "O'Brien", company: 'Gamma', level: 'new', tags: ['repeat'], birthday: addDays(today, -1) },
  ])
  for (const c of contacts.body.data) ids[c.name] = c.id
  const products = await app.api.post('/api/forms/items/records', [
    { sku: 'P1', name: '甲', price: '10.00', cost: '4.00', weight: '1.000' },
    { sku: 'P2', name: '乙', price: '10.00', cost: '6.00' },
    { sku: 'P3', name: '丙', price: '25.50' },
    { sku: 'P4', name: '丁', price: '3.20', weight: '0.500' },
  ])
  for (const p of products.body.data) ids[p.sku] = p.id
  await app.api.post('/api/forms/quotes/records', [
    { customer: ids['张伟'], lines: [{ product: ids.P1, qty: 5 }, { product: ids.P2, qty: 1 }] },
    { customer: ids['李娜'], lines: [{ product: ids.P3, qty: 2 }] },
  ])
})
afterAll(async () => {
  await app?.close()
})

async function query(form: string, body: Record<string, unknown>) {
  return app.api.post(`/api/forms/${form}/records/query`, body)
}
async function names(filter: unknown, sort = 'name'): Promise<string[]> {
  const res = await query('contacts', { filter, sort, limit: 100 })
  expect(res.status).toBe(200)
  return res.body.data.map((r: any) => r.name)
}

describe('the filter language', () => {
  it('compares text, numbers, dates and booleans', async () => {
    expect(await names({ field: 'level', op: 'eq', value: 'vip' })).toEqual(['张伟', '王芳'])
    expect(await names({ field: 'level', op: 'ne', value: 'vip' })).toEqual(["O'Brien", '李娜'])
    expect(await names({ field: 'level', op: 'in', value: ['new', 'normal'] })).toEqual(["O'Brien", '李娜'])
    expect(await names({ field: 'company', op: 'contains', value: 'co' })).toEqual(['李娜'])
    expect(await names({ field: 'company', op: 'contains', value: '100%' })).toEqual(['张伟'])
    expect(await names({ field: 'company', op: 'contains', value: '_' })).toEqual(['李娜'])
    expect(await names({ field: 'company', op: 'is_empty' })).toEqual(['王芳'])
    expect(await names({ field: 'active', op: 'eq', value: false })).toEqual(['李娜'])
    expect(await names({ field: 'birthday', op: 'lt', value: addDays(today, -2) })).toEqual(['张伟', '李娜'])
    expect(await names({ field: 'birthday', op: 'between', value: [addDays(today, -5), today] })).toEqual(["O'Brien", '张伟'])
    const prices = await query('items', { filter: { field: 'price', op: 'gte', value: '10' }, sort: 'sku' })
    expect(prices.body.data.map((p: any) => p.sku)).toEqual(['P1', 'P2', 'P3'])
    // A blank cost counts as 0 in the margin formula, as in Excel.
    const margin = await query('items', { filter: { field: 'margin', op: 'gt', value: 5 }, sort: 'sku' })
    expect(margin.body.data.map((p: any) => [p.sku, p.margin])).toEqual([['P1', '6.00'], ['P3', '25.50']])
  })

  it('handles relative dates, lists, links, sub-forms, address parts and groups', async () => {
    expect(await names({ field: 'birthday', op: 'eq', value: { $range: 'last_7_days' } })).toEqual(["O'Brien", '张伟'])
    expect(await names({ field: 'birthday', op: 'gte', value: { $date: '-2d' } })).toEqual(["O'Brien"])
    expect(await names({ field: 'tags', op: 'contains', value: 'repeat' })).toEqual(["O'Brien", '李娜'])
    expect(await names({ field: 'tags', op: 'is_empty' })).toEqual(['王芳'])
    expect(await names({ field: 'address.province', op: 'eq', value: '浙江省' })).toEqual(['张伟'])
    expect(await names({ field: 'owner', op: 'eq', value: { $var: 'current_user' } })).toHaveLength(4)
    expect(await names({ or: [{ field: 'level', op: 'eq', value: 'new' }, { and: [{ field: 'level', op: 'eq', value: 'vip' }, { not: { field: 'birthday', op: 'is_empty' } }] }] })).toEqual([
      "O'Brien",
      '张伟',
    ])
    const byCustomer = await query('quotes', { filter: { field: 'customer', op: 'in', value: [ids['李娜']] } })
    expect(byCustomer.body.data.map((q: any) => q.customer.display)).toEqual(['李娜'])
    const withP2 = await query('quotes', { filter: { field: 'lines', op: 'any', where: { field: 'product', op: 'eq', value: ids.P2 } } })
    expect(withP2.body.data.map((q: any) => q.customer.display)).toEqual(['张伟'])
    const allBig = await query('quotes', { filter: { field: 'lines', op: 'all', where: { field: 'qty', op: 'gte', value: 2 } } })
    expect(allBig.body.data.map((q: any) => q.customer.display)).toEqual(['李娜'])
    const byLookup = await query('quotes', { filter: { field: 'lines', op: 'any', where: { field: 'product_sku', op: 'eq', value: 'P3' } } })
    expect(byLookup.body.data).toHaveLength(1)
  })

  it('explains a bad filter instead of failing', async () => {
    const cases: [unknown, RegExp][] = [
      [{ field: 'nmae', op: 'eq', value: 'x' }, /filter\.field: unknown field "nmae"/],
      [{ field: 'level', op: 'like', value: 'x' }, /filter/],
      [{ field: 'price', op: 'contains', value: 'x' }, /unknown field|does not apply/],
      [{ field: 'birthday', op: 'eq', value: '2026-13-01' }, /not a date/],
      [{ field: 'level', op: 'in', value: [] }, /non-empty array/],
      [{ field: 'birthday', op: 'eq', value: { $range: 'fortnight' } }, /unknown date range/],
      [{ and: [{ field: 'name', op: 'eq' }] }, /needs a value/],
    ]
    for (const [filter, message] of cases) {
      const res = await query('contacts', { filter })
      expect(res.status, JSON.stringify(filter)).toBe(422)
      expect(res.body.error.message).toMatch(message)
    }
    const malformed = await app.api.get('/api/forms/contacts/records?filter=%7Bnot-json')
    expect(malformed.status).toBe(400)
    let deep: any = { field: 'name', op: 'eq', value: 'x' }
    for (let i = 0; i < 20; i++) deep = { not: deep }
    expect((await query('contacts', { filter: deep })).status).toBe(422)
  })

  it('never lets request text reach SQL as SQL', async () => {
    const attempts = [
      { filter: { field: 'name"; DROP TABLE f_contacts; --', op: 'eq', value: 'x' } },
      { filter: { field: 'name', op: 'eq', value: "x' OR '1'='1" } },
      { filter: { field: 'name', op: 'contains', value: "%' OR 1=1 --" } },
      { sort: 'name; DROP TABLE f_contacts' },
      { sort: 'name DESC' },
      { sort: '(SELECT 1)' },
      { filter: { field: 'id', op: 'in', value: ['1) OR (1=1'] } },
    ]
    for (const body of attempts) {
      const res = await query('contacts', body)
      expect([200, 400, 422], JSON.stringify(body)).toContain(res.status)
      if (res.status === 200) expect(res.body.data).toEqual([])
    }
    expect(await names({ field: 'name', op: 'eq', value: "O'Brien" })).toEqual(["O'Brien"])
    expect((await query('contacts', { limit: 100 })).body.total).toBe(4)
  })
})

describe('sorting and paging', () => {
  it('sorts by several columns with NULLs smallest (first ascending, last descending) and a stable id tie-break', async () => {
    const res = await query('items', { sort: '-price,weight', limit: 10 })
    expect(res.body.data.map((p: any) => p.sku)).toEqual(['P3', 'P2', 'P1', 'P4'])
    const asc = await query('contacts', { sort: 'birthday' })
    expect(asc.body.data.map((c: any) => c.name)).toEqual(['王芳', '李娜', '张伟', "O'Brien"])
    const desc = await query('contacts', { sort: '-birthday' })
    expect(desc.body.data.map((c: any) => c.name)).toEqual(["O'Brien", '张伟', '李娜', '王芳'])
    const byLink = await query('quotes', { sort: '-customer' })
    expect(byLink.body.data.map((q: any) => q.customer.display)).toEqual(['李娜', '张伟'].sort().reverse())
    expect((await query('contacts', { sort: 'tags' })).status).toBe(400)
  })

  it('gives the same rows by offset and by cursor, page after page', async () => {
    await app.api.post('/api/forms/items/records', Array.from({ length: 37 }, (_, i) => ({ sku: `Q${String(i).padStart(2, '0')}`, name: `批量${i}`, price: String((i % 5) + 1), weight: i % 3 === 0 ? null : String(i % 4) })))
    const sort = 'weight,-price'
    const all = (await query('items', { sort, limit: 500 })).body.data.map((p: any) => p.id)
    expect(all).toHaveLength(41)
    const byOffset: number[] = []
    for (let offset = 0; offset < all.length; offset += 7) byOffset.push(...(await query('items', { sort, limit: 7, offset })).body.data.map((p: any) => p.id))
    const byCursor: number[] = []
    let cursor: string | null = null
    do {
      const page: any = await query('items', { sort, limit: 7, ...(cursor ? { cursor } : {}) })
      byCursor.push(...page.body.data.map((p: any) => p.id))
      cursor = page.body.next_cursor
    } while (cursor)
    expect(byOffset).toEqual(all)
    expect(byCursor).toEqual(all)
    expect(new Set(all).size).toBe(41)
    const foreign = await query('items', { sort: 'price', cursor: (await query('items', { sort, limit: 2 })).body.next_cursor })
    expect(foreign.status).toBe(400)
  })
})
