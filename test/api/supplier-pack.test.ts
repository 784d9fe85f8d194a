import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aggregateRequest } from '../../schema/dashboards/query'
import { createSampleData } from '../../server/app'
import { readPack } from '../../server/forms/pack-files'
import { Decimal } from '../../schema/lib/decimal'
import { startTestApp, type TestApp } from '../support/app'

/**
 * The 供应商对账与采购比价 pack (templates/supplier-recon), built only from the template language:
 * installed alone into a fresh database with its sample data, then its rules checked through the API.
 */
const PACK_DIR = path.resolve(import.meta.dirname, '../../templates/supplier-recon')
const FORMS = ['sr_suppliers', 'sr_items', 'sr_quotes', 'sr_purchase_orders', 'sr_bills', 'sr_payments']

let app: TestApp

beforeAll(async () => {
  const pack = readPack(PACK_DIR)
  const sample = pack.sample_data as Record<string, Record<string, unknown>[]>
  delete pack.sample_data
  app = await startTestApp({ packs: [pack] })
  await createSampleData(app.ctx, sample)
})
afterAll(async () => {
  await app?.close()
})

const all = async (form: string, filter?: unknown): Promise<any[]> =>
  (await app.api.post(`/api/forms/${form}/records/query`, { filter, limit: 500, lines: true })).body.data
const get = async (form: string, id: number) => (await app.api.get(`/api/forms/${form}/records/${id}`)).body.data
const create = async (form: string, body: unknown) => {
  const res = await app.api.post(`/api/forms/${form}/records`, body)
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.data
}
const act = (form: string, id: number, action: string, params: Record<string, unknown> = {}) =>
  app.api.post(`/api/forms/${form}/records/${id}/actions/${action}`, params)
const byName = async (form: string, name: string) => (await all(form)).find((r) => r.name === name)
const view = async (form: string, key: string) => {
  const def = (await app.api.get(`/api/forms/${form}`)).body.data.definition
  return all(form, def.views.find((v: any) => v.key === key).filter)
}
const sum = (values: unknown[]) => values.reduce<Decimal>((s, v) => s.plus(new Decimal(String(v ?? 0))), new Decimal(0)).toFixed(2)

describe('the supplier reconciliation pack', () => {
  it('installs alone, with its forms, dashboard and sample data', async () => {
    const forms = (await app.api.get('/api/forms')).body.data.map((f: any) => f.key)
    expect(forms).toEqual(expect.arrayContaining(FORMS))
    expect(forms).not.toContain('orders')
    expect(forms).not.toContain('suppliers')
    const packs = (await app.api.get('/api/packs')).body.data
    expect(packs.map((p: any) => p.key)).toEqual(['supplier_recon'])
    const boards = (await app.api.get('/api/dashboards')).body.data.map((d: any) => d.key)
    expect(boards).toContain('sr_overview')
    for (const form of FORMS) expect((await all(form)).length).toBeGreaterThan(0)
  })

  it('keeps each supplier’s billed, paid and outstanding equal to its submitted bills and payments', async () => {
    const bills = await all('sr_bills', { field: 'doc_status', op: 'eq', value: 'submitted' })
    const payments = await all('sr_payments', { field: 'doc_status', op: 'eq', value: 'submitted' })
    for (const supplier of await all('sr_suppliers')) {
      const billed = sum(bills.filter((b) => b.supplier.id === supplier.id).map((b) => b.total))
      const paid = sum(payments.filter((p) => p.supplier.id === supplier.id).map((p) => p.amount))
      expect([supplier.name, supplier.billed_total, supplier.paid_total]).toEqual([supplier.name, billed, paid])
      expect(supplier.balance).toBe(new Decimal(billed).minus(paid).toFixed(2))
    }
    // every bill: lines total − deductions, less what was paid against it
    for (const bill of await all('sr_bills')) {
      expect(bill.subtotal).toBe(sum(bill.lines.map((l: any) => new Decimal(l.qty).times(l.unit_price))))
      expect(bill.total).toBe(new Decimal(bill.subtotal).minus(bill.deduction).toFixed(2))
      const paid = sum(payments.filter((p) => p.bill?.id === bill.id).map((p) => p.amount))
      expect(bill.outstanding).toBe(new Decimal(bill.total).minus(paid).toFixed(2))
    }
    const hengda = await byName('sr_suppliers', '义乌恒达包装')
    expect(hengda).toMatchObject({ billed_total: '1575.00', paid_total: '500.00', balance: '1075.00', unapplied: '500.00', open_bills: '1' })
  })

  it('names the cheapest active quote per item, and follows new and expired quotes', async () => {
    const cheapest = async () => Object.fromEntries((await view('sr_quotes', 'best')).map((q) => [q.item.display, `${q.supplier.display} ${q.unit_price}`]))
    expect(await cheapest()).toEqual({
      纯棉短袖T恤: '广州织云服饰 22.50',
      中号快递纸箱: '杭州晨光纸品 1.28',
      封箱胶带: '杭州晨光纸品 2.95',
      加厚快递袋: '义乌恒达包装 0.42',
    })
    // the comparison view leaves out expired and lapsed quotes
    const compared = await view('sr_quotes', 'compare')
    expect(compared.every((q) => q.status === 'active' && q.valid_until >= '2026-12-01')).toBe(true)
    expect(compared.map((q) => q.unit_price)).not.toContain('0.48')

    const box = await byName('sr_items', '中号快递纸箱')
    const youxuan = await byName('sr_suppliers', '苏州优选供应链')
    const offer = await create('sr_quotes', { item: box.id, supplier: youxuan.id, unit_price: '1.19', valid_from: '2026-11-01', valid_until: '2099-12-31' })
    expect(offer).toMatchObject({ is_best: true, above_best: '0.00', best_price: '1.19' })
    expect((await get('sr_items', box.id)).best_price).toBe('1.19')
    expect((await cheapest())['中号快递纸箱']).toBe('苏州优选供应链 1.19')
    const former = (await all('sr_quotes', { and: [{ field: 'item', op: 'eq', value: box.id }, { field: 'unit_price', op: 'eq', value: '1.28' }] }))[0]
    expect(former).toMatchObject({ is_best: false, above_best: '0.09' })

    expect((await act('sr_quotes', offer.id, 'expire')).status).toBe(200)
    expect((await get('sr_items', box.id)).best_price).toBe('1.28')
    expect((await cheapest())['中号快递纸箱']).toBe('杭州晨光纸品 1.28')
    expect((await act('sr_quotes', offer.id, 'expire')).status).toBe(409)
  })

  it('refuses a quote that ends before it starts, and a renewal into the past, with their messages', async () => {
    const box = await byName('sr_items', '中号快递纸箱')
    const hengda = await byName('sr_suppliers', '义乌恒达包装')
    const bad = await app.api.post('/api/forms/sr_quotes/records', { item: box.id, supplier: hengda.id, unit_price: '1.30', valid_from: '2026-12-10', valid_until: '2026-12-01' })
    expect(bad.status).toBe(422)
    expect(bad.body.error.details[0]).toMatchObject({ code: 'rule', message: '有效期至不能早于生效日期' })
    const lapsed = (await view('sr_quotes', 'lapsed'))[0]
    expect(lapsed.unit_price).toBe('0.48')
    const past = await act('sr_quotes', lapsed.id, 'renew', { valid_until: '2020-01-01' })
    expect(past.status).toBe(422)
    expect(past.body.error.details[0]).toMatchObject({ code: 'action_refused', message: '续期后的有效期不能早于今天' })
    const renewed = await act('sr_quotes', lapsed.id, 'renew', { valid_until: '2099-01-31', unit_price: '0.40' })
    expect(renewed.status, JSON.stringify(renewed.body)).toBe(200)
    expect(await get('sr_quotes', lapsed.id)).toMatchObject({ valid_until: '2099-01-31', unit_price: '0.40', is_best: true })
    expect((await byName('sr_items', '加厚快递袋')).best_price).toBe('0.40')
  })

  it('runs a purchase from order to bill to payment with exact money, and rolls it up per supplier', async () => {
    const supplier = await create('sr_suppliers', { code: 'S900', name: '宁波测试包材', terms_days: 10 })
    const tape = await create('sr_items', { code: 'T-900', name: '测试胶带' })
    const card = await create('sr_items', { code: 'C-900', name: '测试卡片' })
    await create('sr_quotes', { item: tape.id, supplier: supplier.id, unit_price: '0.10', valid_from: '2026-01-01', valid_until: '2099-12-31' })
    await create('sr_quotes', { item: card.id, supplier: supplier.id, unit_price: '19.99', valid_from: '2026-01-01', valid_until: '2099-12-31' })

    // the order's prices start at the best quotes
    const po = await create('sr_purchase_orders', { supplier: supplier.id, order_date: '2026-11-02', lines: [{ item: tape.id, qty: 3 }, { item: card.id, qty: 7 }] })
    expect(po.lines.map((l: any) => [l.unit_price, l.amount])).toEqual([['0.10', '0.30'], ['19.99', '139.93']])
    expect(po.total).toBe('140.23')
    expect((await act('sr_purchase_orders', po.id, 'submit')).status).toBe(200)
    expect((await act('sr_purchase_orders', po.id, 'receive', { received_date: '2026-11-01' })).status).toBe(422)
    expect((await act('sr_purchase_orders', po.id, 'receive', { received_date: '2026-11-05' })).status).toBe(200)
    expect(await get('sr_purchase_orders', po.id)).toMatchObject({ status: 'received', received_date: '2026-11-05' })

    // the supplier bills the card at 20.09: the line names the PO line, so the variance shows
    const [tapeLine, cardLine] = (await get('sr_purchase_orders', po.id)).lines
    const bill = await create('sr_bills', {
      supplier: supplier.id, period: '2026-11', bill_date: '2026-11-10', deduction: '0.33',
      lines: [{ po_line: tapeLine.id, item: tape.id, qty: 3, unit_price: '0.10' }, { po_line: cardLine.id, item: card.id, qty: 7, unit_price: '20.09' }],
    })
    expect(bill).toMatchObject({ subtotal: '140.93', total: '140.60', variance_total: '0.70', due_date: '2026-11-20', outstanding: '140.60' })
    expect(bill.lines[1]).toMatchObject({ ordered_price: '19.99', variance: '0.70' })
    const noInvoice = await act('sr_bills', bill.id, 'submit')
    expect(noInvoice.status).toBe(422)
    expect(noInvoice.body.error.details[0]).toMatchObject({ code: 'rule', message: '提交前请填写供应商单据号/发票号' })
    expect((await app.api.patch(`/api/forms/sr_bills/records/${bill.id}`, { invoice_no: 'NB-1' })).status).toBe(200)
    expect((await act('sr_bills', bill.id, 'submit')).status).toBe(200)
    expect((await get('sr_purchase_orders', po.id)).unbilled_total).toBe('0')

    // a payment before the bill is confirmed is refused on submit; confirming needs the variance accepted
    const early = await create('sr_payments', { supplier: supplier.id, bill: bill.id, paid_on: '2026-11-12', amount: '100.00' })
    expect((await act('sr_payments', early.id, 'submit')).body.error.details[0].message).toBe('对账单尚未确认，不能付款核销')
    const refused = await act('sr_bills', bill.id, 'confirm')
    expect(refused.status).toBe(422)
    expect(refused.body.error.details[0]).toMatchObject({ code: 'action_refused', message: '账单单价与采购单价不一致，请核对后勾选“接受差异”，或标记差异' })
    expect((await act('sr_bills', bill.id, 'confirm', { accept_variance: true })).status).toBe(200)
    expect((await get('sr_bills', bill.id)).recon_status).toBe('confirmed')

    // partial payment, then an overpayment refused, then the rest
    expect((await act('sr_payments', early.id, 'submit')).status).toBe(200)
    expect(await get('sr_bills', bill.id)).toMatchObject({ paid: '100.00', outstanding: '40.60', pay_status: '部分付款' })
    expect(await get('sr_suppliers', supplier.id)).toMatchObject({ po_total: '140.23', billed_total: '140.60', paid_total: '100.00', balance: '40.60', open_bills: '1' })
    const over = await create('sr_payments', { supplier: supplier.id, bill: bill.id, paid_on: '2026-11-13', amount: '40.61' })
    expect((await act('sr_payments', over.id, 'submit')).body.error.details[0].message).toBe('付款金额超过对账单未付金额')
    expect((await app.api.patch(`/api/forms/sr_payments/records/${over.id}`, { amount: '40.60' })).status).toBe(200)
    expect((await act('sr_payments', over.id, 'submit')).status).toBe(200)
    expect(await get('sr_bills', bill.id)).toMatchObject({ outstanding: '0.00', pay_status: '已结清' })
    expect(await get('sr_suppliers', supplier.id)).toMatchObject({ paid_total: '140.60', balance: '0.00', open_bills: '0' })

    // a paid bill cannot be voided; voiding a payment puts the amount back on the bill and the supplier
    const paidBill = await act('sr_bills', bill.id, 'void')
    expect(paidBill.status).toBe(422)
    expect(paidBill.body.error.details[0]).toMatchObject({ code: 'action_refused', message: '该对账单已有付款核销，请先作废相关付款单' })
    expect((await act('sr_payments', early.id, 'void')).status).toBe(200)
    expect((await get('sr_bills', bill.id)).outstanding).toBe('100.00')
    expect((await get('sr_suppliers', supplier.id)).balance).toBe('100.00')
  })

  it('refuses paying one supplier’s bill as another’s, and overdue bills show in 逾期未付', async () => {
    const [hengda, youxuan] = [await byName('sr_suppliers', '义乌恒达包装'), await byName('sr_suppliers', '苏州优选供应链')]
    const theirs = (await all('sr_bills', { field: 'supplier', op: 'eq', value: hengda.id }))[0]
    const wrong = await app.api.post('/api/forms/sr_payments/records', { supplier: youxuan.id, bill: theirs.id, amount: '10.00' })
    expect(wrong.status).toBe(422)
    expect(wrong.body.error.details[0]).toMatchObject({ code: 'rule', message: '所选对账单不属于该供应商' })

    const overdue = await view('sr_bills', 'overdue')
    // the sample's two, and the test bill above (due 2026-11-20) with 100.00 left after the void
    expect(overdue.map((b) => [b.supplier.display, b.outstanding]).sort()).toEqual([['义乌恒达包装', '1575.00'], ['宁波测试包材', '100.00'], ['苏州优选供应链', '220.00']])
    expect(overdue.every((b) => Number(b.overdue_days) > 0)).toBe(true)
  })

  it('asks for approval before a purchase order over 10,000.00 is submitted', async () => {
    const supplier = await byName('sr_suppliers', '广州织云服饰')
    const tee = await byName('sr_items', '纯棉短袖T恤')
    const po = await create('sr_purchase_orders', { supplier: supplier.id, lines: [{ item: tee.id, qty: 445 }] })
    expect(po.total).toBe('10012.50')
    const res = await act('sr_purchase_orders', po.id, 'submit')
    expect(res.status).toBe(200)
    expect(res.body.result.approval).toMatchObject({ status: 'pending' })
    expect((await get('sr_purchase_orders', po.id)).doc_status).toBe('draft')
  })

  it('draws its dashboard: the price-comparison pivot holds one price per item and supplier', async () => {
    const board = (await app.api.get('/api/dashboards/sr_overview')).body.data
    const pivot = board.definition.widgets.find((w: any) => w.key === 'compare')
    const res = await app.api.post('/api/forms/sr_quotes/records/aggregate', aggregateRequest(pivot.dataset, {}))
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    // one row per item × supplier of the comparison view, with that quote's price
    const compared = await view('sr_quotes', 'compare')
    const cell = (item: unknown, supplier: unknown) => String((item as any)?.id ?? item) + '×' + String((supplier as any)?.id ?? supplier)
    expect(Object.fromEntries(res.body.data.map((r: any) => [cell(r.item, r.supplier), r.price]))).toEqual(
      Object.fromEntries(compared.map((q) => [cell(q.item, q.supplier), q.unit_price])),
    )
  })
})
