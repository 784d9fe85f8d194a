import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'
import { expectBooksConsistent, expectLedgerSums } from '../support/books'
import { erp } from '../support/erp'
import { expectStockConsistent } from '../support/invariants'

// Random documents, submitted and voided in a seeded order: whatever happens, every journal entry
// balances, the balance sheet balances, 1405 equals the stock valuation and COGS equals what
// shipped minus what came back.
const STEPS = 500
let app: TestApp
let t: ReturnType<typeof erp>
let data: Awaited<ReturnType<ReturnType<typeof erp>['masterData']>>

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
  data = await t.masterData([{ outer_id: 'P-1' }, { outer_id: 'P-2' }, { outer_id: 'P-3' }])
  await t.create('settings', { default_warehouse: data.main.id, auto_audit: false })
})
afterAll(async () => {
  await app?.close()
})

/** mulberry32: small, seeded, the same sequence on every run. */
function random(seed: number) {
  let a = seed
  const next = () => {
    a |= 0
    a = (a + 0x6d2b79f5) | 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)), pick: <T>(items: T[]): T => items[Math.floor(next() * items.length)] }
}

it(`keeps the books whole over ${STEPS} random document steps`, async () => {
  const r = random(20261203)
  const money = (lo: number, hi: number) => (r.int(lo * 100, hi * 100) / 100).toFixed(2)
  const sku = () => r.pick(data.skus).id
  const submitted: { form: string; id: number }[] = []
  const shipped: any[] = []
  const unbooked: number[] = []
  const booked: number[] = []
  let tid = 7_000_000_000_000_000_000n
  const counts: Record<string, number> = {}
  const tried = async (name: string, run: () => Promise<boolean>) => {
    const ok = await run()
    counts[`${name}${ok ? '' : ' (refused)'}`] = (counts[`${name}${ok ? '' : ' (refused)'}`] ?? 0) + 1
  }
  const act = async (form: string, id: number, action: string, params: Record<string, unknown> = {}) => {
    const res = await t.act(form, id, action, params)
    if (res.status >= 500) throw new Error(`${form} ${id} ${action}: ${JSON.stringify(res.body)}`)
    // A refusal must be a business refusal (stock, state), never an unbalanced entry.
    if (res.status !== 200) expect(res.body.error?.details?.[0]?.code ?? res.body.error?.reason).not.toBe('journal_unbalanced')
    return res.status === 200 ? res.body : null
  }
  const steps: [number, () => Promise<void>][] = [
    [5, () => tried('purchase', async () => {
      const doc = await t.create('stock_in', { type: r.pick(['purchase', 'purchase', 'other', 'opening']), warehouse: data.main.id, lines: [{ sku: sku(), qty_received: r.int(1, 8), qty_accepted: r.int(1, 8), unit_cost: money(5, 40) }].map((l) => ({ ...l, qty_received: Math.max(l.qty_received, l.qty_accepted) })) })
      const done = await act('stock_in', doc.id, 'submit')
      if (done) submitted.push({ form: 'stock_in', id: doc.id })
      return Boolean(done)
    })],
    [5, () => tried('order shipped', async () => {
      const n = r.int(1, 3)
      const payment = money(20, 200)
      const postFee = r.next() < 0.4 ? money(0, 12) : '0.00'
      const code = r.pick(data.skus).outer_id
      const id = String(tid++)
      const trade = await t.create('platform_trades', {
        shop: data.shop.id, tid: id, status: 'WAIT_SELLER_SEND_GOODS', buyer_nick: `b${id.slice(-4)}`, receiver_state: '浙江省', oaid: `O${id}`,
        payment: (Number(payment) + Number(postFee)).toFixed(2), post_fee: postFee, created: '2026-11-26 10:00:00', pay_time: '2026-11-26 10:05:00', source: 'manual',
        lines: [{ oid: `${id}0`, outer_sku_id: code, title: code, num: n, payment, price: payment }],
      })
      const created = await act('platform_trades', trade.id, 'create_order')
      if (!created) return false
      const orderId = created.result.order
      const audited = await act('orders', orderId, 'audit')
      if (!audited || (await t.get('orders', orderId)).status !== 'audited') {
        await act('orders', orderId, 'cancel')
        return false
      }
      const ship = await act('orders', orderId, 'ship', { courier: data.courier.id, waybill_no: `W${id}` })
      if (!ship) return false
      shipped.push(ship.data)
      submitted.push({ form: 'stock_out', id: ship.data.stock_out.id })
      return true
    })],
    [3, () => tried('return and refund', async () => {
      if (!shipped.length) return false
      const order = r.pick(shipped)
      const line = order.lines[0]
      const afterSale = await t.create('after_sales', { type: 'return_refund', order: order.id, reason: 'r', lines: [{ order_line: line.id, qty: r.int(1, Number(line.qty)) }] })
      const back = await act('after_sales', afterSale.id, 'receive_return', { warehouse: r.pick([data.main.id, data.returns.id]) })
      if (back) submitted.push({ form: 'stock_in', id: back.result.stock_in })
      return Boolean(await act('after_sales', afterSale.id, 'refund'))
    })],
    [2, () => tried('write-off', async () => {
      const doc = await t.create('stock_out', { type: r.pick(['damage', 'other']), warehouse: r.pick([data.main.id, data.returns.id]), lines: [{ sku: sku(), qty: r.int(1, 3) }] })
      const done = await act('stock_out', doc.id, 'submit')
      if (done) submitted.push({ form: 'stock_out', id: doc.id })
      return Boolean(done)
    })],
    [2, () => tried('stocktake', async () => {
      const take = await t.create('stocktakes', { warehouse: data.main.id, lines: [{ sku: sku() }] })
      await act('stocktakes', take.id, 'start_count')
      const counting = await t.get('stocktakes', take.id)
      const book = Number(counting.lines[0].book_qty)
      await t.ok(app.api.patch(`/api/forms/stocktakes/records/${take.id}`, { lines: [{ id: counting.lines[0].id, counted_qty: Math.max(0, book + r.int(-3, 3)), reason: r.pick(['lost', 'damage', 'found']) }] }))
      const done = await act('stocktakes', take.id, 'submit')
      if (done) submitted.push({ form: 'stocktakes', id: take.id })
      return Boolean(done)
    })],
    [3, () => tried('expense', async () => {
      const e = await t.create('expenses', { category: r.pick(['purchase', 'logistics', 'advertising', 'platform_fees', 'wages', 'rent', 'packaging', 'bank_fees', 'other']), item: 'x', amount: money(1, 300), paid_from: r.pick(['alipay', 'wechat', 'bank', 'cash']), ...(r.next() < 0.5 ? { shop: data.shop.id } : {}) })
      unbooked.push(e.id)
      return true
    })],
    [3, () => tried('book or unbook', async () => {
      if (booked.length && r.next() < 0.3) {
        const id = booked.splice(r.int(0, booked.length - 1), 1)[0]
        unbooked.push(id)
        return Boolean(await act('expenses', id, 'unbook'))
      }
      if (!unbooked.length) return false
      const id = unbooked.splice(r.int(0, unbooked.length - 1), 1)[0]
      booked.push(id)
      return Boolean(await act('expenses', id, 'book'))
    })],
    [2, () => tried('settlement', async () => {
      const gross = money(10, 300)
      const doc = await t.create('settlements', { shop: data.shop.id, gross, commission: (Number(gross) * 0.05).toFixed(2), service_fee: money(0, 1), received_to: r.pick(['alipay', 'bank']) })
      const done = await act('settlements', doc.id, 'submit')
      if (done) submitted.push({ form: 'settlements', id: doc.id })
      return Boolean(done)
    })],
    [1, () => tried('supplier payment', async () => {
      const supplier = (await t.list('suppliers'))[0] ?? (await t.create('suppliers', { name: '供应商' }))
      const doc = await t.create('supplier_payments', { supplier: supplier.id, amount: money(10, 500), paid_from: r.pick(['alipay', 'bank', 'wechat']) })
      const done = await act('supplier_payments', doc.id, 'submit')
      if (done) submitted.push({ form: 'supplier_payments', id: doc.id })
      return Boolean(done)
    })],
    [4, () => tried('void', async () => {
      if (!submitted.length) return false
      const doc = submitted.splice(r.int(0, submitted.length - 1), 1)[0]
      return Boolean(await act(doc.form, doc.id, 'void'))
    })],
  ]
  const weights = steps.reduce((n, [w]) => n + w, 0)
  for (let step = 0; step < STEPS; step++) {
    let roll = r.next() * weights
    const [, run] = steps.find(([w]) => (roll -= w) < 0) ?? steps[steps.length - 1]
    await run()
    if (step % 100 === 99) await expectLedgerSums(app.ctx.db.knex)
  }
  await expectStockConsistent(app.ctx.db.knex)
  const { lines, batches } = await expectLedgerSums(app.ctx.db.knex)
  await expectBooksConsistent(app.api)
  // The statements agree with each other: this year's net profit is the equity it added.
  const income = (await t.ok(app.api.get('/api/reports/income-statement?from=2000-01-01&to=2099-12-31'))).data
  const sheet = (await t.ok(app.api.get('/api/reports/balance-sheet?at=2099-12-31'))).data
  const retained = sheet.lines.find((l: any) => l.account === 'bs_retained').amount
  expect(income.totals.net_profit).toBe(retained)
  const cash = (await t.ok(app.api.get('/api/reports/cash-flow?from=2000-01-01&to=2099-12-31'))).data
  expect(cash.totals.closing_cash).toBe(sheet.lines.find((l: any) => l.account === 'bs_cash').amount)
  expect(lines).toBeGreaterThan(300)
  expect(batches).toBeGreaterThan(100)
  expect(counts['order shipped']).toBeGreaterThan(20)
  expect(counts.void).toBeGreaterThan(20)
}, 600_000)
