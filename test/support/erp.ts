import { expect } from 'vitest'
import type { ApiClient } from './app'

/** Small helpers for the Taobao ERP pack over the API. */
export function erp(api: ApiClient) {
  const ok = async (promise: Promise<{ status: number; body: any }>, status = 200) => {
    const res = await promise
    if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`)
    return res.body
  }
  const helpers = {
    ok,
    create: async (form: string, record: unknown) => (await ok(api.post(`/api/forms/${form}/records`, record), 201)).data,
    get: async (form: string, id: number) => (await ok(api.get(`/api/forms/${form}/records/${id}`))).data,
    list: async (form: string, body: Record<string, unknown> = {}) => (await ok(api.post(`/api/forms/${form}/records/query`, { limit: 500, ...body }))).data,
    act: (form: string, id: number, action: string, params: Record<string, unknown> = {}) => api.post(`/api/forms/${form}/records/${id}/actions/${action}`, params),
    bulk: (form: string, ids: number[], action: string, params: Record<string, unknown> = {}) => api.post(`/api/forms/${form}/records/actions/${action}`, { ids, params }),
    async submit(form: string, id: number) {
      const res = await helpers.act(form, id, 'submit')
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      return res.body.data
    },
    async balance(sku: number, warehouse: number) {
      const rows = await helpers.list('stock_balances', { filter: { and: [{ field: 'sku', op: 'eq', value: sku }, { field: 'warehouse', op: 'eq', value: warehouse }] } })
      return rows[0] as Record<string, any> | undefined
    },
    /** master data: a shop, two warehouses, a courier, a product with SKUs */
    async masterData(skus: { outer_id: string; cost_price?: string; location?: string; weight?: string }[]) {
      const shop = await helpers.create('shops', { name: '测试店', platform: 'taobao', seller_nick: '测试店' })
      const main = await helpers.create('warehouses', { code: 'ZC', name: '主仓', type: 'main' })
      const returns = await helpers.create('warehouses', { code: 'TH', name: '退货仓', type: 'returns' })
      const courier = await helpers.create('couriers', { name: '中通快递', code: 'ZTO', default_first_price: '8.00', default_extra_price: '5.00', freight: [{ province: '浙江省', first_price: '4.00', extra_price: '1.50' }] })
      const product = await helpers.create('products', { code: 'P1', name: '纯棉T恤', category: 'clothing' })
      const created = await ok(api.post('/api/forms/skus/records', skus.map((s) => ({ product: product.id, cost_price: '10.00', weight: '0.300', ...s }))), 201)
      return { shop, main, returns, courier, product, skus: created.data as any[] }
    },
    async receive(warehouse: number, lines: { sku: number; qty: number; cost?: string }[]) {
      const doc = await helpers.create('stock_in', {
        type: 'other',
        warehouse,
        lines: lines.map((l) => ({ sku: l.sku, qty_received: l.qty, qty_accepted: l.qty, ...(l.cost ? { unit_cost: l.cost } : {}) })),
      })
      return helpers.submit('stock_in', doc.id)
    },
  }
  return helpers
}
