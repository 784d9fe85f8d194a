import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiClient, startTestApp, type ApiClient, type TestApp } from '../support/app'
import { erp } from '../support/erp'
import { expectStockConsistent } from '../support/invariants'
import { startServerProcess } from '../support/server-process'

let app: TestApp
let second: Awaited<ReturnType<typeof startServerProcess>>
let other: ApiClient
let t: ReturnType<typeof erp>

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
  // A second server process on the same database: SQLite file (WAL) or PostgreSQL.
  second = await startServerProcess(app.database)
  other = apiClient(second.baseUrl, { authorization: `Bearer ${app.token}` })
}, 120_000)
afterAll(async () => {
  await second?.stop()
  await app?.close()
})

describe('stock under concurrency, across two server processes', () => {
  it('audits exactly the available stock, then ships only what is still on hand', async () => {
    const data = await t.masterData([{ outer_id: 'HOT-1' }])
    const sku = data.skus[0].id
    await t.receive(data.main.id, [{ sku, qty: 10, cost: '20.00' }])
    const orders = await t.ok(
      app.api.post(
        '/api/forms/orders/records',
        Array.from({ length: 50 }, (_, i) => ({ shop: data.shop.id, warehouse: data.main.id, buyer_nick: `买家${i}`, lines: [{ sku, qty: 1, payment: '39.00' }] })),
      ),
      201,
    )
    const ids: number[] = orders.data.map((o: any) => o.id)

    // 50 audits at once, half through each process.
    const audits = await Promise.all(ids.map((id, i) => (i % 2 ? other : app.api).post(`/api/forms/orders/records/${id}/actions/audit`)))
    expect(audits.every((r) => r.status === 200)).toBe(true)
    const audited = audits.filter((r) => r.body.result.audited).map((r) => r.body.data.id)
    expect(audited).toHaveLength(10)
    const refused = audits.filter((r) => !r.body.result.audited)
    expect(refused.every((r) => r.body.data.status === 'pending' && /库存不足：HOT-1 在 主仓 在库 10，预占将达 11/.test(r.body.data.audit_note))).toBe(true)
    expect(await t.balance(sku, data.main.id)).toMatchObject({ on_hand: '10', reserved: '10', available: '0' })
    await expectStockConsistent(app.ctx.db.knex)

    // Three units are written off between audit and shipping…
    const damage = await t.create('stock_out', { type: 'damage', warehouse: data.main.id, reason: '水浸', lines: [{ sku, qty: 3 }] })
    await t.submit('stock_out', damage.id)
    expect(await t.balance(sku, data.main.id)).toMatchObject({ on_hand: '7', reserved: '10', available: '-3' })

    // …so of the ten audited orders, shipped at once through both processes, exactly seven go out.
    const ships = await Promise.all(
      audited.map((id, i) => (i % 2 ? other : app.api).post(`/api/forms/orders/records/${id}/actions/ship`, { courier: data.courier.id, waybill_no: `YT${1000 + i}` })),
    )
    const shipped = ships.filter((r) => r.status === 200)
    expect(shipped).toHaveLength(7)
    const failed = ships.filter((r) => r.status !== 200)
    expect(failed.map((r) => r.status)).toEqual([422, 422, 422])
    expect(failed.every((r) => /库存不足：HOT-1 在 主仓 结存将为 -1/.test(r.body.error.message))).toBe(true)
    expect(await t.balance(sku, data.main.id)).toMatchObject({ on_hand: '0', reserved: '3', value: '0.00' })
    const stillAudited = await t.list('orders', { filter: { field: 'status', op: 'eq', value: 'audited' } })
    expect(stillAudited).toHaveLength(3)
    await expectStockConsistent(app.ctx.db.knex)
  })
})
