import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultPolicy, type AccessPolicy } from '../../server/access/policy'
import { selectRows } from '../../server/query/sql'
import { Decimal, fromScaledInteger } from '../../schema/lib/decimal'
import { formatDateTime } from '../../schema/lib/time'
import { startTestApp, type ApiClient, type TestApp } from '../support/app'

/**
 * Aggregates against an oracle: the same questions asked in plain, per-row SQL (each row's
 * Asia/Shanghai date formatted by the database's own time-zone functions), on generated data.
 */
const label = (zh: string, en: string) => ({ 'zh-CN': zh, en })
const pack = {
  format: 'zhanggui.pack/1',
  key: 'aggtest',
  name: label('汇总测试', 'Aggregate test'),
  version: '1.0.0',
  forms: [
    {
      key: 'outlets',
      label: label('店铺', 'Outlets'),
      title_field: 'name',
      fields: [
        { key: 'name', type: 'text', label: label('名称', 'Name'), required: true },
        { key: 'platform', type: 'select', label: label('平台', 'Platform'), options: [{ value: 'taobao', label: label('淘宝', 'Taobao') }, { value: 'tmall', label: label('天猫', 'Tmall') }] },
        { key: 'region', type: 'text', label: label('区域', 'Region') },
        { key: 'opened', type: 'date', label: label('开店', 'Opened') },
      ],
    },
    {
      key: 'goods',
      label: label('商品', 'Goods'),
      title_field: 'sku',
      fields: [
        { key: 'sku', type: 'text', label: label('编码', 'SKU'), required: true },
        { key: 'category', type: 'text', label: label('类目', 'Category') },
      ],
    },
    {
      key: 'sales',
      label: label('销售', 'Sales'),
      fields: [
        { key: 'outlet', type: 'link', label: label('店铺', 'Outlet'), form: 'outlets', display_field: 'name' },
        { key: 'status', type: 'select', label: label('状态', 'Status'), options: ['paid', 'shipped', 'refunded'].map((v) => ({ value: v, label: label(v, v) })) },
        { key: 'buyer', type: 'text', label: label('买家', 'Buyer') },
        { key: 'paid_at', type: 'datetime', label: label('付款时间', 'Paid at') },
        { key: 'ship_date', type: 'date', label: label('发货日期', 'Ship date') },
        { key: 'amount', type: 'money', label: label('金额', 'Amount') },
        { key: 'qty', type: 'number', label: label('数量', 'Qty') },
        { key: 'weight', type: 'number', label: label('重量', 'Weight'), scale: 3 },
        { key: 'flagged', type: 'checkbox', label: label('标记', 'Flagged') },
        { key: 'outlet_region', type: 'lookup', label: label('区域', 'Region'), link: 'outlet', field: 'region' },
        {
          key: 'lines',
          type: 'sub_form',
          label: label('明细', 'Lines'),
          fields: [
            { key: 'item', type: 'link', label: label('商品', 'Item'), form: 'goods', display_field: 'sku' },
            { key: 'qty', type: 'number', label: label('数量', 'Qty') },
            { key: 'price', type: 'money', label: label('单价', 'Price') },
          ],
        },
      ],
    },
    { key: 'ticks', label: label('计数', 'Ticks'), fields: [{ key: 'n', type: 'number', label: label('数', 'N') }] },
  ],
}

/** A test role: "viewer" sees only the first outlet's sales, without amounts or outlet regions. */
const ids = { outlets: [] as number[], goods: [] as number[] }
const policy: AccessPolicy = {
  ...defaultPolicy,
  readScope: (actor, form) => (actor.username === 'viewer' && form.key === 'sales' ? { field: 'outlet', op: 'eq', value: ids.outlets[0] } : null),
  hiddenFields: (actor, form) => new Set(actor.username !== 'viewer' ? [] : form.key === 'sales' ? ['amount'] : form.key === 'outlets' ? ['region'] : []),
}

let app: TestApp
let viewer: ApiClient
let pg = false

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Instants around month, quarter and year ends in Asia/Shanghai (UTC+8), bought by "edge". */
const EDGES = ['2026-11-30T16:30:00.000Z', '2026-11-30T15:59:59.999Z', '2026-12-31T16:00:00.000Z', '2026-12-31T15:59:59.999Z', '2026-09-30T16:00:00.000Z']

beforeAll(async () => {
  app = await startTestApp({ packs: [pack], access: policy })
  pg = app.database.kind === 'postgres'
  viewer = await app.clientFor('viewer')
  const outlets = await app.api.post('/api/forms/outlets/records', [
    { name: '一号店', platform: 'taobao', region: '华东', opened: '2025-03-01' },
    { name: '二号店', platform: 'tmall', region: '华南', opened: '2026-01-15' },
    { name: '三号店', platform: 'taobao', opened: '2026-11-30' },
  ])
  ids.outlets = outlets.body.data.map((r: any) => r.id)
  const goods = await app.api.post('/api/forms/goods/records', ['G1', 'G2', 'G3', 'G4'].map((sku, i) => ({ sku, category: i % 2 ? '服装' : null })))
  ids.goods = goods.body.data.map((r: any) => r.id)

  const random = mulberry32(20261127)
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]
  const start = Date.parse('2026-09-20T00:00:00Z')
  const span = Date.parse('2027-01-10T00:00:00Z') - start
  const sales: Record<string, unknown>[] = []
  for (let i = 0; i < 700; i++) {
    const amount = random() < 0.1 ? null : (Math.floor(random() * 50_000) - 5_000) / 100
    sales.push({
      outlet: random() < 0.1 ? null : pick(ids.outlets),
      status: pick(['paid', 'shipped', 'refunded']),
      buyer: random() < 0.05 ? null : `b${Math.floor(random() * 60)}`,
      paid_at: random() < 0.08 ? null : new Date(start + Math.floor(random() * span)).toISOString(),
      ship_date: random() < 0.2 ? null : new Date(start + Math.floor(random() * span)).toISOString().slice(0, 10),
      amount: amount === null ? null : amount.toFixed(2),
      qty: random() < 0.1 ? null : Math.floor(random() * 6),
      weight: (random() * 10).toFixed(3),
      flagged: random() < 0.3,
      lines: Array.from({ length: Math.floor(random() * 4) }, () => ({ item: random() < 0.1 ? null : pick(ids.goods), qty: 1 + Math.floor(random() * 5), price: (Math.floor(random() * 9_999) / 100).toFixed(2) })),
    })
  }
  for (const at of EDGES) sales.push({ outlet: ids.outlets[2], status: 'paid', buyer: 'edge', paid_at: at, amount: '1.00', ship_date: at.slice(0, 10) })
  // before 1970 the day arithmetic still floors (epoch ms are negative)
  for (const at of ['1969-12-31T15:00:00.000Z', '1969-12-31T16:00:00.000Z', '1969-12-28T16:00:00.000Z']) sales.push({ status: 'paid', buyer: 'old', paid_at: at, ship_date: at.slice(0, 10) })
  const created = await app.api.post('/api/forms/sales/records', sales)
  expect(created.status).toBe(201)
})
afterAll(async () => {
  await app?.close()
})

async function aggregate(body: unknown, client: ApiClient = app.api, form = 'sales') {
  const res = await client.post(`/api/forms/${form}/records/aggregate`, body)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body as { data: Record<string, unknown>[]; truncated: boolean }
}

function oracle(sql: string, bindings: unknown[] = []) {
  return selectRows(app.ctx.db.knex, sql, bindings)
}

const money = (v: unknown) => (v == null ? null : fromScaledInteger(String(v), 2))
const whole = (v: unknown) => (v == null ? null : Number(v))
/** half away from zero, as the API promises for avg */
const avgMoney = (s: unknown, c: unknown) => (Number(c) === 0 || s == null ? null : new Decimal(String(s)).div(String(c)).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).div(100).toFixed(2))

/** the Shanghai period of a per-row epoch-ms column or date column, formatted the slow and obvious way */
function period(column: string, by: string, kind: 'datetime' | 'date'): string {
  if (pg) {
    const ts = kind === 'datetime' ? `(to_timestamp(${column} / 1000.0) AT TIME ZONE 'Asia/Shanghai')` : `${column}::timestamp`
    if (by === 'week') return `to_char(date_trunc('week', ${ts}), 'YYYY-MM-DD')`
    if (by === 'quarter') return `(to_char(${ts}, 'YYYY') || '-Q' || EXTRACT(QUARTER FROM ${ts})::int)`
    return `to_char(${ts}, '${{ day: 'YYYY-MM-DD', month: 'YYYY-MM', year: 'YYYY' }[by]}')`
  }
  const at = kind === 'datetime' ? `${column} / 1000, 'unixepoch', '+8 hours'` : column
  if (by === 'week') return `date(${at}, '-6 days', 'weekday 1')`
  if (by === 'quarter') {
    const month = `strftime('%m', ${at})`
    return `(strftime('%Y', ${at}) || CASE WHEN ${month} <= '03' THEN '-Q1' WHEN ${month} <= '06' THEN '-Q2' WHEN ${month} <= '09' THEN '-Q3' ELSE '-Q4' END)`
  }
  return `strftime('${{ day: '%Y-%m-%d', month: '%Y-%m', year: '%Y' }[by]}', ${at})`
}

const MEASURES = [
  { fn: 'count', as: 'n' },
  { fn: 'count', field: 'amount', as: 'with_amount' },
  { fn: 'sum', field: 'amount', as: 'total' },
  { fn: 'avg', field: 'amount', as: 'average' },
  { fn: 'min', field: 'amount', as: 'lowest' },
  { fn: 'max', field: 'amount', as: 'highest' },
  { fn: 'count_distinct', field: 'buyer', as: 'buyers' },
  { fn: 'sum', field: 'weight', as: 'weight' },
  { fn: 'avg', field: 'qty', as: 'avg_qty' },
]
const ORACLE_MEASURES = `COUNT(*) AS n, COUNT(amount) AS with_amount, SUM(amount) AS total, MIN(amount) AS lowest, MAX(amount) AS highest,
  COUNT(DISTINCT buyer) AS buyers, SUM(weight) AS weight, SUM(qty) AS qty_sum, COUNT(qty) AS qty_count`
function fromOracle(row: Record<string, unknown>) {
  return {
    n: whole(row.n),
    with_amount: whole(row.with_amount),
    total: money(row.total),
    average: avgMoney(row.total, row.with_amount),
    lowest: money(row.lowest),
    highest: money(row.highest),
    buyers: whole(row.buyers),
    weight: row.weight == null ? null : fromScaledInteger(String(row.weight), 3),
    avg_qty: Number(row.qty_count) === 0 || row.qty_sum == null ? null : new Decimal(String(row.qty_sum)).div(String(row.qty_count)).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toFixed(0),
  }
}
const nullsLast = (key: string) => `CASE WHEN ${key} IS NULL THEN 1 ELSE 0 END, ${key}`

describe('aggregates against a per-row SQL oracle', () => {
  for (const by of ['day', 'week', 'month', 'quarter', 'year']) {
    for (const [field, kind] of [
      ['paid_at', 'datetime'],
      ['ship_date', 'date'],
    ] as const) {
      it(`buckets ${kind} ${field} by ${by}`, async () => {
        const got = await aggregate({ group_by: [{ field, by }], measures: MEASURES })
        expect(got.truncated).toBe(false)
        const bucket = period(field, by, kind)
        const expected = await oracle(`SELECT ${bucket} AS k, ${ORACLE_MEASURES} FROM f_sales GROUP BY ${bucket} ORDER BY ${nullsLast(bucket)}`)
        expect(got.data).toEqual(expected.map((row) => ({ [field]: row.k == null ? null : String(row.k), ...fromOracle(row) })))
        // the NULL bucket is there, last
        expect(got.data[got.data.length - 1][field]).toBeNull()
      })
    }
  }

  it('puts instants in their Asia/Shanghai day, week, month, quarter and year', async () => {
    const filter = { field: 'buyer', op: 'eq', value: 'edge' }
    const days = await aggregate({ filter, group_by: [{ field: 'paid_at', by: 'day' }], measures: [{ fn: 'count', as: 'n' }] })
    expect(days.data).toEqual([
      { paid_at: '2026-10-01', n: 1 },
      { paid_at: '2026-11-30', n: 1 },
      { paid_at: '2026-12-01', n: 1 },
      { paid_at: '2026-12-31', n: 1 },
      { paid_at: '2027-01-01', n: 1 },
    ])
    const months = await aggregate({ filter, group_by: [{ field: 'paid_at', by: 'month' }], measures: [{ fn: 'count', as: 'n' }] })
    expect(months.data).toEqual([
      { paid_at: '2026-10', n: 1 },
      { paid_at: '2026-11', n: 1 },
      { paid_at: '2026-12', n: 2 },
      { paid_at: '2027-01', n: 1 },
    ])
    const weeks = await aggregate({ filter, group_by: [{ field: 'paid_at', by: 'week' }], measures: [{ fn: 'count', as: 'n' }] })
    expect(weeks.data).toEqual([
      { paid_at: '2026-09-28', n: 1 },
      { paid_at: '2026-11-30', n: 2 },
      { paid_at: '2026-12-28', n: 2 },
    ])
    const quarters = await aggregate({ filter, group_by: [{ field: 'paid_at', by: 'quarter' }, { field: 'ship_date', by: 'quarter' }], measures: [{ fn: 'count', as: 'n' }] })
    expect(quarters.data).toEqual([
      { paid_at: '2026-Q4', ship_date: '2026-Q3', n: 1 },
      { paid_at: '2026-Q4', ship_date: '2026-Q4', n: 3 },
      { paid_at: '2027-Q1', ship_date: '2026-Q4', n: 1 },
    ])
    const years = await aggregate({ filter, group_by: [{ field: 'paid_at', by: 'year' }], measures: [{ fn: 'sum', field: 'amount', as: 'total' }] })
    expect(years.data).toEqual([
      { paid_at: '2026', total: '4.00' },
      { paid_at: '2027', total: '1.00' },
    ])
  })

  it('buckets instants before 1970 too', async () => {
    const filter = { field: 'buyer', op: 'eq', value: 'old' }
    const measures = [{ fn: 'count', as: 'n' }]
    expect((await aggregate({ filter, group_by: [{ field: 'paid_at', by: 'day' }], measures })).data).toEqual([
      { paid_at: '1969-12-29', n: 1 },
      { paid_at: '1969-12-31', n: 1 },
      { paid_at: '1970-01-01', n: 1 },
    ])
    expect((await aggregate({ filter, group_by: [{ field: 'paid_at', by: 'week' }, { field: 'ship_date', by: 'week' }], measures })).data).toEqual([
      { paid_at: '1969-12-29', ship_date: '1969-12-22', n: 1 },
      { paid_at: '1969-12-29', ship_date: '1969-12-29', n: 2 },
    ])
    expect((await aggregate({ filter, group_by: [{ field: 'paid_at', by: 'year' }], measures })).data).toEqual([
      { paid_at: '1969', n: 2 },
      { paid_at: '1970', n: 1 },
    ])
  })

  it('groups by links (id and display), selects, booleans, lookups and NULLs', async () => {
    const got = await aggregate({ group_by: ['outlet', 'status', 'flagged'], measures: MEASURES })
    const expected = await oracle(
      `SELECT s.outlet, o.name, s.status, s.flagged, ${ORACLE_MEASURES.replace(/\((amount|buyer|weight|qty)\)/g, '(s.$1)')} FROM f_sales s LEFT JOIN f_outlets o ON o.id = s.outlet
       GROUP BY s.outlet, o.name, s.status, s.flagged ORDER BY ${nullsLast('o.name')}, s.status, ${nullsLast('s.flagged')}, s.outlet`,
    )
    expect(got.data).toEqual(
      expected.map((row) => ({
        outlet: row.outlet == null ? null : { id: Number(row.outlet), display: row.name },
        status: row.status,
        flagged: row.flagged == null ? null : row.flagged === true || row.flagged === 1,
        ...fromOracle(row),
      })),
    )
    expect(got.data.some((r) => r.outlet === null)).toBe(true)

    const byLookup = await aggregate({ group_by: ['outlet_region'], measures: [{ fn: 'count', as: 'n' }] })
    const lookupOracle = await oracle(`SELECT o.region, COUNT(*) AS n FROM f_sales s LEFT JOIN f_outlets o ON o.id = s.outlet GROUP BY o.region ORDER BY ${nullsLast('o.region')}`)
    expect(byLookup.data).toEqual(lookupOracle.map((r) => ({ outlet_region: r.region, n: Number(r.n) })))
  })

  it('takes min and max of dates, datetimes and text; groups by users and unbucketed datetimes', async () => {
    const got = await aggregate({ group_by: ['status'], measures: [{ fn: 'min', field: 'paid_at', as: 'first' }, { fn: 'max', field: 'ship_date', as: 'last_ship' }, { fn: 'min', field: 'buyer', as: 'a' }, { fn: 'max', field: 'buyer', as: 'z' }, { fn: 'count_distinct', field: 'outlet', as: 'outlets' }] })
    const expected = await oracle(`SELECT status, MIN(paid_at) AS f, MAX(ship_date) AS l, MIN(buyer) AS a, MAX(buyer) AS z, COUNT(DISTINCT outlet) AS o FROM f_sales GROUP BY status ORDER BY status`)
    expect(got.data).toEqual(expected.map((r) => ({ status: r.status, first: formatDateTime(Number(r.f)), last_ship: r.l, a: r.a, z: r.z, outlets: Number(r.o) })))
    const [{ n }] = await oracle('SELECT COUNT(*) AS n FROM f_sales')
    expect((await aggregate({ group_by: ['created_by'], measures: [{ fn: 'count', as: 'n' }] })).data).toEqual([{ created_by: { id: expect.any(Number), display: '管理员' }, n: Number(n) }])
    const instants = await aggregate({ filter: { field: 'buyer', op: 'eq', value: 'edge' }, group_by: ['paid_at'], measures: [{ fn: 'count', as: 'n' }], sort: '-paid_at', limit: 2 })
    expect(instants).toEqual({ data: [{ paid_at: '2027-01-01T00:00:00.000+08:00', n: 1 }, { paid_at: '2026-12-31T23:59:59.999+08:00', n: 1 }], truncated: true })
  })

  it('groups through a link: "outlet.platform", "outlet.opened" by month', async () => {
    const got = await aggregate({ group_by: ['outlet.platform', { field: 'outlet.opened', by: 'month' }], measures: [{ fn: 'count', as: 'n' }, { fn: 'sum', field: 'amount', as: 'total' }] })
    const expected = await oracle(
      `SELECT o.platform, ${period('o.opened', 'month', 'date')} AS opened, COUNT(*) AS n, SUM(s.amount) AS total FROM f_sales s LEFT JOIN f_outlets o ON o.id = s.outlet
       GROUP BY 1, 2 ORDER BY ${nullsLast('o.platform')}, ${nullsLast(period('o.opened', 'month', 'date'))}`,
    )
    expect(got.data).toEqual(expected.map((r) => ({ 'outlet.platform': r.platform, 'outlet.opened': r.opened == null ? null : String(r.opened), n: Number(r.n), total: money(r.total) })))
  })

  it('answers one row without group_by, also when nothing matches; no rows when grouped', async () => {
    const all = await aggregate({ measures: MEASURES })
    const [expected] = await oracle(`SELECT ${ORACLE_MEASURES} FROM f_sales`)
    expect(all).toEqual({ data: [fromOracle(expected)], truncated: false })
    const none = { field: 'buyer', op: 'eq', value: 'nobody' }
    expect((await aggregate({ filter: none, measures: MEASURES })).data).toEqual([
      { n: 0, with_amount: 0, total: null, average: null, lowest: null, highest: null, buyers: 0, weight: null, avg_qty: null },
    ])
    expect(await aggregate({ filter: none, group_by: ['status'], measures: MEASURES })).toEqual({ data: [], truncated: false })
    // a group whose values are all blank
    const blank = await aggregate({ filter: { field: 'amount', op: 'is_empty' }, group_by: ['status'], measures: [{ fn: 'sum', field: 'amount', as: 'total' }, { fn: 'count', as: 'n' }] })
    expect(blank.data.length).toBeGreaterThan(0)
    for (const row of blank.data) expect(row.total).toBeNull()
  })

  it('rounds avg half away from zero at the field scale', async () => {
    // rows made for it: 0.01 and 0.02 average 0.015 → 0.02; -0.01 and -0.02 → -0.02
    await app.api.post('/api/forms/sales/records', [
      { buyer: 'avg+', amount: '0.01' },
      { buyer: 'avg+', amount: '0.02' },
      { buyer: 'avg-', amount: '-0.01' },
      { buyer: 'avg-', amount: '-0.02' },
      { buyer: 'avg3', amount: '0.01' },
      { buyer: 'avg3', amount: '0.01' },
      { buyer: 'avg3', amount: '0.02' },
    ])
    const got = await aggregate({ filter: { field: 'buyer', op: 'starts_with', value: 'avg' }, group_by: ['buyer'], measures: [{ fn: 'avg', field: 'amount', as: 'average' }] })
    expect(got.data).toEqual([
      { buyer: 'avg+', average: '0.02' },
      { buyer: 'avg-', average: '-0.02' },
      { buyer: 'avg3', average: '0.01' },
    ])
    await app.ctx.db.knex('f_sales').where('buyer', 'like', 'avg%').delete()
  })

  it('filters, then applies having, sort and limit', async () => {
    const body = {
      filter: { field: 'status', op: 'in', value: ['paid', 'shipped'] },
      group_by: ['buyer'],
      measures: [{ fn: 'count', as: 'orders' }, { fn: 'sum', field: 'amount', as: 'gmv' }],
      having: { and: [{ field: 'orders', op: 'gte', value: 5 }, { field: 'buyer', op: 'is_not_empty' }] },
      sort: '-gmv,buyer',
    }
    const expected = await oracle(
      `SELECT buyer, COUNT(*) AS orders, SUM(amount) AS gmv FROM f_sales WHERE status IN ('paid', 'shipped') GROUP BY buyer
       HAVING COUNT(*) >= 5 AND buyer IS NOT NULL ORDER BY CASE WHEN SUM(amount) IS NULL THEN 1 ELSE 0 END, SUM(amount) DESC, buyer`,
    )
    const rows = expected.map((r) => ({ buyer: r.buyer, orders: Number(r.orders), gmv: money(r.gmv) }))
    expect(rows.length).toBeGreaterThan(5)
    expect(await aggregate(body)).toEqual({ data: rows, truncated: false })
    expect(await aggregate({ ...body, limit: 5 })).toEqual({ data: rows.slice(0, 5), truncated: true })
    expect(await aggregate({ ...body, limit: rows.length })).toEqual({ data: rows, truncated: false })
    // having on a money measure, a bucket label and a link
    const big = await aggregate({ group_by: [{ field: 'paid_at', by: 'month' }, 'outlet'], measures: [{ fn: 'sum', field: 'amount', as: 'gmv' }], having: { and: [{ field: 'gmv', op: 'gt', value: '20000.50' }, { field: 'paid_at', op: 'gte', value: '2026-11' }, { field: 'outlet', op: 'eq', value: ids.outlets[1] }] } })
    const bigOracle = await oracle(
      `SELECT ${period('paid_at', 'month', 'datetime')} AS m, SUM(amount) AS gmv FROM f_sales WHERE outlet = ? GROUP BY 1 HAVING SUM(amount) > 2000050 ORDER BY 1`,
      [ids.outlets[1]],
    )
    expect(big.data).toEqual(bigOracle.filter((r) => r.m != null && String(r.m) >= '2026-11').map((r) => ({ paid_at: r.m, outlet: { id: ids.outlets[1], display: '二号店' }, gmv: money(r.gmv) })))
  })

  it('filters a measure on its own, with bindings in order beside the request filter and having', async () => {
    const body = {
      filter: { field: 'amount', op: 'gt', value: '10.00' },
      group_by: ['outlet'],
      measures: [
        { fn: 'count', as: 'orders' },
        { fn: 'count', as: 'refunded', filter: { field: 'status', op: 'eq', value: 'refunded' } },
        { fn: 'sum', field: 'amount', as: 'big', filter: { and: [{ field: 'qty', op: 'gte', value: 3 }, { field: 'buyer', op: 'is_not_empty' }] } },
        { fn: 'avg', field: 'amount', as: 'shipped_avg', filter: { field: 'status', op: 'eq', value: 'shipped' } },
      ],
      having: { field: 'orders', op: 'gt', value: 0 },
    }
    const expected = await oracle(
      `SELECT outlet, COUNT(*) AS orders, COUNT(CASE WHEN status = 'refunded' THEN 1 END) AS refunded,
         SUM(CASE WHEN qty >= 3 AND buyer IS NOT NULL THEN amount END) AS big,
         SUM(CASE WHEN status = 'shipped' THEN amount END) AS s_sum, COUNT(CASE WHEN status = 'shipped' THEN amount END) AS s_count
       FROM f_sales WHERE amount > 1000 GROUP BY outlet ORDER BY CASE WHEN outlet IS NULL THEN 1 ELSE 0 END, outlet`,
    )
    const got = await aggregate(body)
    // links come in order of their display name; the oracle's are by id
    got.data.sort((a: any, b: any) => (a.outlet?.id ?? Infinity) - (b.outlet?.id ?? Infinity))
    expect(got.data.map((r: any) => [r.outlet?.id ?? null, r.orders, r.refunded, r.big])).toEqual(
      expected.map((r) => [r.outlet == null ? null : Number(r.outlet), Number(r.orders), Number(r.refunded), r.big == null ? null : money(r.big)]),
    )
    const shippedAvg = (sum: unknown, count: unknown) => (Number(count) === 0 ? null : money(String(Math.round((Number(sum) / Number(count)) * (Number(sum) < 0 ? -1 : 1)) * (Number(sum) < 0 ? -1 : 1))))
    expect(got.data.map((r: any) => r.shipped_avg)).toEqual(expected.map((r) => shippedAvg(r.s_sum, r.s_count)))
    expect(expected.some((r) => Number(r.refunded) > 0 && Number(r.refunded) < Number(r.orders))).toBe(true)
    // a bad measure filter is named under the measure; count_distinct takes none
    const bad = await app.api.post('/api/forms/sales/records/aggregate', { measures: [{ fn: 'count', as: 'n', filter: { field: 'nope', op: 'eq', value: 1 } }, { fn: 'count_distinct', field: 'buyer', as: 'b', filter: { field: 'qty', op: 'gt', value: 1 } }] })
    expect(bad.status).toBe(422)
    expect(bad.body.error.details.map((d: any) => [d.field, d.code])).toEqual([
      ['measures[0].filter.field', 'invalid_filter'],
      ['measures[1].filter', 'aggregate_filter_not_for'],
    ])
  })

  it('stops at 10,000 groups without a limit and says so', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await app.api.post('/api/forms/ticks/records', Array.from({ length: 3_334 }, (_, j) => ({ n: i * 3_334 + j })))
      expect(res.status).toBe(201)
    }
    const got = await aggregate({ group_by: ['n'], measures: [{ fn: 'count', as: 'c' }] }, app.api, 'ticks')
    expect(got.truncated).toBe(true)
    expect(got.data).toHaveLength(10_000)
    expect(got.data[9_999]).toEqual({ n: '9999', c: 1 })
    // offset pages past the cap
    const rest = await aggregate({ group_by: ['n'], measures: [{ fn: 'count', as: 'c' }], offset: 10_000 }, app.api, 'ticks')
    expect(rest).toEqual({ data: [{ n: '10000', c: 1 }, { n: '10001', c: 1 }], truncated: false })
    const under = await aggregate({ filter: { field: 'n', op: 'lt', value: 10_000 }, group_by: ['n'], measures: [{ fn: 'count', as: 'c' }] }, app.api, 'ticks')
    expect(under.truncated).toBe(false)
    expect(under.data).toHaveLength(10_000)
  })
})

describe('sub-form lines', () => {
  it('aggregates order lines by item, by their record’s outlet and month', async () => {
    const got = await aggregate({ group_by: ['item', 'parent.outlet'], measures: [{ fn: 'sum', field: 'qty', as: 'units' }, { fn: 'count', as: 'lines' }, { fn: 'max', field: 'price', as: 'top_price' }] }, app.api, 'sales.lines')
    const expected = await oracle(
      `SELECT l.item, g.sku, s.outlet, o.name, SUM(l.qty) AS units, COUNT(*) AS lines, MAX(l.price) AS top_price FROM f_sales__lines l JOIN f_sales s ON s.id = l.parent_id
       LEFT JOIN f_goods g ON g.id = l.item LEFT JOIN f_outlets o ON o.id = s.outlet GROUP BY l.item, g.sku, s.outlet, o.name ORDER BY ${nullsLast('g.sku')}, ${nullsLast('o.name')}, l.item, s.outlet`,
    )
    expect(got.data).toEqual(
      expected.map((r) => ({
        item: r.item == null ? null : { id: Number(r.item), display: r.sku },
        'parent.outlet': r.outlet == null ? null : { id: Number(r.outlet), display: r.name },
        units: String(r.units),
        lines: Number(r.lines),
        top_price: money(r.top_price),
      })),
    )
    const monthly = await aggregate(
      { filter: { field: 'parent.status', op: 'eq', value: 'paid' }, group_by: [{ field: 'parent.paid_at', by: 'month' }, 'item.category'], measures: [{ fn: 'sum', field: 'qty', as: 'units' }, { fn: 'count_distinct', field: 'parent_id', as: 'orders' }] },
      app.api,
      'sales.lines',
    )
    const monthlyOracle = await oracle(
      `SELECT ${period('s.paid_at', 'month', 'datetime')} AS m, g.category, SUM(l.qty) AS units, COUNT(DISTINCT l.parent_id) AS orders FROM f_sales__lines l JOIN f_sales s ON s.id = l.parent_id
       LEFT JOIN f_goods g ON g.id = l.item WHERE s.status = 'paid' GROUP BY 1, 2 ORDER BY ${nullsLast(period('s.paid_at', 'month', 'datetime'))}, ${nullsLast('g.category')}`,
    )
    expect(monthly.data).toEqual(monthlyOracle.map((r) => ({ 'parent.paid_at': r.m == null ? null : String(r.m), 'item.category': r.category, units: String(r.units), orders: Number(r.orders) })))
  })
})

describe('permissions through the access policy', () => {
  it('applies the row scope and refuses hidden fields like unknown ones', async () => {
    const got = await aggregate({ group_by: ['status'], measures: [{ fn: 'count', as: 'n' }, { fn: 'sum', field: 'qty', as: 'units' }] }, viewer)
    const expected = await oracle(`SELECT status, COUNT(*) AS n, SUM(qty) AS units FROM f_sales WHERE outlet = ? GROUP BY status ORDER BY status`, [ids.outlets[0]])
    expect(got.data).toEqual(expected.map((r) => ({ status: r.status, n: Number(r.n), units: r.units == null ? null : String(r.units) })))
    const lines = await aggregate({ measures: [{ fn: 'count', as: 'n' }] }, viewer, 'sales.lines')
    const [lineOracle] = await oracle(`SELECT COUNT(*) AS n FROM f_sales__lines l JOIN f_sales s ON s.id = l.parent_id WHERE s.outlet = ?`, [ids.outlets[0]])
    expect(lines.data).toEqual([{ n: Number(lineOracle.n) }])

    const refused: [string, unknown, unknown][] = [
      ['sales', { group_by: ['amount'], measures: [{ fn: 'count', as: 'n' }] }, 'group_by[0]'],
      ['sales', { measures: [{ fn: 'sum', field: 'amount', as: 'total' }] }, 'measures[0].field'],
      ['sales', { filter: { field: 'amount', op: 'gt', value: 1 }, measures: [{ fn: 'count', as: 'n' }] }, 'filter.field'],
      ['sales', { group_by: ['outlet.region'], measures: [{ fn: 'count', as: 'n' }] }, 'group_by[0]'],
      ['sales.lines', { filter: { field: 'parent.amount', op: 'gt', value: 1 }, measures: [{ fn: 'count', as: 'n' }] }, 'filter.field'],
      ['sales', { filter: { field: 'lines', op: 'any', where: { field: 'parent.amount', op: 'gt', value: 1 } }, measures: [{ fn: 'count', as: 'n' }] }, 'filter.where.field'],
      ['sales.lines', { group_by: ['parent.amount'], measures: [{ fn: 'count', as: 'n' }] }, 'group_by[0]'],
      ['sales.lines', { measures: [{ fn: 'max', field: 'parent.amount', as: 'n' }] }, 'measures[0].field'],
    ]
    for (const [form, body, path] of refused) {
      const res = await viewer.post(`/api/forms/${form}/records/aggregate`, body)
      expect(res.status, JSON.stringify(body)).toBe(422)
      expect(res.body.error.details[0].field).toBe(path)
      expect(res.body.error.message).toMatch(/unknown field/)
      // exactly what a field that does not exist gets
      const missing = await viewer.post(`/api/forms/${form}/records/aggregate`, JSON.parse(JSON.stringify(body).replace(/amount|region/, 'nonesuch')))
      expect(missing.body.error.details[0].code).toBe(res.body.error.details[0].code)
    }
    // the admin may
    expect((await aggregate({ group_by: ['outlet.region'], measures: [{ fn: 'sum', field: 'amount', as: 'total' }] })).data.length).toBeGreaterThan(1)
    // lists refuse a filter on a hidden field the same way
    const listed = await viewer.post('/api/forms/sales/records/query', { filter: { field: 'amount', op: 'gt', value: 1 } })
    expect(listed.status).toBe(422)
    expect(listed.body.error.message).toMatch(/unknown field "amount"/)
    const visible = await viewer.post('/api/forms/sales/records/query', { filter: { field: 'qty', op: 'gt', value: 1 }, limit: 5 })
    expect(visible.status).toBe(200)
    expect(visible.body.data[0]).not.toHaveProperty('amount')
  })
})

describe('bad input', () => {
  it('names what is wrong, with a code', async () => {
    const count = { fn: 'count', as: 'n' }
    const cases: [unknown, number, string, string][] = [
      [{ group_by: ['nonesuch'], measures: [count] }, 422, 'group_by[0]', 'unknown_field'],
      [{ measures: [{ fn: 'sum', field: 'buyer', as: 's' }] }, 422, 'measures[0].field', 'aggregate_not_for_field'],
      [{ measures: [{ fn: 'avg', field: 'paid_at', as: 's' }] }, 422, 'measures[0].field', 'aggregate_not_for_field'],
      [{ group_by: [{ field: 'paid_at', by: 'hour' }], measures: [count] }, 422, 'group_by[0].by', 'aggregate_bad_bucket'],
      [{ group_by: [{ field: 'buyer', by: 'month' }], measures: [count] }, 422, 'group_by[0].by', 'aggregate_bucket_needs_date'],
      [{ group_by: ['lines'], measures: [count] }, 422, 'group_by[0]', 'aggregate_cannot_group'],
      [{ measures: [{ fn: 'count' }] }, 422, 'measures[0].as', 'aggregate_alias_required'],
      [{ measures: [{ fn: 'count', as: 'a b' }] }, 422, 'measures[0].as', 'aggregate_bad_alias'],
      [{ measures: [count, { fn: 'sum', field: 'amount', as: 'n' }] }, 422, 'measures[1].as', 'aggregate_duplicate_name'],
      [{ group_by: ['status', 'status'], measures: [count] }, 422, 'group_by[1]', 'aggregate_duplicate_name'],
      [{ measures: [{ fn: 'median', field: 'amount', as: 'm' }] }, 422, 'measures[0].fn', 'aggregate_bad_function'],
      [{ measures: [{ fn: 'sum', as: 'm' }] }, 422, 'measures[0].field', 'aggregate_measure_needs_field'],
      [{ measures: [] }, 422, 'measures', 'aggregate_no_measures'],
      [{ group_by: 'status', measures: [count] }, 422, 'group_by', 'aggregate_bad_group'],
      [{ measures: [count], limit: 0 }, 422, 'limit', 'bad_limit'],
      [{ measures: [count], limit: 10_001 }, 422, 'limit', 'bad_limit'],
      [{ measures: [count], offset: -1 }, 422, 'offset', 'bad_offset'],
      [{ group_by: ['status'], measures: [count], sort: '-nonesuch' }, 422, 'sort[0]', 'aggregate_unknown_name'],
      [{ group_by: ['status'], measures: [count], having: { field: 'amount', op: 'gt', value: 1 } }, 422, 'having.field', 'invalid_filter'],
      [{ measures: [count], filter: { field: 'nmae', op: 'eq', value: 1 } }, 422, 'filter.field', 'invalid_filter'],
    ]
    for (const [body, status, path, code] of cases) {
      const res = await app.api.post('/api/forms/sales/records/aggregate', body)
      expect(res.status, JSON.stringify(body)).toBe(status)
      expect(res.body.error.details[0], JSON.stringify(body)).toMatchObject({ field: path, code })
    }
    const notObject = await app.api.post('/api/forms/sales/records/aggregate', [1])
    expect(notObject.status).toBe(400)
    expect(notObject.body.error.reason).toBe('aggregate_bad_request')
    expect((await app.api.post('/api/forms/nonesuch/records/aggregate', { measures: [count] })).status).toBe(404)
    expect((await app.api.post('/api/forms/sales.nonesuch/records/aggregate', { measures: [count] })).status).toBe(404)
    const injected = await app.api.post('/api/forms/sales/records/aggregate', { group_by: ['status"; DROP TABLE f_sales; --'], measures: [count] })
    expect(injected.status).toBe(422)
    expect((await aggregate({ measures: [count] })).data[0].n).toBeGreaterThan(0)
  })

  it('is described in the OpenAPI document, for forms and their lines', async () => {
    const doc = (await app.api.get('/api/openapi.json')).body
    expect(doc.paths['/api/forms/sales/records/aggregate'].post.requestBody.content['application/json'].schema.properties.group_by).toBeDefined()
    expect(doc.paths['/api/forms/sales.lines/records/aggregate'].post).toBeDefined()
  })
})
