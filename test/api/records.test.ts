import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'
import { starterPack } from '../support/packs'

let app: TestApp
const contact = {
  name: '张伟',
  company: '杭州云锦服饰',
  phone: '13800138000',
  email: 'zw@example.com',
  level: 'vip',
  tags: ['wholesale', 'repeat'],
  address: { province: '浙江省', city: '杭州市', district: '西湖区', detail: '文三路 90 号' },
  birthday: '1988-05-12',
  last_contacted: '2026-11-20 15:30:00',
  active: true,
  notes: '多行\n备注',
}

beforeAll(async () => {
  app = await startTestApp({ packs: [starterPack()] })
})
afterAll(async () => {
  await app?.close()
})

async function count(form: string): Promise<number> {
  return (await app.api.get(`/api/forms/${form}/records?limit=1`)).body.total
}

async function makeProducts() {
  const res = await app.api.post('/api/forms/items/records', [
    { sku: 'A-1', name: '短袖T恤', price: '59.00', cost: '22.50' },
    { sku: 'B-2', name: '马克杯', price: 35.1, cost: '12.80' },
  ])
  expect(res.status).toBe(201)
  return res.body.data as { id: number }[]
}

describe('records over HTTP', () => {
  it('round-trips every scalar field type of a contact', async () => {
    const res = await app.api.post('/api/forms/contacts/records', contact)
    expect(res.status).toBe(201)
    const saved = res.body.data
    expect(saved).toMatchObject({
      name: '张伟',
      level: 'vip',
      tags: ['wholesale', 'repeat'],
      address: contact.address,
      birthday: '1988-05-12',
      last_contacted: '2026-11-20T15:30:00.000+08:00',
      active: true,
      notes: '多行\n备注',
      owner: { id: 1, display: '管理员' },
      version: 1,
    })
    const read = await app.api.get(`/api/forms/contacts/records/${saved.id}`)
    expect(read.body.data).toEqual(saved)
  })

  it('rejects bad values with one message per field and writes nothing', async () => {
    const before = await count('contacts')
    const res = await app.api.post('/api/forms/contacts/records', {
      name: '',
      phone: '12345',
      level: 'gold',
      tags: ['nope'],
      birthday: '2026-02-30',
      active: 'maybe',
      address: { province: '浙江省', city: '南京市' },
      nickname: 'x',
    })
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe('validation_failed')
    const byField = Object.fromEntries(res.body.error.details.map((d: any) => [d.field, d.message]))
    expect(Object.keys(byField).sort()).toEqual(['active', 'address', 'birthday', 'level', 'name', 'nickname', 'phone', 'tags'].sort())
    expect(byField.nickname).toMatch(/unknown field/)
    expect(byField.level).toMatch(/not one of the options/)
    expect(byField.address).toMatch(/not a city of 浙江省/)
    expect(byField.phone).toMatch(/11 位手机号/)
    expect(await count('contacts')).toBe(before)
  })

  it('keeps money exact and refuses more decimals than the scale', async () => {
    const ok = await app.api.post('/api/forms/items/records', { sku: 'M-1', name: '测试', price: 0.1, cost: '0.20' })
    expect(ok.body.data).toMatchObject({ price: '0.10', cost: '0.20', margin: '-0.10' })
    const bad = await app.api.post('/api/forms/items/records', { sku: 'M-2', name: '测试', price: '1.005' })
    expect(bad.status).toBe(422)
    expect(bad.body.error.details[0]).toMatchObject({ field: 'price', message: 'has more than 2 decimal places' })
    const float = await app.api.post('/api/forms/items/records', { sku: 'M-3', name: '测试', price: 0.1 + 0.2 })
    expect(float.status).toBe(422)
  })

  it('enforces unique values and names the field', async () => {
    await app.api.post('/api/forms/items/records', { sku: 'U-1', name: '唯一', price: 1 })
    const dup = await app.api.post('/api/forms/items/records', { sku: 'U-1', name: '重复', price: 1 })
    expect(dup.status).toBe(422)
    expect(dup.body.error.details[0]).toMatchObject({ field: 'sku', code: 'unique' })
  })

  it('writes a quote with lines: copies, formulas, rollups, lookups and an auto-number in one go', async () => {
    const [tee, mug] = await makeProducts()
    const customer = (await app.api.post('/api/forms/contacts/records', { name: '李娜', phone: '13900139000' })).body.data
    const res = await app.api.post('/api/forms/quotes/records', {
      customer: customer.id,
      quote_date: '2026-11-20',
      valid_until: '2026-12-20',
      discount: '10.00',
      lines: [
        { product: tee.id, qty: 3 },
        { product: mug.id, qty: 2, price: '30.00' },
      ],
    })
    expect(res.status).toBe(201)
    const quote = res.body.data
    expect(quote.no).toMatch(/^QT\d{8}\d{4}$/)
    expect(quote.customer).toEqual({ id: customer.id, display: '李娜' })
    expect(quote.customer_phone).toBe('13900139000')
    expect(quote.lines.map((l: any) => [l.line_no, l.product.display, l.product_sku, l.price, l.qty, l.amount])).toEqual([
      [1, '短袖T恤', 'A-1', '59.00', '3', '177.00'],
      [2, '马克杯', 'B-2', '30.00', '2', '60.00'],
    ])
    expect(quote).toMatchObject({ subtotal: '237.00', line_count: '2', total: '227.00', days_valid: '30', doc_status: 'draft' })
    // The product's rollup over quote lines follows.
    expect((await app.api.get(`/api/forms/items/records/${tee.id}`)).body.data.quoted_qty).toBe('3')

    // PATCH lines: keep line 1 with a new qty, drop line 2, add a new one.
    const first = quote.lines[0]
    const patched = await app.api.patch(`/api/forms/quotes/records/${quote.id}`, {
      version: quote.version,
      lines: [{ id: first.id, qty: 5 }, { product: mug.id, qty: 1 }],
    })
    expect(patched.status).toBe(200)
    expect(patched.body.data.lines.map((l: any) => [l.id === first.id, l.qty, l.price, l.amount])).toEqual([
      [true, '5', '59.00', '295.00'],
      [false, '1', '35.10', '35.10'],
    ])
    expect(patched.body.data).toMatchObject({ subtotal: '330.10', total: '320.10', version: 2 })
    expect((await app.api.get(`/api/forms/items/records/${tee.id}`)).body.data.quoted_qty).toBe('5')

    // The copied price keeps its value when the product's price changes later.
    await app.api.patch(`/api/forms/items/records/${tee.id}`, { price: '99.00' })
    const reread = (await app.api.get(`/api/forms/quotes/records/${quote.id}`)).body.data
    expect(reread.lines[0].price).toBe('59.00')
    // …also when the quote itself is edited later without touching its lines.
    const edited = await app.api.patch(`/api/forms/quotes/records/${quote.id}`, { remark: '改备注' })
    expect(edited.body.data.lines[0].price).toBe('59.00')

    // A stale version is refused.
    const stale = await app.api.patch(`/api/forms/quotes/records/${quote.id}`, { version: 1, remark: 'x' })
    expect(stale.status).toBe(409)
    expect(stale.body.error.message).toMatch(/changed by someone else/)
  })

  it('refuses a line that names a missing product and a rule violation, atomically', async () => {
    const customer = (await app.api.post('/api/forms/contacts/records', { name: '王芳' })).body.data
    const before = await count('quotes')
    const missing = await app.api.post('/api/forms/quotes/records', { customer: customer.id, lines: [{ product: 99999, qty: 1 }] })
    expect(missing.status).toBe(422)
    expect(missing.body.error.details[0]).toMatchObject({ field: 'lines[0].product', code: 'link_not_found' })
    const [tee] = await makeProductsOnce()
    const rule = await app.api.post('/api/forms/quotes/records', { customer: customer.id, discount: '1000.00', lines: [{ product: tee.id, qty: 1 }] })
    expect(rule.status).toBe(422)
    expect(rule.body.error.details[0]).toMatchObject({ field: '(record)', code: 'rule', message: '优惠不能超过小计' })
    const noLines = await app.api.post('/api/forms/quotes/records', { customer: customer.id, lines: [] })
    expect(noLines.status).toBe(422)
    expect(noLines.body.error.details[0].field).toBe('lines')
    expect(await count('quotes')).toBe(before)
  })

  it('keeps link integrity on delete and follows the document lifecycle', async () => {
    const [tee] = await makeProductsOnce()
    const customer = (await app.api.post('/api/forms/contacts/records', { name: '赵六' })).body.data
    const quote = (await app.api.post('/api/forms/quotes/records', { customer: customer.id, lines: [{ product: tee.id, qty: 1 }] })).body.data
    const refused = await app.api.delete(`/api/forms/contacts/records/${customer.id}`)
    expect(refused.status).toBe(409)
    expect(refused.body.error.message).toMatch(/报价单/)

    const submitted = await app.api.post(`/api/forms/quotes/records/${quote.id}/actions/submit`)
    expect(submitted.status).toBe(200)
    expect(submitted.body.data.doc_status).toBe('submitted')
    expect((await app.api.patch(`/api/forms/quotes/records/${quote.id}`, { remark: 'x' })).status).toBe(409)
    expect((await app.api.delete(`/api/forms/quotes/records/${quote.id}`)).status).toBe(409)
    expect((await app.api.post(`/api/forms/quotes/records/${quote.id}/actions/submit`)).status).toBe(409)
    expect((await app.api.post(`/api/forms/quotes/records/${quote.id}/actions/void`)).body.data.doc_status).toBe('void')
    expect((await app.api.post(`/api/forms/quotes/records/${quote.id}/actions/approve`)).status).toBe(404)
  })

  it('creates a batch in one transaction: one bad record writes none', async () => {
    const before = await count('contacts')
    const res = await app.api.post('/api/forms/contacts/records', [{ name: '甲' }, { name: '乙', level: 'bad' }, { name: '丙' }])
    expect(res.status).toBe(422)
    expect(res.body.error.details[0].field).toBe('[1].level')
    expect(await count('contacts')).toBe(before)
  })

  it('upserts by a key: a second run changes nothing', async () => {
    const rows = [
      { sku: 'UP-1', name: '一', price: '1.00' },
      { sku: 'UP-2', name: '二', price: '2.00' },
    ]
    const first = await app.api.post('/api/forms/items/records/upsert', { by: ['sku'], records: rows })
    expect(first.body.data).toMatchObject({ created: 2, updated: 0, unchanged: 0 })
    const again = await app.api.post('/api/forms/items/records/upsert', { by: ['sku'], records: rows })
    expect(again.body.data).toMatchObject({ created: 0, updated: 0, unchanged: 2 })
    const changed = await app.api.post('/api/forms/items/records/upsert', { by: ['sku'], records: [{ sku: 'UP-2', name: '二', price: '2.50' }, { sku: 'UP-3', name: '三', price: '3' }] })
    expect(changed.body.data).toMatchObject({ created: 1, updated: 1, unchanged: 0 })
    const list = await app.api.get(`/api/forms/items/records?filter=${encodeURIComponent(JSON.stringify({ field: 'sku', op: 'starts_with', value: 'UP-' }))}&sort=sku`)
    expect(list.body.data.map((p: any) => [p.sku, p.price, p.version])).toEqual([
      ['UP-1', '1.00', 1],
      ['UP-2', '2.50', 2],
      ['UP-3', '3.00', 1],
    ])
  })
})

let cachedProducts: { id: number }[] | null = null
async function makeProductsOnce() {
  if (!cachedProducts) {
    const res = await app.api.post('/api/forms/items/records', [{ sku: 'ONCE-1', name: '浴巾', price: '89.90' }])
    cachedProducts = res.body.data
  }
  return cachedProducts!
}

describe('upserts', () => {
  it('leave fields an update does not carry as they are (no defaults on updates)', async () => {
    await app.api.post('/api/forms/contacts/records/upsert', { by: ['name'], records: [{ name: '默认测试', level: 'vip', active: false }] })
    const second = await app.api.post('/api/forms/contacts/records/upsert', { by: ['name'], records: [{ name: '默认测试', company: '新公司' }] })
    expect(second.body.data).toMatchObject({ created: 0, updated: 1 })
    const row = (await app.api.post('/api/forms/contacts/records/query', { filter: { field: 'name', op: 'eq', value: '默认测试' } })).body.data[0]
    expect(row).toMatchObject({ company: '新公司', level: 'vip', active: false })
  })
})
