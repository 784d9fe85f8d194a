import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type ApiClient, type TestApp } from '../support/app'
import { erp } from '../support/erp'
import { expectStockConsistent } from '../support/invariants'

let app: TestApp
let t: ReturnType<typeof erp>
let member: ApiClient
let data: Awaited<ReturnType<ReturnType<typeof erp>['masterData']>>
let nextTid = 4_000_000_000_000_000_000n

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
  // every form permission (void included), no capability (no stock.force_void)
  member = await app.clientFor('keeper', 'staff')
  data = await t.masterData([{ outer_id: 'VOID-1' }, { outer_id: 'VOID-2' }])
  await t.create('settings', { default_warehouse: data.main.id, auto_audit: false })
})
afterEach(async () => {
  await expectStockConsistent(app.ctx.db.knex)
})
afterAll(async () => {
  await app?.close()
})

/** An audited order of `qty` of the SKU: it reserves that much in the main warehouse. */
async function auditedOrder(sku: { id: number; outer_id: string }, qty: number) {
  const tid = String(nextTid++)
  const trade = await t.create('platform_trades', {
    shop: data.shop.id,
    tid,
    status: 'WAIT_SELLER_SEND_GOODS',
    buyer_nick: '买家',
    receiver_state: '浙江省',
    payment: '10.00',
    created: '2026-11-26 10:00:00',
    pay_time: '2026-11-26 10:05:00',
    source: 'manual',
    lines: [{ oid: `${tid}0`, outer_sku_id: sku.outer_id, title: sku.outer_id, num: qty, payment: '10.00', price: '10.00' }],
  })
  const order = (await t.ok(t.act('platform_trades', trade.id, 'create_order'))).result.order as number
  expect((await t.ok(t.act('orders', order, 'audit'))).data.status).toBe('audited')
  return order
}

describe('voiding a stock-in that reserved stock relies on', () => {
  it('is refused, naming the SKU and warehouse, when the actor may not force it', async () => {
    const sku = data.skus[0]
    const receipt = await t.receive(data.main.id, [{ sku: sku.id, qty: 1 }])
    const order = await auditedOrder(sku, 1)
    expect(await t.balance(sku.id, data.main.id)).toMatchObject({ on_hand: '1', reserved: '1', available: '0' })
    // a user who may void but not force it is refused; nothing changes
    const refused = await member.post(`/api/forms/stock_in/records/${receipt.id}/actions/void`, {})
    expect(refused.status).toBe(422)
    expect(JSON.stringify(refused.body.error)).toMatch(/VOID-1.*主仓|主仓.*VOID-1/)
    expect(refused.body.error.details[0].message).toContain('预占')
    expect((await t.get('stock_in', receipt.id)).doc_status).toBe('submitted')
    expect(await t.balance(sku.id, data.main.id)).toMatchObject({ on_hand: '1', reserved: '1', available: '0' })
    expect((await t.get('orders', order)).status).toBe('audited')
  })

  it('goes through for someone allowed to force it, and the orders that relied on it are flagged', async () => {
    const sku = data.skus[1]
    const kept = await t.receive(data.main.id, [{ sku: sku.id, qty: 2 }])
    const receipt = await t.receive(data.main.id, [{ sku: sku.id, qty: 3 }])
    const older = await auditedOrder(sku, 2)
    const newer = await auditedOrder(sku, 2)
    expect(await t.balance(sku.id, data.main.id)).toMatchObject({ on_hand: '5', reserved: '4', available: '1' })
    // the admin holds stock.force_void: 2 are left on hand for 4 reserved → the newest order gives its 2 back
    const forced = await app.api.post(`/api/forms/stock_in/records/${receipt.id}/actions/void`, {})
    expect(forced.status, JSON.stringify(forced.body)).toBe(200)
    expect((await t.get('stock_in', receipt.id)).doc_status).toBe('void')
    expect(await t.balance(sku.id, data.main.id)).toMatchObject({ on_hand: '2', reserved: '2', available: '0' })
    const flagged = await t.get('orders', newer)
    expect(flagged).toMatchObject({ status: 'exception' })
    expect(flagged.exception_reason).toContain(receipt.no)
    expect((await t.get('orders', older)).status).toBe('audited')
    // a void that leaves what is reserved covered needs no force and flags nothing
    const spare = await t.receive(data.main.id, [{ sku: sku.id, qty: 1 }])
    expect((await member.post(`/api/forms/stock_in/records/${spare.id}/actions/void`, {})).status).toBe(200)
    expect((await t.get('orders', older)).status).toBe('audited')
    expect(kept.doc_status).toBe('submitted')
  })
})
