/**
 * `npm run bench` — throughput of the records service and the query layer on this machine.
 * Targets are printed beside each figure; timings belong here, not in tests.
 *   BENCH_ROWS (default 100000)  rows for the query benchmarks
 *   DATABASE_URL                  run on PostgreSQL instead of a temp SQLite file
 * List figures stand beside their raw-SQL floor: the same rows by the same index, measured in
 * the same run.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { createContext } from '../server/app'
import { loadConfig } from '../server/config'
import { saveForm } from '../server/forms/customize'
import { installPack } from '../server/forms/installer'

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000)
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-bench-'))
const config = { ...loadConfig(), dataDir, port: 0 }

const pack = {
  format: 'zhanggui.pack/1',
  key: 'bench',
  name: 'bench',
  version: '1.0.0',
  forms: [
    {
      key: 'orders',
      label: '订单',
      fields: [
        { key: 'tid', type: 'text', label: '订单号', unique: true },
        { key: 'shop', type: 'select', label: '店铺', index: true, options: Array.from({ length: 10 }, (_, i) => ({ value: `s${i}`, label: `店铺${i}` })) },
        { key: 'status', type: 'select', label: '状态', index: true, options: ['paid', 'shipped', 'finished', 'closed'].map((v) => ({ value: v, label: v })) },
        { key: 'buyer', type: 'text', label: '买家' },
        { key: 'province', type: 'text', label: '省份' },
        { key: 'created', type: 'datetime', label: '下单时间', index: true },
        { key: 'payment', type: 'money', label: '实付' },
        { key: 'qty', type: 'number', label: '数量' },
        { key: 'avg_price', type: 'formula', label: '均价', formula: 'IF(qty > 0, payment / qty, 0)', result: 'money' },
      ],
    },
    // A SKU on many parcel lines: line weights (stored) read its weight through a lookup.
    {
      key: 'items',
      label: '商品',
      title_field: 'code',
      fields: [
        { key: 'code', type: 'text', label: '编码', unique: true },
        { key: 'weight', type: 'number', label: '重量', scale: 3 },
      ],
    },
    {
      key: 'parcels',
      label: '包裹',
      fields: [
        { key: 'ref', type: 'text', label: '单号' },
        {
          key: 'lines',
          type: 'sub_form',
          label: '明细',
          fields: [
            { key: 'item', type: 'link', label: '商品', form: 'items' },
            { key: 'qty', type: 'number', label: '数量' },
            { key: 'weight', type: 'lookup', label: '重量', link: 'item', field: 'weight' },
            { key: 'line_weight', type: 'formula', label: '行重', formula: 'qty * weight', result: 'number', scale: 3 },
          ],
        },
        { key: 'total_weight', type: 'rollup', label: '总重', source: 'lines', aggregate: 'sum', field: 'line_weight' },
      ],
    },
  ],
}
const HOT_LINES = 10_000

const PROVINCES = ['浙江省', '江苏省', '广东省', '上海市', '北京市', '四川省', '山东省', '湖北省']
const row = (i: number) => ({
  tid: String(1_000_000_000_000 + i),
  shop: `s${i % 10}`,
  status: ['paid', 'shipped', 'finished', 'closed'][i % 4],
  buyer: `买家${i % 40_000}`,
  province: PROVINCES[i % PROVINCES.length],
  // one order in 50 without a time, so NULL ordering and its keyset branch are measured too
  created: i % 50 === 7 ? null : new Date(Date.UTC(2026, 0, 1) + (i % 365) * 86_400_000 + (i % 86_400) * 1000).toISOString(),
  payment: `${(i % 997) + 1}.${String(i % 100).padStart(2, '0')}`,
  qty: (i % 5) + 1,
})

async function time<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = performance.now()
  const result = await work()
  return { ms: performance.now() - start, result }
}

async function median(runs: number, work: () => Promise<unknown>): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < runs; i++) times.push((await time(work)).ms)
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]
}

async function main() {
  const ctx = await createContext(config)
  await installPack(ctx.db, ctx.registry, pack)
  const records = ctx.records
  const results: [string, string, string, string?][] = []
  console.log(`Zhanggui bench — ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}, ${ctx.db.dialect.name}, ${ROWS} rows`)

  // 1. Bulk load through the batch path (validation, formulas, unique checks, audit: all on).
  const batch = 1000
  const load = await time(async () => {
    for (let start = 0; start < ROWS; start += batch) {
      await records.upsertMany('orders', Array.from({ length: Math.min(batch, ROWS - start) }, (_, k) => row(start + k)), { by: ['tid'] })
    }
  })
  results.push(['bulk upsert, 1,000-row batches', `${Math.round(ROWS / (load.ms / 1000)).toLocaleString()} rows/s`, '≥ 5,000 rows/s'])

  // 2. Re-running the same import changes nothing, and should be cheaper than the first load.
  const rerun = await time(() => records.upsertMany('orders', Array.from({ length: 1000 }, (_, k) => row(k)), { by: ['tid'] }))
  results.push(['re-import 1,000 unchanged rows', `${Math.round(rerun.ms)} ms (${JSON.stringify({ unchanged: rerun.result.unchanged })})`, '< 1,000 ms'])

  // 3. Single creates, one transaction each.
  const singles = 300
  const single = await time(async () => {
    for (let i = 0; i < singles; i++) await records.create('orders', row(ROWS + i))
  })
  results.push(['single create (own transaction)', `${Math.round(singles / (single.ms / 1000))} writes/s`, '≥ 100 writes/s'])

  // 4. Grid queries, each beside its raw-SQL floor: the same rows by the same index, without the
  //    records service (no permission check, no decoding, no total).
  const knex = ctx.db.knex
  const raw = (sql: string, bindings: unknown[] = []) => () => knex.raw(sql, bindings as never[])
  const ms = (n: number) => `${n.toFixed(1)} ms`
  const measure = async (name: string, api: () => Promise<unknown>, floor: (() => Promise<unknown>) | null, target: string, runs = 9) => {
    await api() // warm: the first call of a kind pays for parsing and the count
    const apiMs = await median(runs, api)
    const floorMs = floor ? await median(runs, floor) : null
    results.push([name, ms(apiMs), floorMs === null ? '' : `floor ${ms(floorMs)}`, target])
  }
  const DESC = 'ORDER BY "created" DESC NULLS LAST, "id" DESC'
  const ASC = 'ORDER BY "created" ASC NULLS FIRST, "id" ASC'
  const filter = { and: [{ field: 'status', op: 'eq', value: 'paid' }, { field: 'shop', op: 'eq', value: 's3' }] }
  await measure('newest 100 (sort -created)', () => records.list('orders', { sort: '-created', limit: 100 }), raw(`SELECT * FROM "f_orders" ${DESC} LIMIT 100`), '< 20 ms')
  await measure('newest 100, count=none', () => records.list('orders', { sort: '-created', limit: 100, total: false }), raw(`SELECT * FROM "f_orders" ${DESC} LIMIT 100`), '< 20 ms')
  await measure(
    'page of 100, filter status + shop, sort -created',
    () => records.list('orders', { filter, sort: '-created', limit: 100 }),
    raw(`SELECT * FROM "f_orders" WHERE "status" = 'paid' AND "shop" = 's3' ${DESC} LIMIT 100`),
    '< 100 ms',
  )
  await measure('page of 100, contains on buyer', () => records.list('orders', { filter: { field: 'buyer', op: 'contains', value: '买家123' }, limit: 100 }), null, '< 300 ms')
  const total = ROWS + 300
  // row 500,000, or 90% down a smaller table (its last 2% are the NULLs, measured below)
  const deep = Math.min(500_000, Math.floor(total * 0.9))
  for (const [sort, order, op] of [['-created', DESC, '<'], ['created', ASC, '>']] as const) {
    await measure(
      `page at row ${deep.toLocaleString()} by offset (sort ${sort})`,
      () => records.list('orders', { sort, limit: 100, offset: deep }),
      raw(`SELECT * FROM "f_orders" ${order} LIMIT 100 OFFSET ${deep}`),
      '—',
      5,
    )
    // a cursor to row `deep`: the next_cursor of the page before it
    const before = await records.list('orders', { sort, limit: 100, offset: deep - 100, total: false })
    const [at] = (await knex.raw(`SELECT "created", "id" FROM "f_orders" ${order} LIMIT 1 OFFSET ${deep - 1}`).then((r: any) => r.rows ?? r)) as { created: unknown; id: unknown }[]
    await measure(
      `page at row ${deep.toLocaleString()} by cursor (sort ${sort})`,
      () => records.list('orders', { sort, limit: 100, cursor: before.next_cursor!, total: false }),
      raw(`SELECT * FROM "f_orders" WHERE ("created", "id") ${op} (?, ?) ${order} LIMIT 100`, [at.created, at.id]),
      '< 20 ms',
    )
  }
  // the last page of a descending walk: the keyset's NULL branch
  const tail = await records.list('orders', { sort: '-created', limit: 100, offset: total - 200, total: false })
  await measure('cursor page among NULLs (sort -created)', () => records.list('orders', { sort: '-created', limit: 100, cursor: tail.next_cursor!, total: false }), null, '< 20 ms')
  // the total: counted once per table version, then remembered until a write
  await measure('total of the whole table, cached', () => records.list('orders', { limit: 1 }), raw('SELECT COUNT(*) AS n FROM "f_orders"'), '< 5 ms')
  let bump = 0
  await measure(
    'total of the whole table after a write (counted)',
    async () => {
      await knex('f_orders').where({ id: 1 }).update({ qty: 1 + (++bump % 5) })
      return records.list('orders', { limit: 1 })
    },
    async () => {
      await knex('f_orders').where({ id: 1 }).update({ qty: 1 + (++bump % 5) })
      return knex.raw('SELECT COUNT(*) AS n FROM "f_orders"')
    },
    '—',
    5,
  )
  // a filtered page with its total (cached) against the same page and a fresh COUNT in raw SQL
  const filteredPage = `SELECT * FROM "f_orders" WHERE "status" = 'paid' AND "shop" = 's3' ORDER BY "id" DESC LIMIT 100`
  const filteredCount = `SELECT COUNT(*) AS n FROM "f_orders" WHERE "status" = 'paid' AND "shop" = 's3'`
  await measure('page + total of status + shop, cached', () => records.list('orders', { filter, limit: 100 }), async () => [await knex.raw(filteredPage), await knex.raw(filteredCount)], '< 20 ms')
  await measure('page of status + shop, count=none', () => records.list('orders', { filter, limit: 100, total: false }), raw(filteredPage), '< 20 ms')

  // 5. The form designer on a full form: a field's type changed (values converted in place, old
  // ones kept in a backup column) and a required field with a default added to every record.
  const current = () => structuredClone(ctx.registry.require('orders').def)
  const retyped = current()
  Object.assign(retyped.fields.find((f) => f.key === 'province')!, { type: 'select', options: PROVINCES.map((p) => ({ value: p, label: p })) })
  const conversion = await time(() => saveForm(ctx, 'orders', retyped))
  const converted = conversion.result.impact.conversions[0]
  results.push([`change a field's type (text → select), ${ROWS.toLocaleString()} rows`, `${(conversion.ms / 1000).toFixed(2)} s (${converted.convertible} converted)`, '≤ 10 s'])
  const withRequired = current()
  withRequired.fields.push({ key: 'channel', type: 'text', label: '渠道', required: true, default: '淘宝' })
  const required = await time(() => saveForm(ctx, 'orders', withRequired))
  results.push([`add a required field with a default, ${ROWS.toLocaleString()} rows`, `${(required.ms / 1000).toFixed(2)} s`, '≤ 2 s'])

  // 6. One SKU on 10,000 parcel lines changes weight: every line weight and parcel total is
  //    recomputed in the same transaction (loaded, computed and written in chunks).
  const [hot] = await records.createManyIds('items', [{ code: 'HOT', weight: '0.100' }])
  for (let start = 0; start < HOT_LINES / 2; start += 1000) {
    await records.createManyIds('parcels', Array.from({ length: 1000 }, (_, k) => ({ ref: `P${start + k}`, lines: [{ item: hot, qty: 1 + ((start + k) % 3) }, { item: hot, qty: 1 }] })))
  }
  let weight = 100
  const refresh = await median(3, () => records.update('items', hot, { weight: `0.${++weight}` }))
  const check = await records.list('parcels', { filter: { field: 'ref', op: 'eq', value: 'P0' }, limit: 1 })
  const expected = `0.${String(weight * 2).padStart(3, '0')}`
  if (check.data[0]?.total_weight !== expected) throw new Error(`refresh left P0 at ${String(check.data[0]?.total_weight)}, not ${expected}`)
  results.push([`SKU weight change refreshing ${HOT_LINES.toLocaleString()} lines`, `${Math.round(refresh)} ms`, '< 5,000 ms'])

  const memory = process.memoryUsage()
  results.push(['peak resident memory (approx.)', `${Math.round(memory.rss / 1024 / 1024)} MB`, '—'])
  await ctx.db.close()
  fs.rmSync(dataDir, { recursive: true, force: true })

  const width = Math.max(...results.map((r) => r[0].length))
  for (const [name, value, third, fourth] of results) {
    const [floor, target] = fourth === undefined ? ['', third] : [third, fourth]
    console.log(`${name.padEnd(width)}  ${value.padEnd(34)} ${floor.padEnd(18)} target ${target}`)
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
