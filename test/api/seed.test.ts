import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedOrders, type SeedSummary } from '../../server/cli/seed'
import { Decimal } from '../../schema/lib/decimal'
import { startTestApp, type TestApp } from '../support/app'
import { expectStockConsistent } from '../support/invariants'

/**
 * `zg seed`: the same data for the same seed, written through the records service so that stock
 * balances equal their ledger, and returns come back at the cost they shipped at.
 */
const OPTIONS = { orders: 300, seed: 7, end: '2026-11-30', days: 30 }
let first: TestApp
let second: TestApp
let summary: SeedSummary

beforeAll(async () => {
  first = await startTestApp({ bundled: { sampleData: true } })
  second = await startTestApp({ bundled: { sampleData: true } })
  summary = await seedOrders(first.ctx, OPTIONS)
  await seedOrders(second.ctx, OPTIONS)
}, 240_000)
afterAll(async () => {
  await first?.close()
  await second?.close()
})

/** orders as a merchant sees them, without ids or the run's clock */
async function orders(app: TestApp) {
  const rows: unknown[] = []
  let cursor: string | null = null
  do {
    const page: any = (await app.api.post('/api/forms/orders/records/query', { sort: 'id', limit: 500, lines: true, count: 'none', ...(cursor ? { cursor } : {}) })).body
    for (const o of page.data) {
      rows.push([o.shop.display, o.status, o.buyer_nick, o.receiver_state, o.paid_at, o.shipped_at, o.payment_total, o.lines.map((l: any) => [l.sku.display, l.qty, l.payment])])
    }
    cursor = page.next_cursor
  } while (cursor)
  return rows
}

describe('zg seed', () => {
  it('writes the same orders for the same seed', async () => {
    const a = await orders(first)
    expect(a).toHaveLength(OPTIONS.orders)
    expect(await orders(second)).toEqual(a)
    expect(summary.orders).toBe(OPTIONS.orders)
  })

  it('spreads orders over ten shops, the days, provinces and the status mix', async () => {
    const knex = first.ctx.db.knex
    const byShop = await knex('f_orders').select('shop').count({ n: '*' }).groupBy('shop')
    expect(byShop).toHaveLength(10)
    const statuses = new Map((await knex('f_orders').select('status').count({ n: '*' }).groupBy('status')).map((r: any) => [r.status, Number(r.n)]))
    expect(statuses.get('completed')).toBeGreaterThan(OPTIONS.orders * 0.4)
    for (const s of ['shipped', 'cancelled', 'pending']) expect(statuses.get(s), s).toBeGreaterThan(0)
    const provinces = await knex('f_orders').distinct('receiver_state')
    expect(provinces.length).toBeGreaterThan(10)
    const buyers = await knex('f_orders').countDistinct({ n: 'buyer_nick' })
    expect(Number(buyers[0].n)).toBeLessThanOrEqual(Math.max(50, OPTIONS.orders * 0.04))
    // every shipped order left with a submitted stock-out
    const unissued = await knex('f_orders as o').leftJoin('f_stock_out as s', 's.id', 'o.stock_out').whereIn('o.status', ['shipped', 'completed']).where((q) => q.whereNull('s.id').orWhereNot('s.doc_status', 'submitted')).count({ n: '*' })
    expect(Number(unissued[0].n)).toBe(0)
  })

  it('keeps stock balances equal to their ledger, and takes returns back at the shipped cost', async () => {
    await expectStockConsistent(first.ctx.db.knex)
    const knex = first.ctx.db.knex
    expect(summary.afterSales).toBeGreaterThan(0)
    const returns = await knex('f_stock_in as d')
      .join('f_stock_in__lines as l', 'l.parent_id', 'd.id')
      .where({ 'd.type': 'sales_return', 'd.doc_status': 'submitted' })
      .select('l.sku', 'l.unit_cost', 'd.received_at')
    expect(returns.length).toBeGreaterThan(0)
    // the unit cost of a return is one its SKU was issued at by an earlier sales stock-out
    const issued = await knex('f_stock_ledger').where({ doc_form: 'stock_out' }).select('sku', 'qty', 'value')
    const costs = new Map<string, Set<string>>()
    for (const l of issued) {
      const unit = new Decimal(String(l.value)).div(String(l.qty)).toDecimalPlaces(0).toString()
      costs.set(String(l.sku), (costs.get(String(l.sku)) ?? new Set()).add(unit))
    }
    for (const r of returns) expect(costs.get(String(r.sku))?.has(String(r.unit_cost)), `return of SKU ${r.sku} at ${r.unit_cost}`).toBe(true)
  })

  it('posts the books: sales revenue, COGS and refunds, in balance, inside the seeded days', async () => {
    const knex = first.ctx.db.knex
    const byAccount = new Map(
      (await knex('f_journal as j').join('f_accounts as a', 'a.id', 'j.account').select('a.code').sum({ debit: 'j.debit', credit: 'j.credit' }).groupBy('a.code')).map((r: any) => [
        r.code,
        { debit: Number(r.debit), credit: Number(r.credit) },
      ]),
    )
    const totals = [...byAccount.values()].reduce((t, r) => ({ debit: t.debit + r.debit, credit: t.credit + r.credit }), { debit: 0, credit: 0 })
    expect(totals.debit, JSON.stringify([...byAccount])).toBe(totals.credit)
    expect([...byAccount.keys()], JSON.stringify([...byAccount])).toEqual(expect.arrayContaining(['5001.01', '5401', '5001.03']))
    expect(byAccount.get('5001.01')?.credit).toBeGreaterThan(0) // revenue
    expect(byAccount.get('5401')?.debit).toBeGreaterThan(0) // COGS
    expect(byAccount.get('5001.03')?.debit).toBeGreaterThan(0) // refunds after shipping
    const first_ = Date.parse('2026-11-01T00:00:00+08:00')
    const outside = await knex('f_orders').where('created_at', '<', first_).orWhere('created_at', '>', Date.parse('2026-12-01T00:00:00+08:00')).count({ n: '*' })
    expect(Number(outside[0].n)).toBe(0)
  })
})

describe('zg seed --shipments daily', () => {
  let app: TestApp
  beforeAll(async () => {
    app = await startTestApp({ bundled: { sampleData: true } })
  }, 120_000)
  afterAll(async () => {
    await app?.close()
  })

  it('writes the same orders with one stock-out per day, stock equal to its ledger', async () => {
    const result = await seedOrders(app.ctx, { ...OPTIONS, shipments: 'daily' })
    expect(result.stockOuts).toBeLessThanOrEqual(OPTIONS.days)
    const projection = (rows: unknown[]) => rows.map((r) => (r as unknown[]).filter((_, i) => i !== 5)) // shipped_at aside, the same orders
    expect(projection(await orders(app))).toEqual(projection(await orders(first)))
    await expectStockConsistent(app.ctx.db.knex)
    const unissued = await app.ctx.db.knex('f_orders').whereIn('status', ['shipped', 'completed']).whereNull('stock_out').count({ n: '*' })
    expect(Number(unissued[0].n)).toBe(0)
  })
})
