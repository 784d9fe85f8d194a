import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createContext } from '../../server/app'
import { loadConfig } from '../../server/config'
import type { AppContext } from '../../server/context'
import { startTestApp, type TestApp } from '../support/app'

/**
 * List order and paging against an oracle: every page the API gives, by offset or by cursor, is
 * the slice of the whole table sorted here in JavaScript (NULLs smallest, the id tie-break in the
 * direction of the last key) — also while rows come and go between pages. And the cached total
 * is exact after every kind of write, including one from another context on the same database.
 */
const pack = {
  format: 'zhanggui.pack/1',
  key: 'order_test',
  name: 'order test',
  version: '1.0.0',
  forms: [
    {
      key: 'rows',
      label: '行',
      fields: [
        { key: 'n', type: 'number', label: '数', index: true },
        { key: 't', type: 'text', label: '文', index: true },
        { key: 'd', type: 'date', label: '日' },
        { key: 'at', type: 'datetime', label: '时', index: true },
        { key: 'amount', type: 'money', label: '额' },
      ],
    },
  ],
}

type Row = Record<string, any>

/** A deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const rand = random(8)
const pick = <T,>(values: T[]) => values[Math.floor(rand() * values.length)]
const maybe = <T,>(value: T) => (rand() < 0.2 ? null : value)

function newRow(): Row {
  return {
    n: maybe(pick([0, 1, 2, 3, 4, 5, -1])),
    t: maybe(pick(['a1', 'a2', 'b1', 'b2', 'c0', 'k7'])),
    d: maybe(pick(['2026-01-01', '2026-01-02', '2026-02-28', '2026-12-31'])),
    at: maybe(pick(['2026-11-27 10:00:00', '2026-11-27 10:00:01', '2026-11-28 00:00:00', '2025-06-01 08:30:00', '2026-12-31 23:59:59'])),
    amount: maybe(pick(['1.00', '2.50', '10.00', '-3.20'])),
  }
}

/** How each field's API value compares: numbers numerically, the rest as the database compares text. */
function value(row: Row, key: string): number | string | null {
  const v = row[key]
  if (v === null || v === undefined) return null
  if (key === 'n' || key === 'id') return Number(v)
  if (key === 'amount') return Math.round(Number(v) * 100)
  return String(v)
}

function comparator(sort: string): (a: Row, b: Row) => number {
  const parts = sort ? sort.split(',') : []
  const keys = parts.filter((p) => p.replace(/^-/, '') !== 'id').map((p) => ({ key: p.replace(/^-/, ''), desc: p.startsWith('-') }))
  const explicit = parts.find((p) => p.replace(/^-/, '') === 'id')
  const idDesc = explicit !== undefined ? explicit.startsWith('-') : keys.length ? keys[keys.length - 1].desc : true
  keys.push({ key: 'id', desc: idDesc })
  return (a, b) => {
    for (const { key, desc } of keys) {
      const x = value(a, key)
      const y = value(b, key)
      const c = x === y ? 0 : x === null ? -1 : y === null ? 1 : x < y ? -1 : 1
      if (c !== 0) return desc ? -c : c
    }
    return 0
  }
}

const SORTS = ['n', '-n', 'at', '-at', 't,-n', '-t,n', 'd,at', '-d,-at', '-n,t,-at', 'amount,-d,t', 'id', '-id', '', 'n,-id', '-n,id']
const LIMIT = 7

let app: TestApp
beforeAll(async () => {
  app = await startTestApp({ packs: [pack] })
  const res = await app.api.post('/api/forms/rows/records', Array.from({ length: 120 }, newRow))
  expect(res.status).toBe(201)
})
afterAll(async () => {
  await app?.close()
})

async function list(body: Record<string, unknown>) {
  const res = await app.api.post('/api/forms/rows/records/query', body)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body as { data: Row[]; next_cursor: string | null; total?: number }
}

/** The whole table, read by id (independent of the order under test). */
async function everything(): Promise<Row[]> {
  const rows: Row[] = []
  for (let offset = 0; ; offset += 500) {
    const page = await list({ sort: 'id', limit: 500, offset })
    rows.push(...page.data)
    if (page.data.length < 500) return rows
  }
}

const ids = (rows: Row[]) => rows.map((r) => r.id)

async function churn() {
  // a few inserts (some sharing every sort value with existing rows) and a few deletes
  const all = await everything()
  const copies = all.slice(0, 2).map(({ n, t, d, at, amount }) => ({ n, t, d, at, amount }))
  expect((await app.api.post('/api/forms/rows/records', [newRow(), newRow(), ...copies])).status).toBe(201)
  const victims = [pick(all).id, pick(all).id].filter((v, i, a) => a.indexOf(v) === i)
  expect((await app.api.post('/api/forms/rows/records/delete', { ids: victims })).status).toBe(200)
}

describe('list order against a JavaScript oracle', () => {
  it.each(SORTS)('sort "%s": offset and cursor pages walk the table in the oracle order', async (sort) => {
    const expected = ids((await everything()).sort(comparator(sort)))
    const whole = await list({ sort, limit: 500 })
    expect(ids(whole.data)).toEqual(expected)
    expect(whole.total).toBe(expected.length)

    const byOffset: number[] = []
    for (let offset = 0; offset < expected.length; offset += LIMIT) byOffset.push(...ids((await list({ sort, limit: LIMIT, offset })).data))
    expect(byOffset).toEqual(expected)

    const byCursor: number[] = []
    let cursor: string | null = null
    do {
      const page: Awaited<ReturnType<typeof list>> = await list({ sort, limit: LIMIT, ...(cursor ? { cursor } : {}) })
      byCursor.push(...ids(page.data))
      cursor = page.next_cursor
    } while (cursor)
    expect(byCursor).toEqual(expected)
  })

  it.each(['-at', 'n', '-n,t,-at', 't,-n', ''])('sort "%s": pages stay right while rows are inserted and deleted between them', async (sort) => {
    const order = comparator(sort)
    // by cursor: each page is what follows the last row seen, in the table as it is now
    let cursor: string | null = null
    let last: Row | null = null
    let pages = 0
    do {
      const page: Awaited<ReturnType<typeof list>> = await list({ sort, limit: LIMIT, ...(cursor ? { cursor } : {}) })
      const now = (await everything()).sort(order)
      const after = last ? now.filter((r) => order(r, last!) > 0) : now
      expect(ids(page.data)).toEqual(ids(after.slice(0, LIMIT)))
      last = page.data[page.data.length - 1] ?? last
      cursor = page.next_cursor
      if (++pages % 2 === 0) await churn()
    } while (cursor)
    // by offset: each page is that slice of the table as it is now
    for (let offset = 0, total = Infinity; offset < total; offset += LIMIT) {
      const page = await list({ sort, limit: LIMIT, offset })
      const now = (await everything()).sort(order)
      expect(ids(page.data)).toEqual(ids(now.slice(offset, offset + LIMIT)))
      expect(page.total).toBe(now.length)
      total = now.length
      if (offset % (3 * LIMIT) === 0) await churn()
    }
  })
})

describe('indexes serve the list order', () => {
  /** the page query the API ran (ids and sort values), and the plan the database makes for it */
  async function plan(body: Record<string, unknown>): Promise<string> {
    const knex = app.ctx.db.knex
    let page: { sql: string; bindings: unknown[] } | null = null
    const listener = (q: { sql: string; bindings: unknown[] }) => {
      if (q.sql.includes('"__s0"') && !page) page = q
    }
    knex.on('query', listener)
    try {
      await list(body)
    } finally {
      knex.off('query', listener)
    }
    const { sql, bindings } = page!
    if (app.database.kind === 'sqlite') {
      const rows = await knex.raw(`EXPLAIN QUERY PLAN ${sql}`, bindings as never[])
      return rows.map((r: { detail: string }) => r.detail).join('\n')
    }
    // a tiny table would be read whole; what matters here is whether an index can give the order
    return knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL enable_seqscan = off')
      // the driver saw $1, $2 …; knex binds ?
      const result = await trx.raw(`EXPLAIN ${sql.replace(/\$\d+/g, '?')}`, bindings as never[])
      return result.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n')
    })
  }
  const sorted = (text: string) => /TEMP B-TREE|Sort Key|Sort\b/.test(text.replace(/Merge Append/g, ''))

  it.each(['-at', 'at', '-n', 'n', 't', '-t'])('sort "%s": a page and a deep offset read an index in order, without sorting', async (sort) => {
    for (const body of [{ sort, limit: 5 }, { sort, limit: 5, offset: 60 }]) {
      const text = await plan(body)
      expect(text, text).toMatch(/INDEX|Index/)
      expect(sorted(text), text).toBe(false)
    }
  })

  it.each(['-at', 'at', '-n'])('sort "%s": a cursor page reads each branch from the index', async (sort) => {
    const middle = (await list({ sort, limit: 40 })).next_cursor!
    const text = await plan({ sort, limit: 5, cursor: middle })
    // each UNION ALL branch is an index range; only the few rows they return are sorted again
    for (const branch of text.split(/CO-ROUTINE|Subquery Scan/).slice(1)) expect(/INDEX|Index/.test(branch), text).toBe(true)
    if (app.database.kind === 'sqlite') expect((text.match(/SCAN t\b/g) ?? []).length, text).toBe(0)
    else expect(text, text).not.toMatch(/Seq Scan/)
  })
})

describe('totals', () => {
  let other: AppContext
  beforeAll(async () => {
    other = await createContext({ ...loadConfig({}), port: 0, dataDir: app.database.dataDir, databaseUrl: app.database.databaseUrl, demo: false })
  })
  afterAll(async () => {
    await other?.db.close()
  })

  const filter = { field: 'n', op: 'eq', value: 3 }
  const expectTotals = async () => {
    const rows = await everything()
    expect((await list({ limit: 1 })).total).toBe(rows.length)
    expect((await list({ filter, limit: 1 })).total).toBe(rows.filter((r) => value(r, 'n') === 3).length)
  }

  it('is exact after every write path, in this context and in another one on the same database', async () => {
    await expectTotals()
    // this server: create, update into and out of the filter, delete
    const created = (await app.api.post('/api/forms/rows/records', { n: 3 })).body.data
    await expectTotals()
    expect((await app.api.patch(`/api/forms/rows/records/${created.id}`, { n: 4 })).status).toBe(200)
    await expectTotals()
    expect((await app.api.patch(`/api/forms/rows/records/${created.id}`, { n: 3 })).status).toBe(200)
    await expectTotals()
    expect((await app.api.delete(`/api/forms/rows/records/${created.id}`)).status).toBe(204)
    await expectTotals()

    // another context (its own connections, as another process would have): the records service
    const [a, b] = await other.records.createManyIds('rows', [{ n: 3 }, { n: 3, t: 'zz' }])
    await expectTotals()
    await other.records.update('rows', a, { n: 5 })
    await expectTotals()
    await other.records.transaction(async (service) => {
      await service.delete('rows', b)
      await service.create('rows', { n: 3 })
    })
    await expectTotals()
    // a write the records service never saw (a migration, a script) is noticed too
    await other.db.knex('f_rows').where({ id: a }).update({ n: 3 })
    await expectTotals()
    await other.db.knex('f_rows').where({ n: 3 }).delete()
    await expectTotals()
    // a rolled-back write changes nothing
    await other.db.knex
      .transaction(async (trx) => {
        await trx('f_rows').insert({ n: 3, version: 1, created_at: Date.now(), updated_at: Date.now() })
        throw new Error('roll back')
      })
      .catch(() => undefined)
    await expectTotals()
  })

  it('is counted once per table version: a repeated list does not count again until a write', async () => {
    const counts: string[] = []
    const listener = (q: { sql: string }) => {
      if (/COUNT\(\*\)/.test(q.sql)) counts.push(q.sql)
    }
    app.ctx.db.knex.on('query', listener)
    try {
      await list({ filter, limit: 3 })
      await list({ filter, limit: 3, offset: 3 })
      await list({ filter, limit: 3, sort: '-at' })
      expect(counts.length).toBeLessThanOrEqual(1)
      counts.length = 0
      await other.records.create('rows', { n: 3 })
      await expectTotals()
      expect(counts.length).toBe(2)
    } finally {
      app.ctx.db.knex.off('query', listener)
    }
  })

  it('is left out with count=none', async () => {
    const res = await app.api.get('/api/forms/rows/records?limit=2&count=none')
    expect(res.status).toBe(200)
    expect(res.body.data).toHaveLength(2)
    expect(res.body).not.toHaveProperty('total')
    expect((await app.api.get('/api/forms/rows/records?limit=2&count=exact')).body.total).toBeGreaterThan(2)
    expect((await app.api.get('/api/forms/rows/records?count=some')).status).toBe(400)
  })

  it('bumps a table version once per committed write', async () => {
    const version = async () => Number((await app.ctx.db.knex('zg_table_versions').where({ table_name: 'f_rows' }).first())?.version)
    const before = await version()
    await app.api.post('/api/forms/rows/records', [{ n: 1 }, { n: 2 }])
    expect(await version()).toBeGreaterThan(before)
  })
})
