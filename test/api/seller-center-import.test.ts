import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EffectCounts } from '../../server/sync/erp-effects'
import type { SyncCounts } from '../../server/sync/runs'
import { tradeRecord } from '../../server/sync/trade-mapping'
import { TradeWriter } from '../../server/sync/trade-sync'
import { startTestApp, type TestApp } from '../support/app'
import { erp } from '../support/erp'
import { csvFile, ITEM_HEADERS, itemRows, ORDER_HEADERS, orderRow, SAMPLE_TRADES, sheet, xlsxFile, type ExportTrade, type Row } from '../fixtures/seller-center-export'

let app: TestApp
let t: ReturnType<typeof erp>
let shopId: number

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
  const data = await t.masterData([{ outer_id: 'TX1-W-M' }, { outer_id: 'MUG-WHITE' }, { outer_id: 'TOWEL-GREY' }])
  await t.receive(data.main.id, data.skus.map((s: any) => ({ sku: s.id, qty: 100, cost: '20.00' })))
  await t.create('settings', { default_warehouse: data.main.id })
  shopId = data.shop.id
})
afterAll(async () => {
  await app?.close()
})

interface Upload {
  orders?: Buffer
  items?: Buffer
  ext?: 'csv' | 'xlsx'
  shop?: number | string
}

/** multipart POST as a browser sends it */
async function send(path: string, upload: Upload, token = app.token) {
  const form = new FormData()
  const ext = upload.ext ?? 'csv'
  if (upload.orders) form.append('orders', new Blob([new Uint8Array(upload.orders)]), `ExportOrderList202405021200.${ext}`)
  if (upload.items) form.append('items', new Blob([new Uint8Array(upload.items)]), `ExportOrderDetailList202405021200.${ext}`)
  form.append('shop', String(upload.shop ?? shopId))
  const response = await fetch(app.baseUrl + path, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form })
  return { status: response.status, body: (await response.json()) as any }
}

async function preview(upload: Upload) {
  const res = await send('/api/imports/seller-center/preview', upload)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.data
}

async function commit(token: string) {
  return (await t.ok(app.api.post('/api/imports/seller-center/commit', { token }))).data
}

function files(trades: ExportTrade[], options: { orders?: (row: Row) => Row; orderHeaders?: string[] } = {}) {
  return {
    orders: sheet(options.orderHeaders ?? ORDER_HEADERS, trades.map((tr) => (options.orders ?? ((r: Row) => r))(orderRow(tr)))),
    items: sheet(ITEM_HEADERS, trades.flatMap(itemRows)),
  }
}

async function counts() {
  const knex = app.ctx.db.knex
  const n = async (table: string) => Number((await knex(table).count({ n: '*' }).first())!.n)
  return { trades: await n('f_platform_trades'), lines: await n('f_platform_trades__lines'), orders: await n('f_orders'), customers: await n('f_customers') }
}

async function tradeByTid(tid: string) {
  const rows = await t.list('platform_trades', { filter: { and: [{ field: 'shop', op: 'eq', value: shopId }, { field: 'tid', op: 'eq', value: tid }] }, lines: true })
  expect(rows).toHaveLength(1)
  return rows[0]
}

async function ordersOf(tradeId: number) {
  return t.list('orders', { filter: { field: 'trades', op: 'in', value: [tradeId] }, lines: true })
}

const [paid, finished, unpaid] = SAMPLE_TRADES

describe('seller-center import over HTTP', () => {
  it('previews counts and per-row errors and writes nothing', async () => {
    const before = await counts()
    // Trailing spaces on headers, the seller center's GBK, a bad status and a line of an unknown order.
    const headers = ORDER_HEADERS.map((h, i) => (i % 4 === 0 ? `${h} ` : h))
    const bad = { ...unpaid, tid: '2923456789012345690', status: '火星状态' }
    const { orders, items } = files([...SAMPLE_TRADES, bad], { orderHeaders: headers })
    const strayLine = sheet(ITEM_HEADERS, itemRows({ ...unpaid, tid: '2923456789012345691' })).slice(1)
    const data = await preview({ orders: csvFile(orders, 'gbk'), items: csvFile([...items, ...strayLine], 'gbk') })
    expect(data).toMatchObject({ shop: shopId, trades: 3, lines: 4, new: 3, existing: 0, kept: 0, error_count: 2, warnings: [] })
    expect(data.errors).toEqual([
      { file: 'orders', row: 5, column: '订单状态', tid: bad.tid, message: '无法识别的订单状态“火星状态”' },
      { file: 'items', row: 7, column: '订单编号', tid: '2923456789012345691', message: '订单编号 2923456789012345691 不在订单报表中' },
    ])
    expect(data.sample).toHaveLength(3)
    expect(data.sample[0]).toMatchObject({ tid: paid.tid, status: 'WAIT_SELLER_SEND_GOODS', source: 'import', buyer_nick: 'tb_小明', receiver_state: '浙江省', receiver_city: '杭州市', receiver_district: '西湖区' })
    expect(data.files).toEqual({
      orders: { name: 'ExportOrderList202405021200.csv', format: 'csv', encoding: 'gbk', rows: 4 },
      items: { name: 'ExportOrderDetailList202405021200.csv', format: 'csv', encoding: 'gbk', rows: 6 },
    })
    expect(typeof data.token).toBe('string')
    expect(await counts()).toEqual(before)
  })

  it('commits: creates the trades (ids above 2^53 exact) and ERP orders for the paid ones', async () => {
    const { orders, items } = files(SAMPLE_TRADES)
    const data = await preview({ orders: csvFile(orders, 'gbk'), items: csvFile(items, 'gbk') })
    const result = await commit(data.token)
    expect(result).toMatchObject({ created: 3, updated: 0, unchanged: 0, failed: 0, orders_created: 1, errors: [] })

    const trade = await tradeByTid(paid.tid)
    expect(trade).toMatchObject({ tid: '2923456789012345678', status: 'WAIT_SELLER_SEND_GOODS', source: 'import', payment: '153.00', buyer_message: '请尽快发货', receiver_mobile: '138****0000', pay_time: '2024-05-01T12:31:02.000+08:00' })
    expect(trade.customer).toMatchObject({ display: 'tb_小明' })
    expect(trade.lines.map((l: any) => [l.oid, l.outer_sku_id, l.sku_properties_name, l.num, l.payment])).toEqual([
      ['2923456789012345678-1', 'TX1-W-M', '颜色分类:白色;尺码:M', '2', '118.00'],
      ['2923456789012345678-2', 'MUG-WHITE', '颜色分类:哑光白', '1', '35.00'],
    ])
    const raw = await app.ctx.db.knex('f_platform_trades').where({ shop: shopId }).select('tid').orderBy('tid')
    expect(raw.map((r: any) => String(r.tid))).toEqual(['2923456789012345678', '2923456789012345679', '2923456789012345680'])

    const [order] = await ordersOf(trade.id)
    expect(order).toMatchObject({ status: 'pending', tids: paid.tid, buyer_message: '请尽快发货' })
    expect(order.lines.map((l: any) => [l.trade_oid, l.qty, l.payment])).toEqual([
      ['2923456789012345678-1', '2', '118.00'],
      ['2923456789012345678-2', '1', '35.00'],
    ])
    // finished and unpaid trades get no order
    expect(await ordersOf((await tradeByTid(finished.tid)).id)).toEqual([])
    expect(await ordersOf((await tradeByTid(unpaid.tid)).id)).toEqual([])
    // a token is used once
    const again = await app.api.post('/api/imports/seller-center/commit', { token: data.token })
    expect(again.status).toBe(404)
  })

  it('re-importing — as GBK, UTF-8 with BOM or XLSX — changes nothing', async () => {
    const before = await counts()
    const version = (await tradeByTid(paid.tid)).version
    const { orders, items } = files(SAMPLE_TRADES)
    const uploads: Upload[] = [
      { orders: csvFile(orders, 'gbk'), items: csvFile(items, 'gbk') },
      { orders: csvFile(orders, 'utf-8-bom'), items: csvFile(items, 'utf-8') },
      { orders: await xlsxFile(orders, { dates: true }), items: await xlsxFile(items), ext: 'xlsx' },
    ]
    for (const upload of uploads) {
      const data = await preview(upload)
      expect(data).toMatchObject({ trades: 3, new: 0, existing: 3, kept: 0, error_count: 0 })
      expect(await commit(data.token)).toMatchObject({ created: 0, updated: 0, unchanged: 3, failed: 0, orders_created: 0 })
    }
    expect(await counts()).toEqual(before)
    expect((await tradeByTid(paid.tid)).version).toBe(version)
  })

  it('a later export moves trades on and their ERP orders with them; an older one does not move them back', async () => {
    const shipped = { ...paid, tid: '2923456789012345700' }
    const closing = { ...paid, tid: '2923456789012345701' }
    let data = await preview({ orders: csvFile(files([shipped, closing]).orders), items: csvFile(files([shipped, closing]).items) })
    expect(await commit(data.token)).toMatchObject({ created: 2, orders_created: 2 })

    const later = files([{ ...shipped, status: '卖家已发货，等待买家确认' }, { ...closing, status: '交易关闭' }])
    data = await preview({ orders: csvFile(later.orders, 'utf-8'), items: csvFile(later.items, 'utf-8') })
    expect(await commit(data.token)).toMatchObject({ created: 0, updated: 2, orders_created: 0, orders_cancelled: 1, orders_flagged: 1 })
    expect((await tradeByTid(shipped.tid)).status).toBe('WAIT_BUYER_CONFIRM_GOODS')
    expect((await tradeByTid(closing.tid)).status).toBe('TRADE_CLOSED')
    expect((await ordersOf((await tradeByTid(closing.tid)).id))[0].status).toBe('cancelled')
    expect((await ordersOf((await tradeByTid(shipped.tid)).id))[0]).toMatchObject({ status: 'exception', exception_reason: '平台已发货（不是在本系统发货）' })

    // the first export again: nothing goes back
    data = await preview({ orders: csvFile(files([shipped, closing]).orders), items: csvFile(files([shipped, closing]).items) })
    expect(data).toMatchObject({ existing: 2, kept: 2 })
    expect(await commit(data.token)).toMatchObject({ created: 0, updated: 0, unchanged: 2 })
    expect((await tradeByTid(shipped.tid)).status).toBe('WAIT_BUYER_CONFIRM_GOODS')
  })

  it('never overwrites a trade synced from the API, nor gives it a second order', async () => {
    const tid = '2923456789012345710'
    const apiTrade = await t.create('platform_trades', {
      shop: shopId,
      tid,
      status: 'WAIT_SELLER_SEND_GOODS',
      buyer_nick: 'tb_小明',
      receiver_name: '张*',
      receiver_state: '浙江省',
      payment: '153.00',
      created: '2024-05-01 12:30:45',
      pay_time: '2024-05-01 12:31:02',
      modified: '2024-05-01 12:45:00',
      seller_memo: '接口里的备注',
      source: 'api',
      lines: [
        { oid: '2923456789012345711', num_iid: '600001', sku_id: '5000001', outer_sku_id: 'TX1-W-M', title: '纯棉圆领短袖T恤', price: '59.00', num: 2, payment: '118.00' },
        { oid: '2923456789012345712', num_iid: '600002', outer_sku_id: 'MUG-WHITE', title: '陶瓷马克杯', price: '35.00', num: 1, payment: '35.00' },
      ],
    })
    await t.ok(t.act('platform_trades', apiTrade.id, 'create_order'))
    const stored = await tradeByTid(tid)
    const before = await counts()

    const exported = files([{ ...paid, tid, memo: '报表里的备注' }])
    const data = await preview({ orders: csvFile(exported.orders), items: csvFile(exported.items) })
    expect(data).toMatchObject({ trades: 1, new: 0, existing: 1, kept: 1 })
    expect(await commit(data.token)).toMatchObject({ created: 0, updated: 0, unchanged: 1, orders_created: 0 })
    expect(await tradeByTid(tid)).toEqual(stored)
    expect(await ordersOf(stored.id)).toHaveLength(1)
    expect(await counts()).toEqual(before)
  })

  it('an import before the API sync gives the same single trade and order once the sync arrives', async () => {
    const tid = '2923456789012345720'
    const exported = files([{ ...paid, tid }])
    const data = await preview({ orders: csvFile(exported.orders), items: csvFile(exported.items) })
    expect(await commit(data.token)).toMatchObject({ created: 1, orders_created: 1 })
    const imported = await tradeByTid(tid)

    // The sync's own write path, with the trade as the API answers it (modified later than payment).
    const syncCounts: SyncCounts = { windows: 0, pages: 0, created: 0, updated: 0, unchanged: 0, failed: 0 }
    const effects: EffectCounts = { orders_created: 0, orders_cancelled: 0, orders_flagged: 0, orders_updated: 0, after_sales: 0 }
    const failures: string[] = []
    const writer = new TradeWriter(app.ctx.records, syncCounts, effects, (id, message) => failures.push(`${id}: ${message}`))
    const apiTrade = {
      tid,
      status: 'WAIT_SELLER_SEND_GOODS',
      buyer_nick: 'tb_小明',
      payment: '153.00',
      total_fee: '153.00',
      created: '2024-05-01 12:30:45',
      pay_time: '2024-05-01 12:31:02',
      modified: '2024-05-01 12:50:00',
      orders: [
        { oid: '2923456789012345721', num_iid: '600001', outer_sku_id: 'TX1-W-M', title: '纯棉圆领短袖T恤', price: '59.00', num: 2, payment: '118.00', total_fee: '118.00' },
        { oid: '2923456789012345722', num_iid: '600002', outer_sku_id: 'MUG-WHITE', title: '陶瓷马克杯', price: '35.00', num: 1, payment: '35.00', total_fee: '35.00' },
      ],
    }
    await writer.write([tradeRecord(shopId, apiTrade)])
    expect(failures).toEqual([])
    expect(syncCounts).toMatchObject({ created: 0, updated: 1 })
    expect(effects.orders_created).toBe(0)
    const synced = await tradeByTid(tid)
    expect(synced).toMatchObject({ id: imported.id, source: 'api', modified: '2024-05-01T12:50:00.000+08:00' })
    expect(synced.lines.map((l: any) => l.oid)).toEqual(['2923456789012345721', '2923456789012345722'])
    expect(await ordersOf(imported.id)).toHaveLength(1)

    // and importing the same export again leaves the API's trade alone
    const again = await preview({ orders: csvFile(exported.orders), items: csvFile(exported.items) })
    expect(again).toMatchObject({ existing: 1, kept: 1 })
    expect(await commit(again.token)).toMatchObject({ unchanged: 1, updated: 0 })
    expect(await tradeByTid(tid)).toEqual(synced)
  })

  it('commits re-sent files without a token, as another user may not use one', async () => {
    const trade = { ...paid, tid: '2923456789012345730' }
    const exported = files([trade])
    const upload = { orders: await xlsxFile(exported.orders), items: await xlsxFile(exported.items), ext: 'xlsx' as const }
    const data = await preview(upload)
    const member = await app.clientFor('clerk')
    expect((await member.post('/api/imports/seller-center/commit', { token: data.token })).status).toBe(404)
    const res = await send('/api/imports/seller-center/commit', upload)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.data).toMatchObject({ created: 1, orders_created: 1, failed: 0 })
    expect((await tradeByTid(trade.tid)).source).toBe('import')
  })

  it('answers clearly for a missing file, an unknown shop, unreadable files and missing columns', async () => {
    const { orders, items } = files([paid])
    expect((await send('/api/imports/seller-center/preview', { items: csvFile(items) })).status).toBe(400)
    expect((await send('/api/imports/seller-center/preview', { orders: csvFile(orders), shop: 99999 })).status).toBe(404)
    expect((await send('/api/imports/seller-center/preview', { orders: csvFile(orders), shop: 'abc' })).status).toBe(400)
    expect((await app.api.post('/api/imports/seller-center/commit', {})).status).toBe(400)

    const unreadable = await preview({ orders: Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 1, 2, 3]) })
    expect(unreadable).toMatchObject({ trades: 0, errors: [{ file: 'orders', row: 0, message: expect.stringContaining('.xls') }] })
    const swapped = await preview({ orders: csvFile(items), items: csvFile(orders) })
    expect(swapped.trades).toBe(0)
    expect(swapped.errors).toEqual([{ file: 'orders', row: 1, message: expect.stringContaining('像是宝贝报表') }])
  })
})
