import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type ApiClient, type TestApp } from '../support/app'

/** A small pack with one form and one template view; a later version plays the upgrade. */
function shopPack(version: string, change: (form: any) => void = () => {}) {
  const form: any = {
    key: 'goods',
    label: '商品',
    title_field: 'name',
    fields: [
      { key: 'name', type: 'text', label: '名称', required: true },
      { key: 'price', type: 'money', label: '单价' },
      { key: 'grade', type: 'select', label: '等级', options: [{ value: 'a', label: '甲' }, { value: 'b', label: '乙' }] },
      { key: 'tags', type: 'multi_select', label: '标签', options: [{ value: 'x', label: 'X' }] },
      { key: 'sold_on', type: 'date', label: '日期' },
    ],
    views: [{ key: 'all', label: '全部', columns: ['name', 'price', 'grade'] }],
  }
  change(form)
  return { format: 'zhanggui.pack/1', key: 'shop', name: '小店', version, forms: [form] }
}

let app: TestApp
let clerk: ApiClient
let other: ApiClient
beforeAll(async () => {
  app = await startTestApp({ packs: [shopPack('1.0.0')] })
  clerk = await app.clientFor('clerk', 'staff')
  other = await app.clientFor('other', 'staff')
})
afterAll(async () => {
  await app?.close()
})

const list = async (client: ApiClient) => (await client.get('/api/forms/goods/views')).body.data as any[]
const keys = async (client: ApiClient) => (await list(client)).map((v) => `${v.scope}:${v.key}`)

const mine = {
  key: 'cheap_by_grade',
  label: { 'zh-CN': '便宜货按等级', en: 'Cheap by grade' },
  columns: ['name', 'grade', 'price'],
  widths: { name: 180, price: 96 },
  filter: { and: [{ field: 'price', op: 'lt', value: '10' }, { field: 'sold_on', op: 'eq', value: { $range: 'this_month' } }] },
  sort: ['-price'],
  group_by: 'grade',
  subtotals: [{ fn: 'sum', field: 'price' }, { fn: 'count' }],
}

describe('personal views', () => {
  it('lists the template views as shared, and a user saves, changes, reorders and deletes their own', async () => {
    expect(await list(clerk)).toEqual([{ key: 'all', label: '全部', columns: ['name', 'price', 'grade'], scope: 'shared', from_pack: true, editable: false }])

    const created = await clerk.post('/api/forms/goods/views', mine)
    expect(created.status).toBe(201)
    expect(created.body.data).toMatchObject({ ...mine, scope: 'personal', editable: true })
    expect((await clerk.post('/api/forms/goods/views', mine)).body.error.reason).toBe('view_key_taken')
    expect((await clerk.post('/api/forms/goods/views', { ...mine, key: 'all' })).status).toBe(409)

    // without a key the server names it
    const unnamed = await clerk.post('/api/forms/goods/views', { label: '按月', group_by: { field: 'sold_on', by: 'month' } })
    expect(unnamed.status).toBe(201)
    const second = unnamed.body.data.key as string
    expect(second).toMatch(/^v_[0-9a-f]{8}$/)
    expect(await keys(clerk)).toEqual(['shared:all', 'personal:cheap_by_grade', `personal:${second}`])

    const renamed = await clerk.request('PUT', '/api/forms/goods/views/cheap_by_grade', { ...mine, label: '便宜货', group_by: undefined, subtotals: undefined })
    expect(renamed.status).toBe(200)
    expect(renamed.body.data).toMatchObject({ key: 'cheap_by_grade', label: '便宜货', scope: 'personal' })
    expect(renamed.body.data.group_by).toBeUndefined()

    const reordered = await clerk.request('PUT', '/api/forms/goods/views/order', { personal: [second, 'cheap_by_grade'] })
    expect(reordered.status).toBe(200)
    expect(reordered.body.data.map((v: any) => v.key)).toEqual(['all', second, 'cheap_by_grade'])

    expect((await clerk.delete(`/api/forms/goods/views/${second}`)).status).toBe(204)
    expect((await clerk.delete(`/api/forms/goods/views/${second}`)).body.error.reason).toBe('view_not_found')
    expect(await keys(clerk)).toEqual(['shared:all', 'personal:cheap_by_grade'])
  })

  it("keeps each user's personal views to themselves", async () => {
    expect(await keys(other)).toEqual(['shared:all'])
    expect(await keys(app.api)).toEqual(['shared:all'])
    const theirs = await other.request('PUT', '/api/forms/goods/views/cheap_by_grade', { label: '偷改', scope: 'personal' })
    expect(theirs.status).toBe(404)
    expect((await other.request('DELETE', '/api/forms/goods/views/cheap_by_grade?scope=personal')).status).toBe(404)
    // the same key is free for another user
    expect((await other.post('/api/forms/goods/views', { key: 'cheap_by_grade', label: '我的' })).status).toBe(201)
    expect((await list(clerk)).find((v) => v.key === 'cheap_by_grade').label).toBe('便宜货')
  })

  it('exports a personal view with its columns for its owner only', async () => {
    await clerk.post('/api/forms/goods/records', { name: '钉子', price: '5.00', grade: 'a' })
    await clerk.post('/api/forms/goods/views', { key: 'just_names', label: '名字', columns: ['name', 'price'], sort: ['name'] })
    const mine = await clerk.get('/api/forms/goods/export?format=csv&view=just_names')
    expect(mine.status).toBe(200)
    expect(String(mine.body).replace(/^\uFEFF/, '').split(/\r?\n/)[0]).toBe('名称,单价')
    const theirs = await other.get('/api/forms/goods/export?format=csv&view=just_names')
    expect(theirs.status).toBe(404)
    expect(theirs.body.error.reason).toBe('export_unknown_view')
    expect((await clerk.request('DELETE', '/api/forms/goods/views/just_names?scope=personal')).status).toBe(204)
  })
})

describe('view validation', () => {
  it('names each wrong path with a coded problem and saves nothing', async () => {
    const bad = await clerk.post('/api/forms/goods/views', {
      key: 'bad',
      label: '坏',
      columns: ['name', 'ghost'],
      widths: { nope: 100 },
      sort: ['tags'],
      group_by: { field: 'name', by: 'month' },
      subtotals: [{ fn: 'sum', field: 'name' }, { fn: 'avg' }, { fn: 'max', field: 'missing' }],
      filter: { field: 'price', op: 'contains', value: '1' },
    })
    expect(bad.status).toBe(422)
    const details = bad.body.error.details.map((d: any) => [d.field, d.code, d.params])
    expect(details).toEqual(
      expect.arrayContaining([
        ['columns[1]', 'view_unknown_column', { column: 'ghost' }],
        ['widths.nope', 'view_unknown_column', { column: 'nope' }],
        ['sort[0]', 'view_cannot_sort', { field: 'tags' }],
        ['group_by.by', 'view_bucket_needs_date', { field: 'name' }],
        ['subtotals[0].field', 'view_subtotal_not_for', { fn: 'sum', field: 'name' }],
        ['subtotals[1].field', 'view_subtotal_needs_field', { fn: 'avg' }],
        ['subtotals[2].field', 'view_unknown_field', { field: 'missing' }],
      ]),
    )
    expect(details.some((d: any) => d[0].startsWith('filter') && d[1] === 'view_invalid')).toBe(true)

    const cannot = await clerk.post('/api/forms/goods/views', { key: 'bad', label: '坏', group_by: 'tags' })
    expect(cannot.body.error.details).toMatchObject([{ field: 'group_by', code: 'view_cannot_group', params: { field: 'tags' } }])
    const shape = await clerk.post('/api/forms/goods/views', { key: 'bad', label: '坏', widths: { name: 'wide' }, group_by: { field: 'sold_on', by: 'decade' } })
    expect(shape.status).toBe(422)
    expect(shape.body.error.details.map((d: any) => [d.field, d.code])).toEqual(
      expect.arrayContaining([
        ['widths.name', 'view_invalid'],
        ['group_by', 'view_invalid'],
      ]),
    )
    expect((await clerk.post('/api/forms/goods/views', [])).body.error.reason).toBe('view_expected')
    expect((await clerk.post('/api/forms/goods/views', { label: 'x', scope: 'team' })).body.error.reason).toBe('view_bad_scope')
    expect((await clerk.get('/api/forms/nothing/views')).status).toBe(404)
    expect((await list(clerk)).map((v) => v.key)).not.toContain('bad')
  })
})

describe('shared views', () => {
  const shared = { key: 'by_month', label: { 'zh-CN': '按月', en: 'By month' }, columns: ['name', 'sold_on', 'price'], group_by: { field: 'sold_on', by: 'month' }, subtotals: [{ fn: 'sum', field: 'price' }] }

  it('are saved only by designers, as the form overlay, and seen by everyone', async () => {
    const refused = await clerk.post('/api/forms/goods/views', { ...shared, scope: 'shared' })
    expect(refused.status).toBe(403)
    expect(refused.body.error.reason).toBe('view_shared_not_allowed')
    expect((await clerk.request('PUT', '/api/forms/goods/views/all', { label: '改' })).status).toBe(403)
    expect((await clerk.delete('/api/forms/goods/views/all')).status).toBe(403)

    const created = await app.api.post('/api/forms/goods/views', { ...shared, scope: 'shared' })
    expect(created.status).toBe(201)
    expect(created.body.data).toMatchObject({ key: 'by_month', scope: 'shared', from_pack: false, editable: true })
    expect(await keys(clerk)).toEqual(['shared:all', 'shared:by_month', 'personal:cheap_by_grade'])
    expect((await list(clerk)).find((v) => v.key === 'by_month').editable).toBe(false)

    // the merchant relabels the pack's view too
    expect((await app.api.request('PUT', '/api/forms/goods/views/all', { label: '所有商品', columns: ['name', 'price'] })).status).toBe(200)
    const row = await app.ctx.db.knex('zg_forms').where({ key: 'goods' }).first()
    expect(row.overlay).toContain('by_month')
    expect(row.overlay).toContain('所有商品')
    expect(JSON.parse(row.base_definition).views.map((v: any) => v.key)).toEqual(['all'])
    expect((await app.api.get('/api/forms/goods')).body.data.origin.customized).toBe(true)

    const reordered = await app.api.request('PUT', '/api/forms/goods/views/order', { shared: ['by_month', 'all'] })
    expect(reordered.body.data.map((v: any) => v.key)).toEqual(['by_month', 'all'])
  })

  it('survive a pack upgrade beside the views the new version brings', async () => {
    const v11 = shopPack('1.1.0', (form) => {
      form.fields.push({ key: 'stock', type: 'number', label: '库存' })
      form.views.push({ key: 'in_stock', label: '有货', filter: { field: 'stock', op: 'gt', value: 0 } })
    })
    const up = await app.api.post('/api/packs', v11)
    expect(up.status).toBe(200)
    const views = await list(clerk)
    expect(views.map((v) => `${v.scope}:${v.key}`)).toEqual(['shared:by_month', 'shared:all', 'shared:in_stock', 'personal:cheap_by_grade'])
    expect(views.find((v) => v.key === 'by_month')).toMatchObject({ group_by: { field: 'sold_on', by: 'month' }, subtotals: [{ fn: 'sum', field: 'price' }], from_pack: false })
    expect(views.find((v) => v.key === 'all')).toMatchObject({ label: '所有商品', columns: ['name', 'price'], from_pack: true })

    expect((await app.api.delete('/api/forms/goods/views/by_month')).status).toBe(204)
    expect((await list(clerk)).map((v) => v.key)).toEqual(['all', 'in_stock', 'cheap_by_grade'])
  })
})
