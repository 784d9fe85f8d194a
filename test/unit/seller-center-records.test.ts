import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { buildTrades, readTable, reconcile, type ImportedTrade } from '../../server/sync/seller-center'
import { tradeRecord } from '../../server/sync/trade-mapping'
import { csvFile, ITEM_HEADERS, itemRows, ORDER_HEADERS, orderRow, SAMPLE_TRADES, sheet, xlsxFile, type Row } from '../fixtures/seller-center-export'

const SHOP = 7
const anchors = ['订单编号']

async function build(orders: Row[], items: Row[] | null, options: { orderHeaders?: string[]; itemHeaders?: string[] } = {}) {
  const ordersTable = await readTable(csvFile(sheet(options.orderHeaders ?? ORDER_HEADERS, orders), 'gbk'), anchors)
  const itemsTable = items ? await readTable(csvFile(sheet(options.itemHeaders ?? ITEM_HEADERS, items), 'utf-8-bom'), anchors) : null
  return await buildTrades(SHOP, ordersTable, itemsTable)
}

const [paid, finished, unpaid] = SAMPLE_TRADES

describe('building platform_trades records from the reports', () => {
  it('gives the record tradeRecord gives for the same trade from the API', async () => {
    const built = await build([orderRow(paid)], itemRows(paid))
    expect(built.errors).toEqual([])
    expect(built.lines).toBe(2)
    const api = tradeRecord(SHOP, {
      tid: paid.tid,
      status: 'WAIT_SELLER_SEND_GOODS',
      buyer_nick: 'tb_小明',
      receiver_name: '张**',
      receiver_mobile: '138****0000',
      receiver_phone: null,
      receiver_state: '浙江省',
      receiver_city: '杭州市',
      receiver_district: '西湖区',
      receiver_address: '文三路***号',
      receiver_zip: '310000',
      payment: '153.00',
      total_fee: '153.00',
      post_fee: '0.00',
      created: '2024-05-01 12:30:45',
      pay_time: '2024-05-01 12:31:02',
      modified: '2024-05-01 12:31:02',
      has_buyer_message: true,
      buyer_message: '请尽快发货',
      seller_memo: null,
      shipping_type: 'express',
      orders: [
        { oid: `${paid.tid}-1`, title: '纯棉圆领短袖T恤', price: '59.00', num: 2, total_fee: '118.00', payment: '118.00', outer_iid: 'TX1', outer_sku_id: 'TX1-W-M', sku_properties_name: '颜色分类:白色;尺码:M', status: 'WAIT_SELLER_SEND_GOODS' },
        { oid: `${paid.tid}-2`, title: '陶瓷马克杯', price: '35.00', num: 1, total_fee: '35.00', payment: '35.00', outer_iid: 'MUG', outer_sku_id: 'MUG-WHITE', sku_properties_name: '颜色分类:哑光白', status: 'WAIT_SELLER_SEND_GOODS' },
      ],
    }, 'import')
    expect(built.trades[0].record).toEqual(api)
    expect(built.trades[0]).toMatchObject({ row: 2, derivedOids: true, refundKnown: false })
  })

  it('derives stable line oids from tid + position, and the same file gives the same records', async () => {
    const a = await build(SAMPLE_TRADES.map(orderRow), SAMPLE_TRADES.flatMap(itemRows))
    const b = await build(SAMPLE_TRADES.map(orderRow), SAMPLE_TRADES.flatMap(itemRows))
    expect(a.trades.map((t) => (t.record.lines as any[]).map((l) => l.oid))).toEqual([
      [`${paid.tid}-1`, `${paid.tid}-2`],
      [`${finished.tid}-1`],
      [`${unpaid.tid}-1`],
    ])
    expect(b).toEqual(a)
  })

  it('uses 子订单编号 as the oid when the export has it', async () => {
    const items = itemRows(paid).map((row, i) => ({ ...row, 子订单编号: `="${BigInt(paid.tid) + 10n + BigInt(i)}"` }))
    const built = await build([orderRow(paid)], items, { itemHeaders: [...ITEM_HEADERS, '子订单编号'] })
    expect((built.trades[0].record.lines as any[]).map((l) => l.oid)).toEqual(['2923456789012345688', '2923456789012345689'])
    expect(built.trades[0].derivedOids).toBe(false)
  })

  it('keeps ids above 2^53 exact', async () => {
    const built = await build([orderRow(paid)], itemRows(paid))
    expect(BigInt(built.trades[0].record.tid as string)).toBe(2923456789012345678n)
  })

  it('shares the goods payment over lines by price × quantity, postage excluded', async () => {
    const trade = { ...paid, post_fee: '8.00', payment: '150.00' }
    const built = await build([orderRow(trade)], itemRows(trade))
    const lines = built.trades[0].record.lines as any[]
    // 142.00 for goods worth 118 + 35: 109.52 and the rest
    expect(lines.map((l) => l.payment)).toEqual(['109.52', '32.48'])
    expect(built.trades[0].record).toMatchObject({ payment: '150.00', post_fee: '8.00', total_fee: '153.00' })
  })

  it('reads shuffled columns with trailing spaces, extra and missing columns', async () => {
    const headers = ['订单状态 ', '收货地址', '宝贝标题', ' 订单编号 ', '买家实际支付金额', '订单创建时间', '新增的列', '订单付款时间']
    const built = await build([orderRow(paid)], itemRows(paid).map((r) => ({ ...r })), { orderHeaders: headers, itemHeaders: ['商家编码 ', '购买数量', '标题', '订单编号', '价格'] })
    expect(built.errors).toEqual([])
    const record = built.trades[0].record
    expect(record).toMatchObject({ tid: paid.tid, status: 'WAIT_SELLER_SEND_GOODS', payment: '153.00', receiver_state: '浙江省' })
    // columns the file lacks are left out, so they never erase stored values
    expect(record).not.toHaveProperty('buyer_nick')
    expect(record).not.toHaveProperty('seller_memo')
    expect(record).not.toHaveProperty('post_fee')
    expect((record.lines as any[])[0]).not.toHaveProperty('outer_iid')
    expect((record.lines as any[])[0]).toMatchObject({ outer_sku_id: 'TX1-W-M', num: 2, price: '59.00' })
  })

  it('lists rows it cannot read, with file, row and column, and leaves them out', async () => {
    const orders = [
      orderRow(paid),
      { ...orderRow(finished), 订单编号: '="29234567890abc"' },
      { ...orderRow(unpaid), 订单状态: '火星状态' },
      { ...orderRow({ ...unpaid, tid: '2923456789012345690' }), 买家实际支付金额: '十二元' },
      { ...orderRow({ ...unpaid, tid: '2923456789012345691' }), 订单创建时间: '昨天' },
      orderRow({ ...unpaid, tid: '2923456789012345692' }),
      orderRow(paid),
    ]
    const items = [
      ...itemRows(paid),
      ...itemRows({ ...unpaid, tid: '2923456789012345692' }).map((r) => ({ ...r, 价格: 'abc' })),
      ...itemRows({ ...unpaid, tid: '1111' }),
    ]
    const built = await build(orders, items)
    expect(built.trades.map((t) => t.record.tid)).toEqual([paid.tid])
    expect(built.errors).toEqual([
      { file: 'orders', row: 3, column: '订单编号', message: expect.stringContaining('不是订单号') },
      { file: 'orders', row: 4, column: '订单状态', tid: unpaid.tid, message: '无法识别的订单状态“火星状态”' },
      { file: 'orders', row: 5, column: '买家实际支付金额', tid: '2923456789012345690', message: expect.stringContaining('不是金额') },
      { file: 'orders', row: 6, column: '订单创建时间', tid: '2923456789012345691', message: expect.stringContaining('不是时间') },
      { file: 'orders', row: 8, column: '订单编号', tid: paid.tid, message: expect.stringContaining('重复') },
      { file: 'items', row: 4, column: '价格', tid: '2923456789012345692', message: expect.stringContaining('不是金额') },
      { file: 'items', row: 5, column: '订单编号', tid: '1111', message: '订单编号 1111 不在订单报表中' },
      { file: 'orders', row: 7, tid: '2923456789012345692', message: expect.stringContaining('整单未导入') },
    ])
  })

  it('refuses a file without its key columns, and says when the two files are swapped', async () => {
    let built = await build([orderRow(paid)], null, { orderHeaders: ORDER_HEADERS.filter((h) => h !== '订单状态') })
    expect(built).toMatchObject({ trades: [], errors: [{ file: 'orders', row: 1, column: '订单状态', message: '缺少“订单状态”列' }] })
    built = await build([orderRow(paid)], itemRows(paid), { itemHeaders: ITEM_HEADERS.filter((h) => h !== '购买数量') })
    expect(built).toMatchObject({ trades: [], errors: [{ file: 'items', row: 1, column: '购买数量', message: '缺少“购买数量”列' }] })
    built = await build(itemRows(paid), [orderRow(paid)], { orderHeaders: ITEM_HEADERS, itemHeaders: ORDER_HEADERS })
    expect(built).toMatchObject({ trades: [], errors: [{ file: 'orders', row: 1, message: expect.stringContaining('像是宝贝报表') }] })
    built = await build([orderRow(paid)], [orderRow(paid)], { itemHeaders: ORDER_HEADERS })
    expect(built).toMatchObject({ trades: [], errors: [{ file: 'items', row: 1, message: expect.stringContaining('像是订单报表') }] })
  })

  it('without a 宝贝报表 gives each trade one summary line, and says so', async () => {
    const built = await build([orderRow(paid)], null)
    expect(built.warnings).toHaveLength(1)
    expect(built.trades[0].record.lines).toEqual([{ oid: `${paid.tid}-1`, title: '纯棉圆领短袖T恤，陶瓷马克杯', num: 3, total_fee: '153.00', payment: '153.00', refund_status: 'NO_REFUND' }])
  })

  it('reads the same trades from XLSX as from CSV', async () => {
    const csv = await build(SAMPLE_TRADES.map(orderRow), SAMPLE_TRADES.flatMap(itemRows))
    const orders = await readTable(await xlsxFile(sheet(ORDER_HEADERS, SAMPLE_TRADES.map(orderRow)), { dates: true }), anchors)
    const items = await readTable(await xlsxFile(sheet(ITEM_HEADERS, SAMPLE_TRADES.flatMap(itemRows))), anchors)
    expect(await buildTrades(SHOP, orders, items)).toEqual(csv)
  })

  it('refuses an XLSX id stored as a number (its last digits are gone)', async () => {
    const workbook = new ExcelJS.Workbook()
    const worksheet = workbook.addWorksheet('Sheet1')
    worksheet.addRow(['订单编号', '订单状态', '订单创建时间'])
    worksheet.addRow([Number(2923456789012345678n), '交易成功', '2024-05-01 12:30:45'])
    worksheet.addRow([1234567, '交易成功', '2024-05-01 12:30:45'])
    const orders = await readTable(Buffer.from(await workbook.xlsx.writeBuffer()), anchors)
    const built = await buildTrades(SHOP, orders, null)
    expect(built.errors).toEqual([{ file: 'orders', row: 2, column: '订单编号', message: expect.stringContaining('科学计数法') }])
    // small ids stored as numbers are still exact
    expect(built.trades.map((t) => t.record.tid)).toEqual(['1234567'])
  })
})

describe('reconciling with what is stored', () => {
  const imported = async (trade = paid): Promise<ImportedTrade> => (await build([orderRow(trade)], itemRows(trade))).trades[0]
  const stored = (over: Record<string, unknown> = {}) => ({
    id: 1,
    tid: paid.tid,
    status: 'WAIT_SELLER_SEND_GOODS',
    source: 'api',
    modified: '2024-05-01T12:40:00.000+08:00',
    oids: ['111', '112'],
    defaulted: { source: over.source ?? 'api', has_buyer_message: true },
    ...over,
  })

  it('writes new trades as built', async () => {
    const trade = await imported()
    expect(reconcile(trade, undefined)).toEqual({ write: true, record: trade.record })
  })
  it('never overwrites an API trade with a report that is not strictly newer', async () => {
    const trade = await imported()
    expect(reconcile(trade, stored())).toEqual({ write: false, reason: 'newer' })
    expect(reconcile(trade, stored({ modified: '2024-05-01T12:31:02.000+08:00' }))).toEqual({ write: false, reason: 'newer' })
  })
  it('updates an older API trade in place: its oids and source kept, refunds untouched', async () => {
    const trade = await imported()
    const decision = reconcile(trade, stored({ status: 'WAIT_BUYER_PAY', modified: '2024-05-01T12:30:45.000+08:00' }))
    expect(decision.write).toBe(true)
    const record = (decision as { record: Record<string, any> }).record
    // fields with a form default are sent as stored (the upsert would reset them otherwise), the file's values win
    expect(record).toMatchObject({ source: 'api', has_buyer_message: true, buyer_message: '请尽快发货' })
    expect(record.lines.map((l: any) => l.oid)).toEqual(['111', '112'])
    expect(record.lines[0]).not.toHaveProperty('refund_status')
    // the import's own record is not changed
    expect((trade.record.lines as any[])[0].oid).toBe(`${paid.tid}-1`)
  })
  it('re-imports over an earlier import with the same time, but never moves a status back', async () => {
    const trade = await imported()
    const earlier = stored({ source: 'import', modified: trade.record.modified, oids: [`${paid.tid}-1`, `${paid.tid}-2`] })
    expect(reconcile(trade, earlier).write).toBe(true)
    expect(reconcile(trade, { ...earlier, status: 'TRADE_FINISHED' })).toEqual({ write: false, reason: 'further' })
    expect(reconcile(trade, { ...earlier, modified: '2024-06-01T00:00:00.000+08:00' })).toEqual({ write: false, reason: 'newer' })
  })
})
