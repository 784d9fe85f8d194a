import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'
import { erp } from '../support/erp'
import { csvFile, ITEM_HEADERS, itemRows, ORDER_HEADERS, orderRow, SAMPLE_TRADES, sheet, xlsxFile, type ExportTrade } from '../fixtures/seller-center-export'

// Caps small enough to reach with moderate files (read when the app starts).
const CAPS = { ZG_IMPORT_MAX_ROWS: '6000', ZG_IMPORT_MAX_MB: '2', ZG_SELLER_IMPORT_JOB_KB: '32', ZG_SELLER_IMPORT_JOB_TRADES: '50' }

let app: TestApp
let t: ReturnType<typeof erp>
let shopId: number

beforeAll(async () => {
  Object.assign(process.env, CAPS)
  try {
    app = await startTestApp({ bundled: { sampleData: false } })
  } finally {
    for (const key of Object.keys(CAPS)) delete process.env[key]
  }
  t = erp(app.api)
  const data = await t.masterData([{ outer_id: 'TX1-W-M' }, { outer_id: 'MUG-WHITE' }, { outer_id: 'TOWEL-GREY' }])
  await t.create('settings', { default_warehouse: data.main.id })
  shopId = data.shop.id
})
afterAll(async () => {
  await app?.close()
})

async function send(route: string, upload: { orders?: Buffer; items?: Buffer; ext?: string }) {
  const form = new FormData()
  const ext = upload.ext ?? 'csv'
  if (upload.orders) form.append('orders', new Blob([new Uint8Array(upload.orders)]), `ExportOrderList.${ext}`)
  if (upload.items) form.append('items', new Blob([new Uint8Array(upload.items)]), `ExportOrderDetailList.${ext}`)
  form.append('shop', String(shopId))
  const response = await fetch(app.baseUrl + route, { method: 'POST', headers: { authorization: `Bearer ${app.token}` }, body: form })
  return { status: response.status, body: (await response.json()) as any }
}

/** `n` distinct trades shaped like the samples (one line each). */
function trades(n: number, from = 0): ExportTrade[] {
  const base = SAMPLE_TRADES[0]
  return Array.from({ length: n }, (_, i) => ({ ...base, tid: String(5_100_000_000_000_000_000n + BigInt(from + i)), lines: base.lines.slice(0, 1) }))
}

async function finished(job: string) {
  for (;;) {
    const view = (await app.api.get(`/api/imports/seller-center/jobs/${job}`)).body.data
    if (view.state !== 'running') return view
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const uploadsLeft = () => {
  const dir = path.join(app.database.dataDir, 'imports', 'seller-center')
  return fs.existsSync(dir) ? fs.readdirSync(dir).length : 0
}

describe('seller-center uploads', () => {
  it('refuses a file over the size cap with 413 and keeps nothing of it', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024 + 10, 'a')
    const res = await send('/api/imports/seller-center/preview', { orders: big })
    expect(res.status).toBe(413)
    expect(res.body.error).toMatchObject({ reason: 'seller_import_file_too_large', params: { max_mb: 2 } })
    expect(uploadsLeft()).toBe(0)
  })

  it('reads a big workbook as a background job with progress, answering other requests meanwhile', async () => {
    const orders = await xlsxFile(sheet(ORDER_HEADERS, trades(2000).map(orderRow)))
    const started = await send('/api/imports/seller-center/preview', { orders, ext: 'xlsx' })
    expect(started.status).toBe(202)
    expect(started.body.data).toMatchObject({ kind: 'preview', state: 'running' })
    const job = started.body.data.job
    // another endpoint answers while the file is read
    let answered = 0
    let view = started.body.data
    const phases = new Set<string>()
    while (view.state === 'running') {
      expect((await app.api.get('/api/forms/shops/records')).status).toBe(200)
      answered++
      view = (await app.api.get(`/api/imports/seller-center/jobs/${job}`)).body.data
      phases.add(view.progress.phase)
    }
    expect(answered).toBeGreaterThanOrEqual(1)
    expect(view.state, JSON.stringify({ error: view.error, phases: [...phases] })).toBe('done')
    expect(view.result).toMatchObject({ trades: 2000, new: 2000, error_count: 0, files: { orders: { format: 'xlsx', rows: 2000 } } })
    expect(uploadsLeft()).toBe(0)
    // another user does not see the job
    const other = await app.clientFor('other-clerk')
    expect((await other.get(`/api/imports/seller-center/jobs/${job}`)).status).toBe(404)
  }, 120_000)

  it('refuses a file over the row cap, as a coded error of the job', async () => {
    // only the anchor column: many rows in few bytes
    const orders = Buffer.from(['订单编号', ...Array.from({ length: 6001 }, (_, i) => String(5_300_000_000_000_000_000n + BigInt(i)))].join('\n'))
    const started = await send('/api/imports/seller-center/preview', { orders })
    expect(started.status).toBe(202)
    const view = await finished(started.body.data.job)
    expect(view).toMatchObject({ state: 'failed', error: { code: 'seller_import_too_many_rows', params: { max: 6000 } } })
  }, 60_000)

  it('writes a big commit in the background, batch by batch', async () => {
    const some = trades(120, 50_000)
    const sent = await send('/api/imports/seller-center/preview', { orders: csvFile(sheet(ORDER_HEADERS, some.map(orderRow))), items: csvFile(sheet(ITEM_HEADERS, some.flatMap(itemRows))) })
    const preview = sent.status === 202 ? (await finished(sent.body.data.job)).result : sent.body.data
    expect(preview).toMatchObject({ trades: 120, error_count: 0 })
    const started = await app.api.post('/api/imports/seller-center/commit', { token: preview.token })
    expect(started.status).toBe(202)
    const view = await finished(started.body.data.job)
    expect(view.state, JSON.stringify(view.error)).toBe('done')
    expect(view.progress).toMatchObject({ phase: 'writing', done: 120, total: 120 })
    expect(view.result).toMatchObject({ created: 120, failed: 0 })
    expect(Number((await app.ctx.db.knex('f_platform_trades').where({ shop: shopId }).count({ n: '*' }))[0].n)).toBe(120)
  }, 120_000)
})
