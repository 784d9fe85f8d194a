import { LosslessNumber } from 'lossless-json'
import { describe, expect, it } from 'vitest'
import { idString, parseTopJson } from '../../server/taobao/json'
import { readablePropertiesName, readItem, readTmcMessage, readTrade, unwrapList } from '../../server/taobao/normalize'

// taobao.trades.sold.get's documented sample (the spec's section 7), verbatim
const DOC_SAMPLE =
  '{"trades_sold_get_response":{"total_results":100,"has_next":true,"trades":{"trade":[{"seller_nick":"我在测试","payment":"200.07","post_fee":"200.07","receiver_name":"东方不败","receiver_state":"浙江省","receiver_city":"杭州市","receiver_district":"西湖区","receiver_address":"淘宝城911号","receiver_mobile":"13512501826","tid":2231958349,"num":1,"num_iid":3424234,"status":"TRADE_NO_CREATE_PAY","price":"200.07","discount_fee":"200.07","total_fee":"200.07","created":"2000-01-01 00:00:00","pay_time":"2000-01-01 00:00:00","modified":"2000-01-01 00:00:00","buyer_nick":"我在测试","shipping_type":"free","orders":{"order":[{}]}}]}}}'
// alibaba/top's TMC test fixture
const TMC_FIXTURE =
  '{"tmc_messages_consume_response":{"messages":{"tmc_message":[{"user_id":123456789,"user_nick":"usernick","content":"{\\"nick\\":\\"usernick\\",\\"increment\\":1,\\"num\\":502,\\"changed_fields\\":\\"num\\",\\"num_iid\\":15380658823}","id":7104300007405429232,"pub_time":"2013-10-05 10:55:58","pub_app_key":"12499723","topic":"taobao_item_ItemStockChanged"}]}}}'

describe('parseTopJson', () => {
  it('keeps 64-bit ids exact, as strings', () => {
    expect(parseTopJson('{"tid":1347456243421196949}')).toEqual({ tid: '1347456243421196949' })
    // JSON.parse would have rounded it
    expect(String(JSON.parse('{"tid":1347456243421196949}').tid)).not.toBe('1347456243421196949')
    const nested = parseTopJson('{"trades":{"trade":[{"tid":3000000000000000001,"orders":{"order":[{"oid":3000000000000000002,"sku_id":"5000000000001"}]}}]}}') as any
    expect(nested.trades.trade[0].tid).toBe('3000000000000000001')
    expect(nested.trades.trade[0].orders.order[0].oid).toBe('3000000000000000002')
    expect(nested.trades.trade[0].orders.order[0].sku_id).toBe('5000000000001')
  })

  it('makes small ids strings too, and keeps other safe numbers as numbers', () => {
    expect(parseTopJson('{"num_iid":3424234,"num":2,"total_results":100,"seller_flag":0,"has_next":true}')).toEqual({
      num_iid: '3424234',
      num: 2,
      total_results: 100,
      seller_flag: 0,
      has_next: true,
    })
  })

  it('never turns money into floats: numeric money keeps its exact text', () => {
    const parsed = parseTopJson('{"payment":"200.07","total_fee":0.1,"post_fee":12.30,"price":199999999999999.99,"ratio":0.5}') as any
    expect(parsed).toEqual({ payment: '200.07', total_fee: '0.1', post_fee: '12.30', price: '199999999999999.99', ratio: 0.5 })
  })

  it('keeps an unsafe number under an unknown key as its text', () => {
    expect(parseTopJson('{"something":98765432109876543210}')).toEqual({ something: '98765432109876543210' })
  })

  it('throws on text that is not JSON', () => {
    expect(() => parseTopJson('<error_response><code>7</code></error_response>')).toThrow()
  })
})

describe('idString', () => {
  it('accepts number, string, bigint and LosslessNumber', () => {
    expect(idString(2231958349)).toBe('2231958349')
    expect(idString(' 1347456243421196949 ')).toBe('1347456243421196949')
    expect(idString(1347456243421196949n)).toBe('1347456243421196949')
    expect(idString(new LosslessNumber('1347456243421196949'))).toBe('1347456243421196949')
  })

  it('refuses a number that already lost digits, and non-ids', () => {
    expect(() => idString(Number('1347456243421196949'))).toThrow(RangeError)
    expect(() => idString('12a')).toThrow(TypeError)
    expect(() => idString(null)).toThrow(TypeError)
  })
})

describe('normalized entities', () => {
  it("reads the documented sample: ids and money as strings, the empty order left out", () => {
    const response = (parseTopJson(DOC_SAMPLE) as any).trades_sold_get_response
    const [trade] = unwrapList(response, 'trades', 'trade').map(readTrade)
    expect(trade).toMatchObject({
      tid: '2231958349',
      num_iid: '3424234',
      num: 1,
      status: 'TRADE_NO_CREATE_PAY',
      payment: '200.07',
      post_fee: '200.07',
      receiver_state: '浙江省',
      created: '2000-01-01 00:00:00',
      orders: [],
    })
    expect(trade).not.toHaveProperty('price') // an Order field, not a Trade one: unknown fields are dropped
  })

  it('unwraps list envelopes tolerantly', () => {
    expect(unwrapList({}, 'orders', 'order')).toEqual([])
    expect(unwrapList({ orders: {} }, 'orders', 'order')).toEqual([])
    expect(unwrapList({ orders: { order: { oid: '1' } } }, 'orders', 'order')).toEqual([{ oid: '1' }])
    expect(unwrapList({ orders: [{ oid: '1' }] }, 'orders', 'order')).toEqual([{ oid: '1' }])
  })

  it('reads trades with ids given as numbers or strings', () => {
    const trade = readTrade(parseTopJson('{"tid":"3000000000000000007","status":"WAIT_SELLER_SEND_GOODS","seller_flag":"2","orders":{"order":[{"oid":3000000000000000007,"sku_id":"","num":"3","payment":"9.90","refund_id":160000000000000001}]}}'))
    expect(trade.tid).toBe('3000000000000000007')
    expect(trade.seller_flag).toBe(2)
    expect(trade.orders).toEqual([{ oid: '3000000000000000007', num: 3, payment: '9.90', refund_id: '160000000000000001' }])
  })

  it('reads items with SKUs and their readable properties', () => {
    const item = readItem(parseTopJson('{"num_iid":600000000001,"title":"T恤","skus":{"sku":[{"sku_id":5000000000001,"properties_name":"1627207:28341:颜色分类:白色;20509:28315:尺码:M","quantity":5,"price":"59.00","outer_id":"TX001-01"}]}}'))
    expect(item.skus).toEqual([
      {
        sku_id: '5000000000001',
        properties_name: '1627207:28341:颜色分类:白色;20509:28315:尺码:M',
        properties_text: '颜色分类:白色;尺码:M',
        quantity: 5,
        price: '59.00',
        outer_id: 'TX001-01',
      },
    ])
    expect(readablePropertiesName('颜色分类:绿檀大圆把')).toBe('颜色分类:绿檀大圆把')
    expect(readablePropertiesName('1627207:-1001:颜色分类:自定义:蓝')).toBe('颜色分类:自定义:蓝')
  })

  it('reads the TMC fixture, decoding content with exact ids', () => {
    const response = (parseTopJson(TMC_FIXTURE) as any).tmc_messages_consume_response
    const [message] = unwrapList(response, 'messages', 'tmc_message').map(readTmcMessage)
    expect(message).toMatchObject({
      id: '7104300007405429232',
      user_id: '123456789',
      user_nick: 'usernick',
      topic: 'taobao_item_ItemStockChanged',
      pub_time: '2013-10-05 10:55:58',
      pub_app_key: '12499723',
      content: { nick: 'usernick', increment: 1, num: 502, changed_fields: 'num', num_iid: '15380658823' },
    })
    expect(message.raw_content).toContain('"num_iid":15380658823')
  })
})
