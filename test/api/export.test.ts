import fs from 'node:fs'
import path from 'node:path'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import Papa from 'papaparse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultPolicy, type AccessPolicy } from '../../server/access/policy'
import { startTestApp, type ApiClient, type TestApp } from '../support/app'
import { zg as runZg } from '../support/cli'

// One pack with every kind of value a merchant exports: money, decimals, dates, datetimes,
// selects, links, checkboxes, sub-form lines.
const PACK = {
  format: 'zhanggui.pack/1',
  key: 'exp',
  name: '导出测试',
  version: '1.0.0',
  forms: [
    { key: 'vendors', label: '供应商', title_field: 'name', fields: [{ key: 'name', type: 'text', label: '名称' }] },
    {
      key: 'deals',
      label: { 'zh-CN': '交易', en: 'Deals' },
      title_field: 'title',
      fields: [
        { key: 'title', type: 'text', label: { 'zh-CN': '标题', en: 'Title' } },
        { key: 'amount', type: 'money', label: { 'zh-CN': '金额', en: 'Amount' } },
        { key: 'qty', type: 'number', label: '数量', scale: 3 },
        { key: 'day', type: 'date', label: '日期' },
        { key: 'at', type: 'datetime', label: '时间' },
        { key: 'grade', type: 'select', label: { 'zh-CN': '等级', en: 'Grade' }, options: [{ value: 'a', label: { 'zh-CN': '甲', en: 'A' } }, { value: 'b', label: '乙' }] },
        { key: 'tags', type: 'multi_select', label: '标签', options: [{ value: 'hot', label: '热销' }, { value: 'new', label: '新品' }] },
        { key: 'vendor', type: 'link', form: 'vendors', label: '供应商' },
        { key: 'ok', type: 'checkbox', label: '确认' },
        { key: 'secret', type: 'text', label: '机密' },
        { key: 'lines', type: 'sub_form', label: '明细', fields: [{ key: 'item', type: 'text', label: '品名' }, { key: 'price', type: 'money', label: '单价' }] },
      ],
      views: [
        { key: 'all', label: '全部', columns: ['title', 'amount', 'qty', 'day', 'at', 'grade', 'tags', 'vendor', 'ok', 'secret'], sort: ['title'] },
        { key: 'big', label: '大额', columns: ['title', 'amount'], filter: { field: 'amount', op: 'gte', value: '100' }, sort: ['-amount'] },
      ],
    },
  ],
}

// `viewer` may not see the deals' secret column.
const policy: AccessPolicy = {
  ...defaultPolicy,
  hiddenFields: (actor, form) => new Set(actor.username === 'viewer' && form.key === 'deals' ? ['secret'] : []),
}

let app: TestApp
let viewer: ApiClient

beforeAll(async () => {
  app = await startTestApp({ packs: [PACK], access: policy })
  viewer = await app.clientFor('viewer')
  const vendor = (await app.api.post('/api/forms/vendors/records', { name: '义乌百货' })).body.data
  const deals = [
    { title: '甲单', amount: '1234567.89', qty: '2.500', day: '2026-01-05', at: '2026-01-05T23:30:00+08:00', grade: 'a', tags: ['hot', 'new'], vendor: vendor.id, ok: true, secret: 's1', lines: [{ item: '杯子', price: '12.50' }, { item: '盘子', price: '8.00' }] },
    { title: '乙单', amount: '12345678901234.56', qty: '1', day: '2026-02-28', grade: 'b', ok: false, secret: 's2' },
    { title: '=HYPERLINK("http://evil","x")', amount: '-50.00', qty: '-3', secret: 's3' },
    { title: '@SUM(A1)', amount: '99.99' },
  ]
  for (const deal of deals) expect((await app.api.post('/api/forms/deals/records', deal)).status).toBe(201)
})
afterAll(async () => {
  await app?.close()
})

/** The admin's download, GET or (with a body) POST. */
function download(url: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${app.token}`, ...(body ? { 'content-type': 'application/json' } : {}) }
  return fetch(app.baseUrl + url, { method: body ? 'POST' : 'GET', headers, body: body ? JSON.stringify(body) : undefined })
}

async function xlsx(url: string, body?: unknown): Promise<ExcelJS.Worksheet> {
  const res = await download(url, body)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toContain('spreadsheetml')
  const book = new ExcelJS.Workbook()
  await book.xlsx.load(await res.arrayBuffer())
  return book.worksheets[0]
}

function rowsOf(ws: ExcelJS.Worksheet): unknown[][] {
  const rows: unknown[][] = []
  ws.eachRow({ includeEmpty: false }, (row) => rows.push((row.values as unknown[]).slice(1)))
  return rows
}

async function csv(url: string, body?: unknown): Promise<{ bytes: Buffer; rows: string[][] }> {
  const res = await download(url, body)
  expect(res.status).toBe(200)
  const bytes = Buffer.from(await res.arrayBuffer())
  const text = url.includes('gbk') || (body as { encoding?: string } | undefined)?.encoding === 'gbk' ? iconv.decode(bytes, 'gbk') : bytes.toString('utf8').replace(/^\uFEFF/, '')
  return { bytes, rows: Papa.parse<string[]>(text.trimEnd()).data }
}

describe('export to Excel', () => {
  it('writes labels as headers, money and numbers as numbers, dates and datetimes as Shanghai wall-clock dates', async () => {
    const ws = await xlsx('/api/forms/deals/export?format=xlsx&view=all')
    const rows = rowsOf(ws)
    expect(rows[0]).toEqual(['标题', '金额', '数量', '日期', '时间', '等级', '标签', '供应商', '确认', '机密'])
    // sorted by the view's sort (title), every record once: no line columns in this view
    expect(rows.length).toBe(5)
    const first = rows.find((r) => r[0] === '甲单')!
    expect(first[1]).toBe(1234567.89)
    expect(ws.getRow(rows.indexOf(first) + 1).getCell(2).numFmt).toBe('#,##0.00')
    expect(first[2]).toBe(2.5)
    expect(first[3]).toBeInstanceOf(Date)
    expect((first[3] as Date).toISOString()).toBe('2026-01-05T00:00:00.000Z')
    // 23:30 in Shanghai stays 23:30 on the sheet (not 15:30)
    expect((first[4] as Date).toISOString()).toBe('2026-01-05T23:30:00.000Z')
    expect(first.slice(5)).toEqual(['甲', '热销、新品', '义乌百货', '是', 's1'])
    // beyond 15 significant digits a double would change the amount: it is kept exact, as text
    expect(rows.find((r) => r[0] === '乙单')![1]).toBe('12345678901234.56')
  })

  it('writes text that looks like a formula as a plain string cell, and negative numbers as numbers', async () => {
    const ws = await xlsx('/api/forms/deals/export?view=all')
    let found = 0
    ws.eachRow((row) => {
      row.eachCell((cell) => {
        expect(cell.type).not.toBe(ExcelJS.ValueType.Formula)
        if (String(cell.value).startsWith('=HYPERLINK')) {
          expect(cell.type).toBe(ExcelJS.ValueType.String)
          found++
          expect(row.getCell(2).value).toBe(-50)
        }
      })
    })
    expect(found).toBe(1)
  })

  it('follows a view: its columns, filter and sort; explicit fields, filter and sort win (POST for long filters)', async () => {
    const big = rowsOf(await xlsx('/api/forms/deals/export?view=big'))
    expect(big).toEqual([['标题', '金额'], ['乙单', '12345678901234.56'], ['甲单', 1234567.89]])
    const own = rowsOf(
      await xlsx('/api/forms/deals/export', {
        view: 'big',
        fields: ['qty', 'title'],
        filter: { or: [{ field: 'title', op: 'eq', value: '乙单' }, { field: 'amount', op: 'lt', value: '0' }] },
        sort: 'qty',
        locale: 'en',
      }),
    )
    expect(own).toEqual([['数量', 'Title'], [-3, '=HYPERLINK("http://evil","x")'], [1, '乙单']])
  })

  it('writes sub-form lines as repeated rows, the record cells on its first row only', async () => {
    const rows = rowsOf(await xlsx(`/api/forms/deals/export?fields=title,lines,amount&filter=${encodeURIComponent(JSON.stringify({ field: 'title', op: 'eq', value: '甲单' }))}`))
    expect(rows[0]).toEqual(['标题', '明细·品名', '明细·单价', '金额'])
    expect(rows[1]).toEqual(['甲单', '杯子', 12.5, 1234567.89])
    // the continuation row: record cells empty
    expect(rows[2].filter((v) => v !== undefined && v !== null)).toEqual(['盘子', 8])
    expect(rows.length).toBe(3)
  })

  it('names the file after the form, in UTF-8 (RFC 5987) with an ASCII fallback', async () => {
    const res = await download('/api/forms/deals/export?format=csv')
    const disposition = res.headers.get('content-disposition')!
    expect(disposition).toMatch(/^attachment; filename="deals-\d{8}-\d{4}\.csv"; filename\*=UTF-8''/)
    expect(decodeURIComponent(disposition.split("''")[1])).toMatch(/^交易-\d{8}-\d{4}\.csv$/)
  })
})

describe('export to CSV', () => {
  it('starts with a UTF-8 BOM, quotes per RFC 4180, guards formulas with a quote, keeps numbers plain', async () => {
    const { bytes, rows } = await csv('/api/forms/deals/export?format=csv&view=all')
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    expect(rows[0].slice(0, 5)).toEqual(['标题', '金额', '数量', '日期', '时间'])
    const evil = rows.find((r) => r[0].includes('HYPERLINK'))!
    expect(evil[0]).toBe(`'=HYPERLINK("http://evil","x")`)
    expect(evil[1]).toBe('-50.00')
    expect(evil[2]).toBe('-3.000')
    expect(rows.find((r) => r[0].includes('SUM'))![0]).toBe("'@SUM(A1)")
    const first = rows.find((r) => r[0] === '甲单')!
    expect(first.slice(1, 8)).toEqual(['1234567.89', '2.500', '2026-01-05', '2026-01-05 23:30:00', '甲', '热销、新品', '义乌百货'])
    expect(rows.find((r) => r[0] === '乙单')![1]).toBe('12345678901234.56')
  })

  it('writes GBK without a BOM when asked', async () => {
    const { bytes, rows } = await csv('/api/forms/deals/export', { format: 'csv', encoding: 'gbk', view: 'big' })
    expect(bytes[0]).not.toBe(0xef)
    expect(bytes.includes(iconv.encode('标题', 'gbk'))).toBe(true)
    expect(rows).toEqual([['标题', '金额'], ['乙单', '12345678901234.56'], ['甲单', '1234567.89']])
  })
})

describe('what the export refuses or leaves out', () => {
  it('refuses unknown fields, bad filters, views and formats before sending a file', async () => {
    const unknownField = await app.api.get('/api/forms/deals/export?fields=title,nope')
    expect(unknownField.status).toBe(422)
    expect(unknownField.body.error.details[0]).toMatchObject({ code: 'unknown_field', params: { field: 'nope' } })
    const badFilter = await app.api.post('/api/forms/deals/export', { filter: { field: 'nope', op: 'eq', value: 1 } })
    expect(badFilter.status).toBe(422)
    expect((await app.api.get('/api/forms/deals/export?filter={oops')).body.error.reason).toBe('filter_not_json')
    expect((await app.api.get('/api/forms/deals/export?view=nope')).body.error).toMatchObject({ reason: 'export_unknown_view', params: { view: 'nope' } })
    expect((await app.api.get('/api/forms/deals/export?format=pdf')).body.error.reason).toBe('export_bad_format')
    expect((await app.api.get('/api/forms/deals/export?format=csv&encoding=big5')).body.error.reason).toBe('export_bad_encoding')
    expect((await app.api.get('/api/forms/deals/export?sort=lines')).status).toBe(400)
    expect((await app.api.get('/api/forms/nope/export')).status).toBe(404)
  })

  it('leaves out a field hidden from the caller, and refuses it when named', async () => {
    const res = await viewer.request('GET', '/api/forms/deals/export?format=csv&view=all')
    expect(res.status).toBe(200)
    const header = String(res.body).replace(/^\uFEFF/, '').split('\r\n')[0]
    expect(header).toBe('标题,金额,数量,日期,时间,等级,标签,供应商,确认')
    expect(String(res.body)).not.toContain('s1')
    expect((await viewer.request('GET', '/api/forms/deals/export?fields=title,secret')).status).toBe(422)
  })
})

describe('zg export', () => {
  const zg = (...args: string[]) => runZg(app.database, ...args)

  it('writes a view to a file, the format from its extension', async () => {
    const file = path.join(app.database.dataDir, 'big.xlsx')
    const done = await zg('export', 'deals', '--out', file, '--view', 'big')
    expect(done.out).toContain('Exported 2 records')
    expect(done.code).toBe(0)
    const book = new ExcelJS.Workbook()
    await book.xlsx.readFile(file)
    expect(rowsOf(book.worksheets[0])).toEqual([['标题', '金额'], ['乙单', '12345678901234.56'], ['甲单', 1234567.89]])
    const csvFile = path.join(app.database.dataDir, 'neg.csv')
    expect((await zg('export', 'deals', '--out', csvFile, '--filter', '{"field":"amount","op":"lt","value":"0"}', '--fields', 'title,amount')).code).toBe(0)
    expect(fs.readFileSync(csvFile, 'utf8')).toBe(`\uFEFF标题,金额\r\n"'=HYPERLINK(""http://evil"",""x"")",-50.00\r\n`)
    const bad = await zg('export', 'deals', '--out', csvFile, '--fields', 'nope')
    expect(bad.code).toBe(1)
    expect(bad.out).toContain('nope')
  })
})

describe('round trip', () => {
  it('an exported workbook (lines as repeated rows) imports back as the same records', async () => {
    const fields = 'title,amount,qty,day,at,grade,tags,vendor,ok,lines'
    const filter = JSON.stringify({ field: 'title', op: 'eq', value: '甲单' })
    const file = Buffer.from(await (await download(`/api/forms/deals/export?fields=${fields}&filter=${encodeURIComponent(filter)}`)).arrayBuffer())
    const body = new FormData()
    body.append('file', new Blob([new Uint8Array(file)]), 'deals.xlsx')
    const preview = (await (await fetch(`${app.baseUrl}/api/forms/deals/import/preview`, { method: 'POST', headers: { authorization: `Bearer ${app.token}` }, body })).json()) as any
    // every exported column maps back onto its field by its header
    expect(preview.data.mapping).toEqual({ 标题: 'title', 金额: 'amount', 数量: 'qty', 日期: 'day', 时间: 'at', 等级: 'grade', 标签: 'tags', 供应商: 'vendor', 确认: 'ok', '明细·品名': 'lines.item', '明细·单价': 'lines.price' })
    const started = await app.api.post('/api/forms/deals/import', { upload: preview.data.upload, mapping: preview.data.mapping })
    expect(started.status).toBe(202)
    let job: any
    do {
      await new Promise((resolve) => setTimeout(resolve, 20))
      job = (await app.api.get(`/api/forms/deals/import/${started.body.data.job}`)).body.data
    } while (job.state === 'validating' || job.state === 'writing')
    expect(job, JSON.stringify(job.errors)).toMatchObject({ state: 'done', created: 1 })
    const copies = (await app.api.post('/api/forms/deals/records/query', { filter: JSON.parse(filter), lines: true, sort: 'id' })).body.data
    expect(copies).toHaveLength(2)
    const strip = ({ id: _id, version: _v, created_at: _c, updated_at: _u, created_by: _cb, updated_by: _ub, secret: _s, lines, ...rest }: any) => ({
      ...rest,
      lines: lines.map(({ id: _lid, ...line }: any) => line),
    })
    expect(strip(copies[1])).toEqual(strip(copies[0]))
  })
})
