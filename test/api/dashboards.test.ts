import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultPolicy } from '../../server/access/policy'
import { forbidden } from '../../server/lib/errors'
import { startTestApp, type ApiClient, type TestApp } from '../support/app'
import { taobaoErpPack } from '../support/packs'

/** A small pack with one form and a dashboard over it; versions of it play upgrades. */
function boardPack(version: string, change: (board: any) => void = () => {}) {
  const board: any = {
    key: 'goods_board',
    label: { 'zh-CN': '商品看板', en: 'Goods' },
    widgets: [
      { key: 'total', type: 'kpi', title: '金额', layout: { x: 0, y: 0, w: 6, h: 4 }, dataset: { form: 'goods', date_field: 'sold_on', measures: [{ fn: 'sum', field: 'price', as: 'amount' }] } },
      { key: 'by_grade', type: 'pie', title: '等级', layout: { x: 6, y: 0, w: 6, h: 8 }, dataset: { form: 'goods', group_by: ['grade'], measures: [{ fn: 'count', as: 'n' }] } },
    ],
    todos: [{ key: 'cheap', label: '便宜货', form: 'goods', filter: { field: 'price', op: 'lt', value: 3 } }],
  }
  change(board)
  return {
    format: 'zhanggui.pack/1',
    key: 'shop',
    name: '小店',
    version,
    forms: [
      {
        key: 'goods',
        label: '商品',
        title_field: 'name',
        fields: [
          { key: 'name', type: 'text', label: '名称', required: true },
          { key: 'price', type: 'money', label: '单价' },
          { key: 'grade', type: 'select', label: '等级', options: [{ value: 'a', label: '甲' }, { value: 'b', label: '乙' }] },
          { key: 'sold_on', type: 'date', label: '日期' },
        ],
      },
      { key: 'secrets', label: '机密', fields: [{ key: 'name', type: 'text', label: '名称' }] },
    ],
    dashboards: [board],
  }
}

let app: TestApp
let member: ApiClient
let other: ApiClient
beforeAll(async () => {
  app = await startTestApp({ packs: [boardPack('1.0.0')] })
  member = await app.clientFor('clerk', 'staff')
  other = await app.clientFor('other', 'staff')
})
afterAll(async () => {
  await app?.close()
})

const board = async (client: ApiClient = app.api) => (await client.get('/api/dashboards/goods_board')).body.data

describe('dashboards in packs', () => {
  it('installs the pack dashboards and lists them for every user', async () => {
    const list = await member.get('/api/dashboards')
    expect(list.status).toBe(200)
    expect(list.body.data).toMatchObject([{ key: 'goods_board', pack: 'shop', own: false, customized: false, editable: false }])
    expect((await app.api.get('/api/dashboards')).body.data[0].editable).toBe(true)
    expect((await board()).definition.todos[0].key).toBe('cheap')
  })

  it('refuses a pack whose dashboard names a field its form does not have, naming the place', async () => {
    const bad = boardPack('1.0.1', (b) => (b.widgets[0].dataset.measures[0].field = 'prcie'))
    const res = await app.api.post('/api/packs', bad)
    expect(res.status).toBe(422)
    expect(res.body.error.details[0]).toMatchObject({ path: 'dashboards[0].widgets[0].dataset.measures[0].field', code: 'dashboard_unknown_field', params: { widget: 'total', field: 'prcie' } })
  })

  it('lets only designers save a pack dashboard, and keeps the change as an overlay', async () => {
    const def = (await board()).definition
    def.widgets[0].title = '销售额'
    def.widgets.push({ key: 'mine', type: 'bar', title: '我的', layout: { x: 0, y: 8, w: 12, h: 8 }, dataset: { form: 'goods', group_by: ['name'], measures: [{ fn: 'sum', field: 'price', as: 'p' }] } })
    expect((await member.request('PUT', '/api/dashboards/goods_board', def)).status).toBe(403)
    const bad = await app.api.request('PUT', '/api/dashboards/goods_board', { ...def, widgets: [...def.widgets, { ...def.widgets[0], key: 'x', dataset: { form: 'nope', measures: [{ fn: 'count', as: 'n' }] } }] })
    expect(bad.status).toBe(422)
    expect(bad.body.error.details[0]).toMatchObject({ path: 'dashboard.widgets[3].dataset.form', code: 'dashboard_unknown_form' })
    const saved = await app.api.request('PUT', '/api/dashboards/goods_board', def)
    expect(saved.status).toBe(200)
    expect(saved.body.data).toMatchObject({ customized: true })
    const row = await app.ctx.db.knex('zg_dashboards').where({ key: 'goods_board' }).first()
    expect(JSON.parse(row.base_definition).widgets.map((w: any) => w.key)).toEqual(['total', 'by_grade'])
    expect(row.overlay).toContain('销售额')
  })

  it('upgrades the pack under the overlay: the pack change arrives, the merchant change stays', async () => {
    const v11 = boardPack('1.1.0', (b) => {
      b.label = { 'zh-CN': '商品分析', en: 'Goods analysis' }
      b.widgets.push({ key: 'count', type: 'kpi', title: '件数', layout: { x: 12, y: 0, w: 6, h: 4 }, dataset: { form: 'goods', measures: [{ fn: 'count', as: 'n' }] } })
    })
    const up = await app.api.post('/api/packs', v11)
    expect(up.status).toBe(200)
    expect(up.body.data.dashboards).toMatchObject({ updated: ['goods_board'] })
    const def = (await board()).definition
    expect(def.label['zh-CN']).toBe('商品分析')
    expect(def.widgets.map((w: any) => w.key)).toEqual(['total', 'by_grade', 'count', 'mine'])
    expect(def.widgets[0].title).toBe('销售额')
  })

  it('lets any user make, change and delete their own dashboards, which only they see', async () => {
    const mine = { key: 'clerk_board', label: '我的看板', widgets: [{ key: 'n', type: 'kpi', title: '数量', layout: { x: 0, y: 0, w: 6, h: 4 }, dataset: { form: 'goods', measures: [{ fn: 'count', as: 'n' }] } }] }
    const created = await member.post('/api/dashboards', mine)
    expect(created.status).toBe(201)
    expect(created.body.data).toMatchObject({ key: 'clerk_board', own: true, editable: true })
    expect((await member.post('/api/dashboards', mine)).body.error.reason).toBe('dashboard_key_taken')
    expect((await member.post('/api/dashboards', { ...mine, key: 'goods_board' })).status).toBe(409)
    expect((await other.get('/api/dashboards')).body.data.map((d: any) => d.key)).toEqual(['goods_board'])
    expect((await other.get('/api/dashboards/clerk_board')).status).toBe(404)
    expect((await other.request('PUT', '/api/dashboards/clerk_board', mine)).status).toBe(404)
    expect((await other.delete('/api/dashboards/clerk_board')).status).toBe(404)
    const changed = await member.request('PUT', '/api/dashboards/clerk_board', { ...mine, label: '改名' })
    expect(changed.body.data.definition.label).toBe('改名')
    expect((await member.delete('/api/dashboards/goods_board')).status).toBe(409)
    expect((await member.delete('/api/dashboards/clerk_board')).status).toBe(204)
    expect((await member.get('/api/dashboards')).body.data.map((d: any) => d.key)).toEqual(['goods_board'])
  })

  it('shows a user only the dashboards whose forms they may read', async () => {
    const def = (await board()).definition
    def.widgets.push({ key: 'secret', type: 'kpi', title: '机密', layout: { x: 0, y: 20, w: 6, h: 4 }, dataset: { form: 'secrets', measures: [{ fn: 'count', as: 'n' }] } })
    expect((await app.api.request('PUT', '/api/dashboards/goods_board', def)).status).toBe(200)
    app.ctx.access = {
      ...defaultPolicy,
      check(actor, operation, form) {
        if (actor.role === 'member' && form.key === 'secrets') throw forbidden('no')
        defaultPolicy.check(actor, operation, form)
      },
    }
    try {
      expect((await member.get('/api/dashboards')).body.data).toEqual([])
      expect((await member.get('/api/dashboards/goods_board')).status).toBe(404)
      expect((await app.api.get('/api/dashboards')).body.data).toHaveLength(1)
    } finally {
      app.ctx.access = defaultPolicy
    }
  })
})

describe('the Taobao ERP pack', () => {
  let erp: TestApp
  beforeAll(async () => {
    erp = await startTestApp({ packs: [taobaoErpPack()] })
  })
  afterAll(async () => {
    await erp?.close()
  })

  it('installs its built-in dashboards and to-dos, and counts shops whose last sync failed', async () => {
    const list = (await erp.api.get('/api/dashboards')).body.data
    expect(list.map((d: any) => d.key)).toEqual(['todos', 'sales', 'customers', 'products', 'operations'])
    expect(list[0].definition.todos.map((t: any) => t.key)).toEqual(['to_audit', 'exceptions', 'to_ship', 'approvals', 'low_stock', 'sync_failed'])
    const shop = (await erp.api.post('/api/forms/shops/records', { name: '店一', platform: 'taobao' })).body.data
    const knex = erp.ctx.db.knex
    const run = (status: string, at: number) => knex('zg_sync_runs').insert({ shop_id: shop.id, kind: 'incremental', status, started_at: at, finished_at: at })
    await run('failed', 1000)
    expect((await erp.api.get('/api/shops/sync-failures')).body.data).toEqual({ count: 1, shops: [shop.id] })
    await run('succeeded', 2000)
    expect((await erp.api.get('/api/shops/sync-failures')).body.data).toEqual({ count: 0, shops: [] })
  })
})
