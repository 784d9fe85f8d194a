import iconv from 'iconv-lite'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'
import { expectBooksConsistent } from '../support/books'
import { erp } from '../support/erp'

// 支付宝 账务明细 → 平台结算: each settled order becomes a submitted settlement, its commission
// and fees expenses; importing the same statement again adds nothing.
let app: TestApp
let t: ReturnType<typeof erp>
let shop: { id: number }

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
  shop = await t.create('shops', { name: '账务店', platform: 'taobao' })
})
afterAll(async () => {
  await app?.close()
})

const STATEMENT = [
  '#支付宝账务明细查询',
  '#账号：[20880000000000000156]',
  '#起始日期：[2026年11月01日 00:00:00]   终止日期：[2026年12月01日 00:00:00]',
  '#-----------------------------------------账务明细列表----------------------------------------',
  '账务流水号,业务流水号,商户订单号,商品名称,发生时间,对方账号,收入金额（+元）,支出金额（-元）,账户余额（元）,交易渠道,业务类型,备注,',
  '2026112700001\t,2026112722001400001\t,T200P4000000000000000001\t,纯棉T恤等,2026-11-27 10:00:01,buyer@example.com,95.90,,1095.90,支付宝,交易付款,,',
  '2026112700002\t,2026112722001400002\t,T200P4000000000000000001\t,纯棉T恤等,2026-11-27 10:00:02,tmall@example.com,,-2.88,1093.02,支付宝,交易分账,淘宝佣金,',
  '2026112700003\t,2026112722001400003\t,T200P4000000000000000001\t,技术服务费,2026-11-27 10:00:03,tmall@example.com,,-0.50,1092.52,支付宝,服务费,技术服务费,',
  '2026112800004\t,2026112822001400004\t,T200P4000000000000000002\t,马克杯,2026-11-28 23:59:59,buyer2@example.com,50.00,,1142.52,支付宝,在线支付,,',
  '2026113000005\t,2026113022001400005\t,\t,提现,2026-11-30 09:00:00,6222****1234,,-1000.00,142.52,支付宝,提现,提现到银行卡,',
  '#-----------------------------------------账务明细列表结束------------------------------------',
  '#支出合计：3笔，共1003.38元',
  '#收入合计：2笔，共145.90元',
].join('\r\n')

async function send(file: Buffer, dryRun = false) {
  const form = new FormData()
  form.append('statement', new Blob([new Uint8Array(file)]), '20880000000000000156_账务明细.csv')
  form.append('shop', String(shop.id))
  form.append('dry_run', String(dryRun))
  const res = await fetch(`${app.baseUrl}/api/imports/alipay-statement`, { method: 'POST', headers: { authorization: `Bearer ${app.token}` }, body: form })
  return { status: res.status, body: (await res.json()) as any }
}

it('imports a GBK 账务明细 into submitted settlements, once', async () => {
  const gbk = iconv.encode(STATEMENT, 'gbk')
  const plan = await send(gbk, true)
  expect(plan.status, JSON.stringify(plan.body)).toBe(200)
  expect(plan.body.data.encoding).toBe('gbk')
  expect(plan.body.data.settlements.map((s: any) => [s.reference, s.settled_on, s.gross, s.commission, s.service_fee])).toEqual([
    ['支付宝:2026112700001', '2026-11-27', '95.90', '2.88', '0.50'],
    ['支付宝:2026112800004', '2026-11-28', '50.00', '0.00', '0.00'],
  ])
  expect(plan.body.data.skipped.map((s: any) => s.row)).toEqual([10])
  expect(plan.body.data.created).toEqual([])
  expect(await t.list('settlements')).toEqual([])

  const done = await send(gbk)
  expect(done.body.data.created).toHaveLength(2)
  const settlements = await t.list('settlements', { sort: 'id' })
  expect(settlements.map((s: any) => [s.doc_status, s.net, s.shop.id])).toEqual([
    ['submitted', '92.52', shop.id],
    ['submitted', '50.00', shop.id],
  ])
  const journal = await t.list('journal', { filter: { field: 'doc_id', op: 'eq', value: settlements[0].id }, sort: 'id' })
  expect(journal.map((l: any) => [l.account.display, l.debit, l.credit])).toEqual([
    ['1012.01', '92.52', '0.00'],
    ['5601.01', '2.88', '0.00'],
    ['5601.02', '0.50', '0.00'],
    ['1122', '0.00', '95.90'],
  ])
  // The same statement again, as UTF-8 with a BOM: nothing new.
  const again = await send(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(STATEMENT, 'utf8')]))
  expect(again.body.data).toMatchObject({ existing: 2, created: [], settlements: [] })
  await expectBooksConsistent(app.api, app.ctx.db.knex)
})

it('refuses a file that is not a 账务明细, and a missing shop', async () => {
  const bad = await send(Buffer.from('订单编号,买家\n1,2\n'))
  expect([bad.status, bad.body.error.reason]).toEqual([400, 'alipay_statement_unreadable'])
  const form = new FormData()
  form.append('statement', new Blob([Buffer.from(STATEMENT)]), 'x.csv')
  const res = await fetch(`${app.baseUrl}/api/imports/alipay-statement`, { method: 'POST', headers: { authorization: `Bearer ${app.token}` }, body: form })
  expect([res.status, ((await res.json()) as any).error.reason]).toEqual([400, 'import_bad_shop'])
})
