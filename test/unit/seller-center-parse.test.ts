import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { cellText, cleanCell, decodeText, normalizeHeader, ORDER_COLUMNS, parseCount, parseId, parseMoney, parseTime, readTable, refundStatus, resolveColumns, splitAddress, tradeStatus, UnreadableFile } from '../../server/sync/seller-center'
import { csvFile, ORDER_HEADERS, orderRow, SAMPLE_TRADES, sheet, xlsxFile } from '../fixtures/seller-center-export'

describe('decoding exported CSV', () => {
  const text = '订单编号,订单状态\r\n="2923456789012345678",交易成功\r\n'
  it('reads GBK, UTF-8 and UTF-8 with BOM to the same text', () => {
    expect(decodeText(iconv.encode(text, 'gbk'))).toEqual({ text, encoding: 'gbk' })
    expect(decodeText(Buffer.from(text, 'utf8'))).toEqual({ text, encoding: 'utf-8' })
    expect(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]))).toEqual({ text, encoding: 'utf-8-bom' })
  })
  it('reads UTF-16 with a BOM (Excel "Unicode text") and GB18030-only characters', () => {
    expect(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])).text).toBe(text)
    expect(decodeText(iconv.encode('收货人：𠮷野', 'gb18030')).text).toBe('收货人：𠮷野')
  })
})

describe('cells', () => {
  it('unwraps ="…" ids, leading apostrophes and stray whitespace', () => {
    expect(cleanCell('="2923456789012345678"')).toBe('2923456789012345678')
    expect(cleanCell(' ="2923456789012345678"\t')).toBe('2923456789012345678')
    expect(cleanCell("'13800000000")).toBe('13800000000')
    expect(cleanCell('\ufeff订单编号 ')).toBe('订单编号')
    expect(cleanCell('=2923')).toBe('2923')
    expect(cleanCell('a "quoted" word')).toBe('a "quoted" word')
  })
  it('keeps ids as exact text, refusing ids a spreadsheet turned into floats', () => {
    expect(parseId('2923456789012345678')).toEqual({ ok: true, value: '2923456789012345678' })
    expect(parseId('2.92346E+18')).toMatchObject({ ok: false, message: expect.stringContaining('科学计数法') })
    expect(parseId('abc').ok).toBe(false)
    expect(parseId('').ok).toBe(false)
  })
  it('reads money exactly', () => {
    expect(parseMoney('12.50')).toEqual({ ok: true, value: '12.50' })
    expect(parseMoney('12.5')).toEqual({ ok: true, value: '12.50' })
    expect(parseMoney('￥1,299.00')).toEqual({ ok: true, value: '1299.00' })
    expect(parseMoney('')).toEqual({ ok: true, value: null })
    expect(parseMoney('12.345').ok).toBe(false)
    expect(parseMoney('十二元').ok).toBe(false)
  })
  it('reads counts', () => {
    expect(parseCount('3')).toEqual({ ok: true, value: 3 })
    expect(parseCount('3.0')).toEqual({ ok: true, value: 3 })
    expect(parseCount('1.5').ok).toBe(false)
  })
  it('reads times in the formats exports and spreadsheets produce', () => {
    expect(parseTime('2024-05-01 12:30:45')).toEqual({ ok: true, value: '2024-05-01 12:30:45' })
    expect(parseTime('2024/5/1 8:05')).toEqual({ ok: true, value: '2024-05-01 08:05:00' })
    expect(parseTime('2024年5月1日 12:30:45')).toEqual({ ok: true, value: '2024-05-01 12:30:45' })
    expect(parseTime('45413.5')).toEqual({ ok: true, value: '2024-05-01 12:00:00' })
    expect(parseTime('')).toEqual({ ok: true, value: null })
    expect(parseTime('0000-00-00 00:00:00')).toEqual({ ok: true, value: null })
    expect(parseTime('2024-02-30 10:00:00').ok).toBe(false)
    expect(parseTime('昨天').ok).toBe(false)
  })
  it('turns XLSX cell values into the text a CSV would hold', () => {
    expect(cellText('x')).toBe('x')
    expect(cellText(12.5)).toBe('12.5')
    expect(cellText(Number(2923456789012345678n))).toMatch(/e\+18$/)
    expect(cellText(new Date('2024-05-01T12:30:45Z'))).toBe('2024-05-01 12:30:45')
    expect(cellText({ richText: [{ text: '交易' }, { text: '成功' }] })).toBe('交易成功')
    expect(cellText({ formula: '"2923456789012345678"' } as ExcelJS.CellFormulaValue)).toBe('2923456789012345678')
    expect(cellText(null)).toBe('')
  })
})

describe('headers', () => {
  it('match by trimmed name, whatever the order, with aliases across the years', () => {
    const columns = resolveColumns(['实付金额 ', ' 订单编号', '订单状态', '买家会员名', '多余的列'], ORDER_COLUMNS)
    expect(columns).toMatchObject({ tid: ' 订单编号', status: '订单状态', payment: '实付金额 ', buyer_nick: '买家会员名' })
    expect(columns.created).toBeUndefined()
    // the preferred name wins when both are present
    expect(resolveColumns(['实付金额', '买家实际支付金额'], ORDER_COLUMNS).payment).toBe('买家实际支付金额')
    expect(normalizeHeader('商家编码（SKU） ')).toBe('商家编码(sku)')
  })
})

describe('status text', () => {
  it.each([
    ['等待买家付款', 'WAIT_BUYER_PAY'],
    ['买家已付款，等待卖家发货', 'WAIT_SELLER_SEND_GOODS'],
    ['买家已付款,等待卖家发货', 'WAIT_SELLER_SEND_GOODS'],
    ['卖家已发货，等待买家确认', 'WAIT_BUYER_CONFIRM_GOODS'],
    ['卖家部分发货', 'SELLER_CONSIGNED_PART'],
    ['交易成功', 'TRADE_FINISHED'],
    ['交易关闭', 'TRADE_CLOSED'],
    ['付款以前，卖家或买家主动关闭交易', 'TRADE_CLOSED_BY_TAOBAO'],
    ['交易关闭（付款以前，卖家或买家主动关闭交易）', 'TRADE_CLOSED_BY_TAOBAO'],
    ['付款以后用户退款成功，交易自动关闭', 'TRADE_CLOSED'],
    ['交易被淘宝关闭', 'TRADE_CLOSED_BY_TAOBAO'],
    [' 交易成功 ', 'TRADE_FINISHED'],
    ['TRADE_FINISHED', 'TRADE_FINISHED'],
  ])('%s → %s', (text, status) => {
    expect(tradeStatus(text)).toBe(status)
  })
  it('tells a bare 交易关闭 before payment from one after', () => {
    expect(tradeStatus('交易关闭', false)).toBe('TRADE_CLOSED_BY_TAOBAO')
    expect(tradeStatus('交易关闭', true)).toBe('TRADE_CLOSED')
  })
  it('does not guess at text it does not know', () => {
    expect(tradeStatus('已取消发货申请中')).toBeNull()
    expect(tradeStatus('')).toBeNull()
  })
  it('maps refund text', () => {
    expect(refundStatus('退款成功')).toBe('SUCCESS')
    expect(refundStatus('没有申请退款')).toBe('NO_REFUND')
    expect(refundStatus('买家已经申请退款，等待卖家同意')).toBe('WAIT_SELLER_AGREE')
  })
})

describe('address splitting', () => {
  it('splits the exported form on its spaces, zip from the brackets', () => {
    expect(splitAddress('浙江省 杭州市 西湖区 文三路90号(310000)')).toEqual({ state: '浙江省', city: '杭州市', district: '西湖区', town: null, detail: '文三路90号', zip: '310000' })
    expect(splitAddress('北京 北京市 朝阳区 建国路**号（100000）')).toMatchObject({ state: '北京', city: '北京市', district: '朝阳区', detail: '建国路**号', zip: '100000' })
    expect(splitAddress('浙江省 杭州市 西湖区 西溪街道 文三路 90号(310000)')).toMatchObject({ district: '西湖区', town: '西溪街道', detail: '西溪街道 文三路 90号' })
    expect(splitAddress('广东省 深圳市 南山区')).toMatchObject({ state: '广东省', city: '深圳市', district: '南山区', detail: null })
    expect(splitAddress('台湾 台北市 信义区 市府路1号(000000)')).toMatchObject({ state: '台湾', city: '台北市', district: '信义区', detail: '市府路1号', zip: '000000' })
  })
  it('recognises province, city and district of an address typed without spaces', () => {
    expect(splitAddress('浙江省杭州市西湖区文三路90号')).toMatchObject({ state: '浙江省', city: '杭州市', district: '西湖区', detail: '文三路90号' })
    expect(splitAddress('浙江杭州西湖区文三路90号')).toMatchObject({ state: '浙江省', city: '杭州市', district: '西湖区', detail: '文三路90号' })
    expect(splitAddress('上海市浦东新区世纪大道100号')).toMatchObject({ state: '上海市', city: '上海市', district: '浦东新区', detail: '世纪大道100号' })
    expect(splitAddress('北京市北京市朝阳区建国路1号')).toMatchObject({ state: '北京市', city: '北京市', district: '朝阳区', detail: '建国路1号' })
  })
  it('keeps what it cannot recognise as the detail', () => {
    expect(splitAddress('火星基地 1 号舱')).toMatchObject({ state: null, city: null, detail: '火星基地 1 号舱' })
    expect(splitAddress('')).toMatchObject({ state: null, detail: null })
  })
})

describe('reading tables', () => {
  const cells = sheet(ORDER_HEADERS.map((h, i) => (i % 3 === 0 ? `${h} ` : h)), SAMPLE_TRADES.map(orderRow))
  it('reads GBK CSV by trimmed header with row numbers as a spreadsheet shows them', async () => {
    const table = await readTable(csvFile(cells, 'gbk'), ['订单编号'])
    expect(table).toMatchObject({ format: 'csv', encoding: 'gbk' })
    expect(table.rows.map((r) => r.row)).toEqual([2, 3, 4])
    expect(table.rows[0].cells['订单编号']).toBe('2923456789012345678')
    expect(table.rows[0].cells['联系手机']).toBe('138****0000')
  })
  it('skips a title line above the header and blank lines, and keeps quoted multi-line cells in one row', async () => {
    const text = '已卖出的宝贝导出\r\n订单编号,买家留言,订单状态\r\n="1001","第一行\r\n第二行",交易成功\r\n\r\n="1002",,交易关闭\r\n'
    const table = await readTable(Buffer.from(text, 'utf8'), ['订单编号'])
    expect(table.rows).toEqual([
      { row: 3, cells: { 订单编号: '1001', 买家留言: '第一行\r\n第二行', 订单状态: '交易成功' } },
      { row: 5, cells: { 订单编号: '1002', 买家留言: '', 订单状态: '交易关闭' } },
    ])
  })
  it('reads XLSX (text ids, numeric money, date cells)', async () => {
    const table = await readTable(await xlsxFile(cells, { dates: true }), ['订单编号'])
    expect(table.format).toBe('xlsx')
    expect(table.rows[0].cells).toMatchObject({ 订单编号: '2923456789012345678', 买家应付货款: '153', 订单创建时间: '2024-05-01 12:30:45' })
  })
  it('refuses files it cannot read, with a reason', async () => {
    await expect(readTable(Buffer.alloc(0), ['订单编号'])).rejects.toBeInstanceOf(UnreadableFile)
    await expect(readTable(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0, 0]), ['订单编号'])).rejects.toThrow(/xls/)
    await expect(readTable(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]), ['订单编号'])).rejects.toThrow(/XLSX/)
  })
})
