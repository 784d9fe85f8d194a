import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'
import { erp } from '../support/erp'
import { expectStockConsistent } from '../support/invariants'
import { taobaoErpPack } from '../support/packs'

/**
 * docs/rules.md's worked example, on the real Taobao ERP pack: a merchant adds the status 待质检
 * and the action 质检通过 (which runs 审核, a handled action) to orders with JSON only.
 */
let app: TestApp
let t: ReturnType<typeof erp>
let data: Awaited<ReturnType<ReturnType<typeof erp>['masterData']>>

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
  data = await t.masterData([{ outer_id: 'A1' }])
  await t.receive(data.main.id, [{ sku: data.skus[0].id, qty: 10, cost: '10.00' }])
  await t.create('settings', { default_warehouse: data.main.id, auto_audit: false })
})
afterEach(async () => {
  await expectStockConsistent(app.ctx.db.knex)
})
afterAll(async () => {
  await app?.close()
})

function withQualityCheck(): any {
  const pack = taobaoErpPack()
  // one minor version above the bundled pack, whatever that is
  const [major, minor] = String(pack.version).split('.').map(Number)
  pack.version = `${major}.${minor + 1}.0`
  const orders = pack.forms.find((f: any) => f.key === 'orders')
  const status = orders.fields.find((f: any) => f.key === 'status')
  status.options.push({ value: 'qc', label: { 'zh-CN': '待质检', en: 'Quality check' }, color: '#e6a23c' })
  orders.fields.push({ key: 'inspected_by', type: 'text', label: '质检员', readonly: true })
  orders.editable_when = 'OR(status = "pending", status = "qc", status = "hold", status = "exception")'
  orders.actions.push(
    { key: 'send_qc', label: '送检', when: 'status = "pending"', set: { status: 'qc' } },
    {
      key: 'qc_pass',
      label: { 'zh-CN': '质检通过', en: 'Pass QC' },
      when: 'status = "qc"',
      params: [
        { key: 'inspector', type: 'text', label: '质检员', required: true },
        { key: 'rating', type: 'number', label: '评分', required: true },
      ],
      requires: [{ check: 'params.rating >= 3', message: { 'zh-CN': '评分低于 3 分，不能通过质检', en: 'A rating below 3 does not pass' } }],
      set: { status: 'pending', inspected_by: '=params.inspector' },
      steps: [{ run: 'audit' }],
    },
  )
  return pack
}

const reserved = async () => Number((await t.balance(data.skus[0].id, data.main.id))?.reserved ?? 0)

describe('a merchant adds 待质检 and 质检通过 to orders', () => {
  it('upgrades the pack and runs the new workflow: QC, then the audit reserves the stock', async () => {
    const upgrade = await app.api.post('/api/packs', withQualityCheck())
    expect(upgrade.status).toBe(200)
    expect(upgrade.body.data.status).toBe('upgraded')

    const trade = await t.create('platform_trades', {
      shop: data.shop.id,
      tid: '5000000000000000001',
      status: 'WAIT_SELLER_SEND_GOODS',
      buyer_nick: '买家甲',
      payment: '100.00',
      created: '2026-11-26 10:00:00',
      pay_time: '2026-11-26 10:05:00',
      source: 'manual',
      lines: [{ oid: '50000000000000000011', outer_sku_id: 'A1', title: 'T恤', num: 2, payment: '100.00', price: '50.00' }],
    })
    const order = (await t.ok(t.act('platform_trades', trade.id, 'create_order'))).result.order as number

    expect((await t.ok(t.act('orders', order, 'send_qc'))).result).toEqual({ status: 'qc' })
    expect((await app.api.patch(`/api/forms/orders/records/${order}`, { seller_memo: '先质检' })).status).toBe(200)
    expect((await t.act('orders', order, 'audit')).status).toBe(409) // 待质检 is not auditable

    const low = await t.act('orders', order, 'qc_pass', { inspector: '王五', rating: 2 })
    expect(low.body.error).toMatchObject({ message: '评分低于 3 分，不能通过质检', details: [{ code: 'action_refused' }] })
    expect(await reserved()).toBe(0)

    const passed = await t.ok(t.act('orders', order, 'qc_pass', { inspector: '王五', rating: 4 }))
    expect(passed.result).toEqual({ status: 'audited', inspected_by: '王五' })
    expect(await reserved()).toBe(2)
    const edit = await app.api.patch(`/api/forms/orders/records/${order}`, { seller_memo: 'x' })
    expect(edit.body.error.reason).toBe('record_locked')
    expect(edit.body.error.message).toContain('订单审核后不能直接修改')

    await t.ok(t.act('orders', order, 'cancel'))
    expect(await reserved()).toBe(0)
  })
})
