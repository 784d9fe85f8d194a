import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { addDays, businessDate } from '../../schema/lib/time'
import { applyTradeEffects } from '../../server/sync/erp-effects'
import { startTestApp, type TestApp } from '../support/app'
import { erp } from '../support/erp'
import { expectBooksConsistent } from '../support/books'
import { expectStockConsistent } from '../support/invariants'

// A hand-computed stretch of a shop's books, every figure of the three statements to the 分.
let app: TestApp
let t: ReturnType<typeof erp>
let data: Awaited<ReturnType<ReturnType<typeof erp>['masterData']>>
let nextTid = 5_000_000_000_000_000_000n
// The whole story happens now; the statements cover yesterday to tomorrow (Asia/Shanghai), so a
// run across midnight still sees all of it.
const today = businessDate(Date.now())
const from = addDays(today, -1)
const to = addDays(today, 1)

/** A merchant's own pack: its documents post journal entries like the bundled ones. */
const OWN_PACK = {
  format: 'zhanggui.pack/1',
  key: 'market_stall',
  name: '集市摊位',
  version: '1.0.0',
  forms: [
    {
      key: 'stall_sales',
      label: '摊位现金销售',
      document: true,
      fields: [
        { key: 'amount', type: 'money', label: '金额', required: true },
        { key: 'tip', type: 'money', label: '小费', default: 0 },
      ],
      postings: [
        { name: 'cash', ledger: 'journal', values: { account: '"1001"', debit: 'amount + tip', credit: '0', memo: '"摊位销售"' } },
        { name: 'sale', ledger: 'journal', values: { account: '"5051"', debit: '0', credit: 'amount', memo: '"摊位销售"' } },
        // forgets the tip: debits exceed credits whenever there is one
      ],
    },
  ],
}

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false }, packs: [OWN_PACK] })
  t = erp(app.api)
  data = await t.masterData([{ outer_id: 'TEE-1', cost_price: '10.00' }, { outer_id: 'MUG-1', cost_price: '10.00' }])
  await t.create('settings', { default_warehouse: data.main.id, auto_audit: false })
})
afterEach(async () => {
  await expectStockConsistent(app.ctx.db.knex)
  await expectBooksConsistent(app.api, app.ctx.db.knex)
})
afterAll(async () => {
  await app?.close()
})

async function orderFor(code: string, num: number, payment: string, extra: Record<string, unknown> = {}) {
  const tid = String(nextTid++)
  const trade = await t.create('platform_trades', {
    shop: data.shop.id,
    tid,
    status: 'WAIT_SELLER_SEND_GOODS',
    buyer_nick: `买家${tid.slice(-3)}`,
    receiver_state: '浙江省',
    oaid: `OAID-${tid}`,
    payment,
    created: '2026-11-26 10:00:00',
    pay_time: '2026-11-26 10:05:00',
    source: 'manual',
    lines: [{ oid: `${tid}0`, outer_sku_id: code, title: code, num, payment, price: payment }],
    ...extra,
  })
  const created = await t.ok(t.act('platform_trades', trade.id, 'create_order'))
  return t.get('orders', created.result.order)
}

async function ship(orderId: number) {
  await t.ok(t.act('orders', orderId, 'audit'))
  return (await t.ok(t.act('orders', orderId, 'ship', { courier: data.courier.id, waybill_no: `YT${orderId}0001` }))).data
}

const amounts = (lines: any[]): Record<string, string> => Object.fromEntries(lines.map((l) => [l.account, l.amount]))
const entryOf = async (form: string, id: number) =>
  (await t.list('journal', { filter: { and: [{ field: 'doc_form', op: 'eq', value: form }, { field: 'doc_id', op: 'eq', value: id }] }, sort: 'id' })).map((l: any) => [
    l.account.display,
    l.debit,
    l.credit,
  ])

describe('the books of a hand-computed period', () => {
  it('posts every document and adds up to the 分 in 利润表, 现金流量表 and 资产负债表', async () => {
    const [tee, mug] = data.skus
    // Opening: 1,000.00 in Alipay from the owner; 10 T-shirts at 20.00 and 5 mugs at 30.00.
    const opening = await t.create('journal_entries', {
      kind: 'opening',
      memo: '期初余额',
      lines: [
        { account: (await account('1012.01')).id, debit: '1000.00' },
        { account: (await account('3001')).id, credit: '1000.00' },
      ],
    })
    await t.submit('journal_entries', opening.id)
    const stock = await t.create('stock_in', { type: 'opening', warehouse: data.main.id, lines: [{ sku: tee.id, qty_received: 10, qty_accepted: 10, unit_cost: '20.00' }, { sku: mug.id, qty_received: 5, qty_accepted: 5, unit_cost: '30.00' }] })
    await t.submit('stock_in', stock.id)
    expect(await entryOf('stock_in', stock.id)).toEqual([['1405', '200.00', '0.00'], ['1405', '150.00', '0.00'], ['3001', '0.00', '200.00'], ['3001', '0.00', '150.00']])

    // Two purchases of T-shirts at 26.00 and 29.00: 30 at 750.00, 25.00 each.
    const supplier = await t.create('suppliers', { name: '义乌佳品' })
    for (const cost of ['26.00', '29.00']) {
      const receipt = await t.create('stock_in', { type: 'purchase', warehouse: data.main.id, supplier: supplier.id, lines: [{ sku: tee.id, qty_received: 10, qty_accepted: 10, unit_cost: cost }] })
      await t.submit('stock_in', receipt.id)
    }
    expect(await t.balance(tee.id, data.main.id)).toMatchObject({ on_hand: '30', value: '750.00' })
    const payment = await t.create('supplier_payments', { supplier: supplier.id, amount: '260.00', paid_from: 'alipay' })
    await t.submit('supplier_payments', payment.id)

    // Three paid orders, one with a 6.00 post fee; two ship. The platform takes 5% and 0.50 an order.
    await t.ok(app.api.patch(`/api/forms/shops/records/${data.shop.id}`, { commission_rate: '5.00', fee_per_order: '0.50' }))
    const o1 = await orderFor('TEE-1', 2, '179.80', { payment: '185.80', post_fee: '6.00' })
    const o2 = await orderFor('TEE-1', 1, '89.90')
    const o3 = await orderFor('TEE-1', 1, '89.90')
    const s1 = await ship(o1.id)
    await ship(o2.id)
    expect(await entryOf('stock_out', s1.stock_out.id)).toEqual([
      ['5401', '50.00', '0.00'],
      ['1405', '0.00', '50.00'],
      ['1122', '185.80', '0.00'],
      ['5001.01', '0.00', '179.80'],
      ['5001.02', '0.00', '6.00'],
    ])

    // The buyer of o1 returns one of two: it comes back at 25.00 and 89.90 is refunded.
    const afterSale = await t.create('after_sales', { type: 'return_refund', order: o1.id, reason: '尺码不合适', lines: [{ order_line: s1.lines[0].id, qty: 1 }] })
    expect(afterSale.refund_total).toBe('89.90')
    const returned = await t.ok(t.act('after_sales', afterSale.id, 'receive_return', { warehouse: data.main.id }))
    await t.ok(t.act('after_sales', afterSale.id, 'refund'))
    expect(await entryOf('stock_in', returned.result.stock_in)).toEqual([['1405', '25.00', '0.00'], ['5401', '0.00', '25.00']])
    expect(await entryOf('after_sales', afterSale.id)).toEqual([['5001.03', '89.90', '0.00'], ['1122', '0.00', '89.90']])
    // o3 is refunded before it ships: nothing reaches the books.
    const early = await t.create('after_sales', { type: 'refund_only', order: o3.id, reason: '不想要了', lines: [{ order_line: o3.lines[0].id, qty: 1 }] })
    await t.ok(t.act('after_sales', early.id, 'refund'))
    expect(await entryOf('after_sales', early.id)).toEqual([])

    // Stocktake: one T-shirt missing (28 → 27) at 25.00; a mug written off and the write-off voided.
    const take = await t.create('stocktakes', { warehouse: data.main.id, lines: [{ sku: tee.id }] })
    await t.ok(t.act('stocktakes', take.id, 'start_count'))
    const counting = await t.get('stocktakes', take.id)
    expect(counting.lines[0].book_qty).toBe('28')
    await t.ok(app.api.patch(`/api/forms/stocktakes/records/${take.id}`, { lines: [{ id: counting.lines[0].id, counted_qty: 27, reason: 'lost' }] }))
    await t.submit('stocktakes', take.id)
    expect(await entryOf('stocktakes', take.id)).toEqual([['5602.04', '25.00', '0.00'], ['1405', '0.00', '25.00']])
    const damage = await t.create('stock_out', { type: 'damage', warehouse: data.main.id, reason: '摔碎', lines: [{ sku: mug.id, qty: 1 }] })
    await t.submit('stock_out', damage.id)
    await t.ok(t.act('stock_out', damage.id, 'void'))
    expect(await entryOf('stock_out', damage.id)).toEqual([
      ['5711.01', '30.00', '0.00'],
      ['1405', '0.00', '30.00'],
      ['5711.01', '-30.00', '0.00'],
      ['1405', '0.00', '-30.00'],
    ])

    // Two expenses (rent without a shop, promotion for the shop) and the platform settles o2.
    const rent = await t.create('expenses', { category: 'rent', item: '仓库房租', amount: '300.00', paid_from: 'alipay' })
    const ads = await t.create('expenses', { category: 'advertising', item: '直通车', amount: '120.00', paid_from: 'alipay', shop: data.shop.id })
    await t.ok(t.bulk('expenses', [rent.id, ads.id], 'book'))
    expect((await app.api.patch(`/api/forms/expenses/records/${rent.id}`, { amount: '1.00' })).status).toBe(409)
    const settlement = await t.create('settlements', { shop: data.shop.id, gross: '89.90', commission: '4.50', service_fee: '0.90' })
    expect(settlement.net).toBe('84.50')
    await t.submit('settlements', settlement.id)

    // Each order's profit: net revenue − COGS − estimated freight − 5% commission − 0.50.
    const profits = await Promise.all([o1, o2, o3].map(async (o) => (await t.get('orders', o.id)) as any))
    expect(profits.map((o) => [o.net_amount, o.cogs, o.estimated_freight, o.commission, o.profit])).toEqual([
      ['95.90', '25.00', '4.00', '4.80', '61.60'],
      ['89.90', '25.00', '4.00', '4.50', '55.90'],
      ['0.00', '0.00', null, '0.00', null],
    ])

    // 利润表
    const income = (await t.ok(app.api.get(`/api/reports/income-statement?from=${from}&to=${to}`))).data
    expect(income.totals).toEqual({
      revenue: '275.70',
      returns: '89.90',
      cogs: '50.00',
      gross_profit: '135.80',
      expenses: '425.40',
      inventory_losses: '25.00',
      other_income: '0.00',
      other_expenses: '0.00',
      income_tax: '0.00',
      net_profit: '-314.60',
    })
    expect(amounts(income.lines)).toEqual({
      pl_revenue: '185.80',
      pl_cost: '50.00',
      pl_tax: '0.00',
      pl_selling: '125.40',
      pl_admin: '325.00',
      pl_finance: '0.00',
      operating_profit: '-314.60',
      pl_non_operating_income: '0.00',
      pl_non_operating_expense: '0.00',
      total_profit: '-314.60',
      pl_income_tax: '0.00',
      net_profit: '-314.60',
    })
    expect(amounts(income.lines[0].lines)).toEqual({ '5001.01': '269.70', '5001.02': '6.00', '5001.03': '-89.90' })
    expect(amounts(income.lines.find((l: any) => l.account === 'pl_selling').lines)).toEqual({ '5601.01': '4.50', '5601.02': '0.90', '5601.04': '120.00' })
    expect(amounts(income.lines.find((l: any) => l.account === 'pl_admin').lines)).toEqual({ '5602.02': '300.00', '5602.04': '25.00' })

    // per shop: rent and the stocktake loss name no shop (未分摊)
    const byShop = (await t.ok(app.api.get(`/api/reports/income-statement?from=${from}&to=${to}&shop=${data.shop.id}`))).data
    expect(byShop.totals).toMatchObject({ revenue: '275.70', returns: '89.90', cogs: '50.00', gross_profit: '135.80', expenses: '125.40', inventory_losses: '0.00', net_profit: '10.40' })
    expect(byShop.unallocated).toMatchObject({ revenue: '0.00', expenses: '300.00', inventory_losses: '25.00', net_profit: '-325.00' })
    expect(byShop.lines.find((l: any) => l.account === 'pl_admin')).toMatchObject({ amount: '0.00', unallocated: '325.00' })

    // 现金流量表
    const cash = (await t.ok(app.api.get(`/api/reports/cash-flow?from=${from}&to=${to}`))).data
    expect(cash.totals).toEqual({ receipts: '1089.90', payments: '685.40', net: '404.50', opening_cash: '0.00', closing_cash: '404.50' })
    expect(amounts(cash.lines)).toEqual({
      cf_sales_receipts: '89.90',
      cf_other_receipts: '0.00',
      cf_purchase_payments: '260.00',
      cf_wage_payments: '0.00',
      cf_tax_payments: '0.00',
      cf_other_payments: '425.40',
      operating_net: '-595.50',
      cf_investing_receipts: '0.00',
      cf_investing_payments: '0.00',
      investing_net: '0.00',
      cf_financing_receipts: '1000.00',
      cf_financing_payments: '0.00',
      financing_net: '1000.00',
      net_increase: '404.50',
      opening_cash: '0.00',
      closing_cash: '404.50',
    })
    const months = cash.by_month.filter((m: any) => m.net !== '0.00')
    expect(months).toEqual([{ month: today.slice(0, 7), receipts: '1089.90', payments: '685.40', net: '404.50' }])

    // 资产负债表
    const sheet = (await t.ok(app.api.get(`/api/reports/balance-sheet?at=${to}`))).data
    expect(sheet.totals).toEqual({ assets: '1325.40', liabilities: '290.00', equity: '1035.40', liabilities_and_equity: '1325.40' })
    expect(amounts(sheet.lines)).toMatchObject({
      bs_cash: '404.50',
      bs_receivables: '95.90',
      bs_inventory: '825.00',
      total_assets: '1325.40',
      bs_payables: '290.00',
      total_liabilities: '290.00',
      bs_capital: '1350.00',
      bs_retained: '-314.60',
      total_equity: '1035.40',
      total_liabilities_and_equity: '1325.40',
    })
    // Before anything happened: all zero.
    const before = (await t.ok(app.api.get(`/api/reports/balance-sheet?at=${addDays(today, -2)}`))).data
    expect(before.totals).toEqual({ assets: '0.00', liabilities: '0.00', equity: '0.00', liabilities_and_equity: '0.00' })
  })

  it("posts a merchant's own document to the journal and refuses an entry that does not balance", async () => {
    const fine = await t.create('stall_sales', { amount: '20.00' })
    await t.submit('stall_sales', fine.id)
    expect(await entryOf('stall_sales', fine.id)).toEqual([['1001', '20.00', '0.00'], ['5051', '0.00', '20.00']])
    const tipped = await t.create('stall_sales', { amount: '20.00', tip: '1.50' })
    const refused = await t.act('stall_sales', tipped.id, 'submit')
    expect(refused.status).toBe(422)
    expect(refused.body.error.details[0]).toMatchObject({ code: 'journal_unbalanced', params: { debit: '21.50', credit: '20.00' } })
    expect((await t.get('stall_sales', tipped.id)).doc_status).toBe('draft')
    expect(await entryOf('stall_sales', tipped.id)).toEqual([])
    await t.ok(t.act('stall_sales', fine.id, 'void'))
  })

  it('a refund the Taobao sync learns of after shipping posts like one marked by hand, once', async () => {
    const [tee] = data.skus
    await t.receive(data.main.id, [{ sku: tee.id, qty: 4, cost: '25.00' }])
    const refundOf = async (order: any, status: string) => {
      const trade = await t.get('platform_trades', order.trades[0].id)
      const lines = trade.lines.map((l: any) => ({ id: l.id, refund_id: `R${trade.tid}`, refund_status: status }))
      await app.ctx.records.updateFields(null, 'platform_trades', trade.id, { lines })
      await applyTradeEffects(app.ctx.records, [trade.id])
      return (await t.list('after_sales', { filter: { field: 'refund_id', op: 'eq', value: `R${trade.tid}` } }))[0]
    }
    // refunded at once
    const quick = await orderFor('TEE-1', 1, '59.00')
    await ship(quick.id)
    const first = await refundOf(quick, 'SUCCESS')
    expect(first.status).toBe('refunded')
    expect(await entryOf('after_sales', first.id)).toEqual([['5001.03', '59.00', '0.00'], ['1122', '0.00', '59.00']])
    await refundOf(quick, 'SUCCESS')
    expect(await entryOf('after_sales', first.id)).toHaveLength(2)
    // asked for, then agreed: posts when it succeeds
    const slow = await orderFor('TEE-1', 1, '61.00')
    await ship(slow.id)
    const asked = await refundOf(slow, 'WAIT_SELLER_AGREE')
    expect(await entryOf('after_sales', asked.id)).toEqual([])
    await refundOf(slow, 'SUCCESS')
    expect(await entryOf('after_sales', asked.id)).toEqual([['5001.03', '61.00', '0.00'], ['1122', '0.00', '61.00']])
  })

  it('a refund after the platform settled the order is paid from Alipay, not taken off the receivable', async () => {
    const [tee] = data.skus
    await t.receive(data.main.id, [{ sku: tee.id, qty: 1, cost: '25.00' }])
    const order = await orderFor('TEE-1', 1, '70.00')
    await ship(order.id)
    const settlement = await t.create('settlements', { shop: data.shop.id, order: order.id, gross: '70.00', commission: '3.50' })
    await t.submit('settlements', settlement.id)
    expect((await t.get('orders', order.id)).settled_amount).toBe('70.00')
    const refund = await t.create('after_sales', { type: 'refund_only', order: order.id, reason: '质量问题', lines: [{ order_line: order.lines[0].id, qty: 1, refund_amount: '20.00' }] })
    await t.ok(t.act('after_sales', refund.id, 'refund'))
    expect(await entryOf('after_sales', refund.id)).toEqual([['5001.03', '20.00', '0.00'], ['1012.01', '0.00', '20.00']])
  })

  it('names the mistakes of a pack that declares the books wrongly', async () => {
    const ledger = {
      key: 'cash_book',
      label: '现金账',
      system_written: true,
      fields: [
        { key: 'account', type: 'link', form: 'accounts', display_field: 'code', label: '科目' },
        { key: 'debit', type: 'money', label: '借' },
        { key: 'credit', type: 'text', label: '贷' },
        { key: 'at', type: 'date', label: '日期' },
        ...['doc_form', 'doc_no', 'posting', 'batch', 'reverses'].map((key) => ({ key, type: 'text', label: key })),
        { key: 'doc_id', type: 'number', label: 'doc_id' },
      ],
      ledger: {
        balance: { form: 'account_balances', key: ['account'], add: { debit: 'debit' } },
        time: 'at',
        balanced: { debit: 'debit', credit: 'credit' },
        period_lock: { form: 'periods', month: 'closed', closed: 'month' },
      },
    }
    const doc = {
      key: 'cash_doc',
      label: '现金单',
      document: true,
      fields: [{ key: 'amount', type: 'money', label: '金额' }],
      postings: [
        { name: 'first', ledger: 'journal', values: { account: '"1001"', debit: 'amount', credit: '0' } },
        { name: 'second', ledger: 'journal', values: { account: 'IF(first.debit > 0, "3001", "1001")', debit: '0', credit: 'amount', posted_at: 'NOW()' } },
      ],
    }
    const res = await app.api.post('/api/packs', { ...OWN_PACK, key: 'bad_books', forms: [ledger, doc] })
    expect(res.status).toBe(422)
    const problems = res.body.error.details.map((d: any) => `${d.path}: ${d.message}`)
    expect(problems).toEqual(
      expect.arrayContaining([
        'forms[0].ledger.time: cash_book has no date-time field "at"',
        'forms[0].ledger.balanced: cash_book has no number field "credit"',
        'forms[0].ledger.period_lock.month: periods has no text field "closed"',
        'forms[1].postings[1].values.posted_at: "posted_at" is filled by the posting itself',
        'forms[1].postings[1].values.account: the balance key "account" cannot read "first.debit": balances and earlier postings are not known yet when it is needed',
      ]),
    )
  })

  it('refuses a journal entry that does not balance, and bad statement parameters', async () => {
    const entry = await t.create('journal_entries', { memo: '错账', lines: [{ account: (await account('1001')).id, debit: '10.00' }, { account: (await account('3001')).id, credit: '9.00' }] })
    const refused = await t.act('journal_entries', entry.id, 'submit')
    expect(refused.status).toBe(422)
    for (const [query, status, reason] of [
      ['income-statement?from=2026-11-01', 400, 'report_date_required'],
      ['income-statement?from=2026-11-31&to=2026-12-01', 400, 'report_bad_date'],
      ['income-statement?from=2026-12-02&to=2026-12-01', 400, 'report_bad_range'],
      ['income-statement?from=2026-12-01&to=2026-12-01&shop=x', 400, 'report_bad_shop'],
      ['cash-flow?from=2026-12-01&to=nope', 400, 'report_bad_date'],
      ['balance-sheet', 400, 'report_date_required'],
    ] as const) {
      const res = await app.api.get(`/api/reports/${query}`)
      expect([res.status, res.body.error?.reason], query).toEqual([status, reason])
    }
  })

  it('月结: a closed month refuses every posting into it with 409 period_locked; reopened, it posts', async () => {
    const month = today.slice(0, 7)
    const period = await t.create('periods', { month, closed: true })
    const expense = await t.create('expenses', { category: 'other', item: '文具', amount: '12.00', paid_from: 'cash' })
    const refused = await t.act('expenses', expense.id, 'book')
    expect(refused.status).toBe(409)
    expect(refused.body.error).toMatchObject({ reason: 'period_locked', params: { month } })
    expect((await t.get('expenses', expense.id)).booked).toBe(false)
    await t.ok(app.api.patch(`/api/forms/periods/records/${period.id}`, { closed: false }))
    await t.ok(t.act('expenses', expense.id, 'book'))
    expect(await entryOf('expenses', expense.id)).toEqual([['5602.09', '12.00', '0.00'], ['1001', '0.00', '12.00']])
  })
})

async function account(code: string) {
  return (await t.list('accounts', { filter: { field: 'code', op: 'eq', value: code } }))[0]
}
