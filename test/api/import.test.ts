import fs from 'node:fs'
import path from 'node:path'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'
import { zg as runZg } from '../support/cli'
import { erp } from '../support/erp'
import { importPack } from '../support/import-pack'
import { taobaoErpPack } from '../support/packs'

let app: TestApp
let teams: Record<string, number>
beforeAll(async () => {
  app = await startTestApp({ packs: [importPack(), taobaoErpPack()] })
  const created = await erp(app.api).ok(app.api.post('/api/forms/teams/records', [{ name: '一组' }, { name: '二组' }]), 201)
  teams = Object.fromEntries(created.data.map((t: { id: number; name: string }) => [t.name, t.id]))
})
afterAll(async () => {
  await app?.close()
})

const BOM = Buffer.from([0xef, 0xbb, 0xbf])

async function send(path: string, file: Buffer, name: string, fields: Record<string, string> = {}) {
  const body = new FormData()
  body.append('file', new Blob([new Uint8Array(file)]), name)
  for (const [k, v] of Object.entries(fields)) body.append(k, v)
  const res = await fetch(app.baseUrl + path, { method: 'POST', headers: { authorization: `Bearer ${app.token}` }, body })
  return { status: res.status, body: (await res.json()) as any }
}

async function finished(form: string, job: string) {
  for (;;) {
    const res = await app.api.get(`/api/forms/${form}/import/${job}`)
    expect(res.status).toBe(200)
    if (!['validating', 'writing'].includes(res.body.data.state)) return res.body.data
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Uploads and imports a file in one request; answers the finished job. */
async function importFile(form: string, file: Buffer, name: string, options: Record<string, unknown> = {}) {
  const started = await send(`/api/forms/${form}/import`, file, name, { options: JSON.stringify(options) })
  expect(started.status, JSON.stringify(started.body)).toBe(202)
  return finished(form, started.body.data.job)
}

const list = async (form: string, filter?: unknown) => erp(app.api).list(form, filter ? { filter } : {})
const count = async (form: string) => (await list(form)).length
const clear = async (form: string) => {
  for (const r of await list(form)) expect((await app.api.delete(`/api/forms/${form}/records/${r.id}`)).status).toBe(204)
}

const CONTACTS_CSV = [
  '编号,姓名,加入日期,最近到访,余额,等级,标签,启用,小组,备注',
  'C1,张三,2026/1/5,2026-01-05 09:30,"¥1,200.50",贵宾,"标签a、标签b",是,一组,hello',
  'C2,李四,2026年1月6日,2026/1/6 10:00:00,"(1,200.00)",Normal,a;c,否,二组,',
  'C3,王五,2026.1.7,,￥３，４００,normal,,√,一组,',
].join('\r\n')

describe('spreadsheet import', () => {
  it('previews a CSV: encoding, headers, sample and the mapping matched by label', async () => {
    const res = await send('/api/forms/contacts/import/preview', Buffer.concat([BOM, Buffer.from(CONTACTS_CSV)]), '客户.csv')
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const preview = res.body.data
    expect(preview).toMatchObject({ file_name: '客户.csv', encoding: 'utf-8', rows: 3, key_candidates: ['code', 'name'] })
    expect(preview.headers[0]).toBe('编号')
    expect(preview.sample[0].slice(0, 2)).toEqual(['C1', '张三'])
    expect(preview.mapping).toMatchObject({ 编号: 'code', 姓名: 'name', 余额: 'balance', 小组: 'team', 备注: 'note' })
    expect(preview.fields.find((f: any) => f.path === 'name')).toMatchObject({ required: true, type: 'text' })
    expect(typeof preview.upload).toBe('string')
  })

  it('imports CSV (UTF-8 with a BOM) with Chinese dates, ¥/￥ money, (1,200.00), labels, links by title; then updates by key', async () => {
    const started = await send('/api/forms/contacts/import/preview', Buffer.concat([BOM, Buffer.from(CONTACTS_CSV)]), 'c.csv')
    const run = await app.api.post('/api/forms/contacts/import', { upload: started.body.data.upload })
    expect(run.status, JSON.stringify(run.body)).toBe(202)
    const job = await finished('contacts', run.body.data.job)
    expect(job, JSON.stringify(job.errors)).toMatchObject({ state: 'done', created: 3, updated: 0, skipped: 0, error_count: 0 })
    const byCode = Object.fromEntries((await list('contacts')).map((r: any) => [r.code, r]))
    expect(byCode.C1).toMatchObject({ name: '张三', joined: '2026-01-05', last_visit: '2026-01-05T09:30:00.000+08:00', balance: '1200.50', level: 'vip', tags: ['a', 'b'], active: true, note: 'hello' })
    expect(byCode.C1.team.id).toBe(teams['一组'])
    expect(byCode.C2).toMatchObject({ joined: '2026-01-06', last_visit: '2026-01-06T10:00:00.000+08:00', balance: '-1200.00', level: 'normal', tags: ['a', 'c'], active: false })
    expect(byCode.C3).toMatchObject({ joined: '2026-01-07', balance: '3400.00', active: true })
    // a batch of created records is audited as one entry listing them
    const audit = await app.ctx.db.knex('zg_audit').where({ form: 'contacts', action: 'import' })
    expect(audit.map((a: { changes: string }) => JSON.parse(a.changes).ids.sort())).toEqual([[byCode.C1.id, byCode.C2.id, byCode.C3.id].sort()])

    // the mapping is saved for the form
    expect((await app.api.get('/api/forms/contacts/import-mapping')).body.data.mapping).toMatchObject({ 编号: 'code', 余额: 'balance' })

    // update by key: C1 changes, C4 is new
    const again = await importFile('contacts', Buffer.from('编号,姓名,余额\nC1,张三丰,"1,000"\nC4,赵六,5'), 'u.csv', { key: 'code' })
    expect(again, JSON.stringify(again.errors)).toMatchObject({ state: 'done', created: 1, updated: 1 })
    const after = Object.fromEntries((await list('contacts')).map((r: any) => [r.code, r]))
    expect(after.C1).toMatchObject({ name: '张三丰', balance: '1000.00', level: 'vip', tags: ['a', 'b'] })
    expect(after.C4).toMatchObject({ name: '赵六', balance: '5.00' })
    await clear('contacts')
  })

  it('reads GBK CSV and XLSX (dates as wall-clock Asia/Shanghai time, numbers as numbers)', async () => {
    const gbk = iconv.encode('编号,姓名,余额,等级\nG1,钱七,"￥12,345.60",普通\n', 'gbk')
    const preview = await send('/api/forms/contacts/import/preview', gbk, 'gbk.csv')
    expect(preview.body.data).toMatchObject({ encoding: 'gbk', headers: ['编号', '姓名', '余额', '等级'] })
    expect(await importFile('contacts', gbk, 'gbk.csv')).toMatchObject({ state: 'done', created: 1 })

    const workbook = new ExcelJS.Workbook()
    const sheet = workbook.addWorksheet('客户')
    sheet.addRow(['编号', '姓名', '加入日期', '最近到访', '余额', '启用', '小组'])
    sheet.addRow(['X1', '孙八', new Date(Date.UTC(2026, 0, 5)), new Date(Date.UTC(2026, 0, 5, 23, 30)), 1200.5, true, '二组'])
    sheet.addRow([2, '周九', 46028, '2026年1月6日 8:05', -3, 0, null])
    sheet.getCell('C2').numFmt = 'yyyy-mm-dd'
    sheet.getCell('D2').numFmt = 'yyyy-mm-dd hh:mm'
    const xlsx = Buffer.from(await workbook.xlsx.writeBuffer())
    const job = await importFile('contacts', xlsx, 'c.xlsx')
    expect(job, JSON.stringify(job.errors)).toMatchObject({ state: 'done', created: 2 })
    const byCode = Object.fromEntries((await list('contacts')).map((r: any) => [r.code, r]))
    expect(byCode.G1).toMatchObject({ name: '钱七', balance: '12345.60', level: 'normal' })
    expect(byCode.X1).toMatchObject({ joined: '2026-01-05', last_visit: '2026-01-05T23:30:00.000+08:00', balance: '1200.50', active: true })
    expect(byCode.X1.team.id).toBe(teams['二组'])
    // 46028 is Excel's serial day of 2026-01-06
    expect(byCode['2']).toMatchObject({ name: '周九', joined: '2026-01-06', last_visit: '2026-01-06T08:05:00.000+08:00', balance: '-3.00', active: false })
    await clear('contacts')
  })

  it('refuses a file with a bad row: nothing written, the error names row and column, the report says it in either language', async () => {
    const csv = '编号,姓名,余额,小组\nB1,甲,1,一组\nB2,乙,abc,一组\nB3,丙,3,三组\n'
    const job = await importFile('contacts', Buffer.from(csv), 'bad.csv')
    expect(job.state).toBe('refused')
    expect(job.created).toBe(0)
    expect(job.error_count).toBe(2)
    expect(job.errors[0]).toMatchObject({ row: 3, column: '余额', field: 'balance', value: 'abc', code: 'not_a_number' })
    expect(job.errors[1]).toMatchObject({ row: 4, column: '小组', value: '三组', code: 'import_link_not_found' })
    expect(await count('contacts')).toBe(0)

    const csvReport = await fetch(`${app.baseUrl}/api/forms/contacts/import/${job.job}/report?format=csv&locale=zh-CN`, { headers: { authorization: `Bearer ${app.token}` } })
    expect(csvReport.status).toBe(200)
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await csvReport.arrayBuffer())
    expect(text.charCodeAt(0)).toBe(0xfeff)
    const lines = text.slice(1).trim().split('\r\n')
    expect(lines[0]).toBe('行号,列,值,原因')
    expect(lines[1]).toContain('3,余额,abc,')
    expect(lines[2]).toBe('4,小组,三组,小组中找不到"三组"'.replace(/"/g, '""').replace(/^(4,小组,三组,)(.*)$/, '$1"$2"'))

    const xlsxReport = await fetch(`${app.baseUrl}/api/forms/contacts/import/${job.job}/report?format=xlsx&locale=en`, { headers: { authorization: `Bearer ${app.token}` } })
    const book = new ExcelJS.Workbook()
    await book.xlsx.load(await xlsxReport.arrayBuffer())
    const rows = book.worksheets[0].getSheetValues().slice(1) as unknown[][]
    expect(rows[0].slice(1)).toEqual(['Row', 'Column', 'Value', 'Reason'])
    expect(rows[2].slice(1)).toEqual([4, '小组', '三组', 'No Teams record "三组"'])

    // skip_bad writes the good rows and reports the bad
    const skipped = await importFile('contacts', Buffer.from(csv), 'bad.csv', { skip_bad: true })
    expect(skipped).toMatchObject({ state: 'done', created: 1, skipped: 2, error_count: 2 })
    expect((await list('contacts')).map((r: any) => r.code)).toEqual(['B1'])
    await clear('contacts')
  })

  it('answers broken files with a clear error: wrong encoding, no rows, a required column not mapped, a 10 MB cell, duplicate keys', async () => {
    const latin1 = Buffer.from([...Buffer.from('编号,姓名\n'), 0x63, 0x61, 0x66, 0xe9, 0x2c, 0x0a])
    const wrong = await send('/api/forms/contacts/import/preview', latin1, 'x.csv')
    expect(wrong.status).toBe(400)
    expect(wrong.body.error.reason).toBe('import_bad_encoding')

    const empty = await send('/api/forms/contacts/import', Buffer.from('编号,姓名\n'), 'x.csv')
    expect(empty.body.error.reason).toBe('import_no_rows')

    const noName = await send('/api/forms/contacts/import', Buffer.from('编号,余额\nA,1\n'), 'x.csv')
    expect(noName.status).toBe(400)
    expect(noName.body.error).toMatchObject({ reason: 'import_required_unmapped', params: { field: '姓名' } })

    const huge = Buffer.from(`编号,姓名,备注\nH1,甲,${'长'.repeat(10)}\nH2,乙,"${'x'.repeat(10 * 1024 * 1024)}"\n`)
    const long = await importFile('contacts', huge, 'huge.csv')
    expect(long.state).toBe('refused')
    expect(long.errors).toEqual([expect.objectContaining({ row: 3, column: '备注', code: 'import_cell_too_long' })])

    const dup = await importFile('contacts', Buffer.from('编号,姓名\nD1,甲\nD2,乙\nD1,丙\n'), 'dup.csv', { key: 'code' })
    expect(dup.state).toBe('refused')
    expect(dup.errors).toEqual([expect.objectContaining({ row: 4, column: '编号', value: 'D1', code: 'import_duplicate_key', params: { value: 'D1', row: 2 } })])
    const unique = await importFile('contacts', Buffer.from('编号,姓名\nD1,甲\nD1,丙\n'), 'dup.csv')
    expect(unique.errors).toEqual([expect.objectContaining({ row: 3, column: '编号', code: 'import_duplicate_value' })])
    expect(await count('contacts')).toBe(0)
  })

  it('undoes the batches already written when a later batch fails: created records go, updated ones come back', async () => {
    await importFile('contacts', Buffer.from('编号,姓名,余额\nU1,原名,1\n'), 'u.csv')
    let creates = 0
    const off = app.ctx.hooks.on(
      'beforeCommit',
      'contacts',
      () => {
        if (++creates === 2) throw new Error('disk full')
      },
      { actions: ['create'] },
    )
    try {
      // 2,100 records: the first batch (2,000) is written, the second fails
      const rows = ['编号,姓名,余额', 'U1,新名,2', ...Array.from({ length: 2099 }, (_, i) => `V${i},客户${i},${i}`)]
      const job = await importFile('contacts', Buffer.from(rows.join('\n')), 'big.csv', { key: 'code' })
      expect(job).toMatchObject({ state: 'failed', created: 0, updated: 0 })
      expect(job.errors[0]).toMatchObject({ code: 'import_failed', params: { message: 'disk full' } })
    } finally {
      off()
    }
    expect((await list('contacts')).map((r: any) => [r.code, r.name, r.balance])).toEqual([['U1', '原名', '1.00']])
    await clear('contacts')
  })

  it('imports orders: the shop and SKUs by their title, lines from continuation rows', async () => {
    const helpers = erp(app.api)
    const { shop, skus, product } = await helpers.masterData([{ outer_id: 'SKU-A' }, { outer_id: 'SKU-B' }])
    const csv = ['店铺,买家昵称,付款时间,买家运费,SKU,数量,实付', `${shop.name},buyer1,2026/1/5 10:00,￥5.00,SKU-A,2,"1,000.00"`, ',,,,SKU-B,1,20', `${shop.name},buyer2,2026/1/6,0,SKU-A,1,10`].join('\n')
    const preview = await send('/api/forms/orders/import/preview', Buffer.from(csv), 'orders.csv')
    expect(preview.body.data.mapping).toMatchObject({ 店铺: 'shop', SKU: 'lines.sku', 数量: 'lines.qty', 实付: 'lines.payment' })
    expect(preview.body.data.key_candidates).toContain('no')
    const job = await importFile('orders', Buffer.from(csv), 'orders.csv')
    expect(job, JSON.stringify(job.errors)).toMatchObject({ state: 'done', created: 2 })
    const orders = await helpers.list('orders', { sort: 'id' })
    expect(orders).toHaveLength(2)
    const first = await helpers.get('orders', orders[0].id)
    expect(first).toMatchObject({ buyer_nick: 'buyer1', paid_at: '2026-01-05T10:00:00.000+08:00', post_fee: '5.00', payment_total: '1020.00', total_qty: '3' })
    expect(first.lines.map((l: any) => [l.sku.id, l.qty])).toEqual([
      [skus[0].id, '2'],
      [skus[1].id, '1'],
    ])
    // a line of a bad SKU names its own row
    const bad = await importFile('orders', Buffer.from(`店铺,SKU,数量\n${shop.name},SKU-A,1\n,SKU-Z,1\n`), 'o.csv')
    expect(bad.errors).toEqual([expect.objectContaining({ row: 3, column: 'SKU', code: 'import_link_not_found' })])

    // the write reuses what the check computed, unless a linked record changed in between
    const records = app.ctx.records
    const items = [{ input: { shop: shop.id, buyer_nick: 'buyer3', lines: [{ sku: skus[1].id, qty: '2' }] } }] as Parameters<typeof records.checkImport>[1]
    expect(await records.checkImport('orders', items)).toEqual([])
    expect(items[0].prepared).toBeDefined()
    await helpers.ok(app.api.patch(`/api/forms/skus/records/${skus[1].id}`, { weight: '0.500' }))
    const { created } = await records.writeImport('orders', items)
    expect((await helpers.get('orders', created[0])).lines[0]).toMatchObject({ weight: '0.500', line_weight: '1.000' })
    // a prepared record made elsewhere is not trusted: the write checks the input in full
    const forged = [{ input: { shop: shop.id, lines: [{ sku: skus[1].id, qty: 'many' }] }, prepared: { form: 'orders' } }]
    await expect(records.writeImport('orders', forged)).rejects.toMatchObject({ problems: [expect.objectContaining({ field: '[0].lines[0].qty' })] })
    // a linked record deleted between the check and the write is refused by the write
    const [sku] = (await helpers.ok(app.api.post('/api/forms/skus/records', [{ product: product.id, outer_id: 'SKU-GONE' }]), 201)).data
    const doomed = [{ input: { shop: shop.id, lines: [{ sku: sku.id, qty: '1' }] } }] as typeof items
    expect(await records.checkImport('orders', doomed)).toEqual([])
    expect((await app.api.delete(`/api/forms/skus/records/${sku.id}`)).status).toBe(204)
    await expect(records.writeImport('orders', doomed)).rejects.toMatchObject({ problems: [expect.objectContaining({ code: 'link_not_found' })] })
    expect((await helpers.list('orders')).length).toBe(3)
  })

  it('runs from the command line: prints the report, exits non-zero and writes nothing when refused', async () => {
    const good = path.join(app.database.dataDir, 'good.csv')
    fs.writeFileSync(good, '编号,姓名,余额\nK1,甲,"1,000"\nK2,乙,2\n')
    const ok = await zg('import', 'contacts', good)
    expect(ok.code, ok.out).toBe(0)
    expect(ok.out).toContain('contacts: done — created 2, updated 0, skipped 0, errors 0')
    const bad = path.join(app.database.dataDir, 'bad.csv')
    fs.writeFileSync(bad, '编号,姓名,余额\nK1,甲改,1\nK3,丙,abc\n')
    const refused = await zg('import', 'contacts', bad, '--key', 'code')
    expect(refused.code).toBe(1)
    expect(refused.out).toContain('row 3 [余额] "abc": “abc”不是数字')
    expect(refused.out).toContain('contacts: refused')
    expect((await list('contacts')).map((r: any) => [r.code, r.name]).sort()).toEqual([
      ['K1', '甲'],
      ['K2', '乙'],
    ])
    await clear('contacts')
  })

  // The large case: SQLite keeps one connection, so the import must leave room for others.
  it.runIf(app_db() === 'sqlite')('imports 100,000 rows in batches while other requests are answered', async () => {
    const rows = ['编号,姓名,余额,等级']
    for (let i = 0; i < 100_000; i++) rows.push(`N${i},客户${i},${i}.5,${i % 2 ? '贵宾' : '普通'}`)
    const started = await send('/api/forms/contacts/import', Buffer.from(rows.join('\n')), 'big.csv')
    expect(started.status).toBe(202)
    const job = started.body.data.job
    // another endpoint answers while the import runs: it completes before the import finishes
    let state = ''
    let answered = 0
    while (answered < 3) {
      const teams = await app.api.get('/api/forms/teams/records')
      expect(teams.status).toBe(200)
      state = (await app.api.get(`/api/forms/contacts/import/${job}`)).body.data.state
      if (state === 'done' || state === 'refused' || state === 'failed') break
      answered++
    }
    expect(answered).toBe(3)
    const result = await finished('contacts', job)
    expect(result, JSON.stringify(result.errors.slice(0, 3))).toMatchObject({ state: 'done', created: 100_000, error_count: 0 })
    const last = await app.api.post('/api/forms/contacts/records/query', { filter: { field: 'code', op: 'eq', value: 'N99999' } })
    expect(last.body.data[0]).toMatchObject({ name: '客户99999', balance: '99999.50', level: 'vip' })
    expect((await app.api.post('/api/forms/contacts/records/query', { limit: 1, count: 'exact' })).body.total).toBe(100_000)
  }, 600_000)
})

function app_db() {
  return process.env.ZG_TEST_DB ?? 'sqlite'
}

/** Runs `npm run zg -- …` as a merchant would, on the test's database (in-process). */
const zg = (...args: string[]) => runZg(app.database, ...args)
