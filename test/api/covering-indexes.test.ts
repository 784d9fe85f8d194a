import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installPack } from '../../server/forms/installer'
import { indexName } from '../../server/forms/ddl'
import { selectRows } from '../../server/query/sql'
import { startTestApp, type TestApp } from '../support/app'
import { taobaoErpPack } from '../support/packs'

/**
 * Composite (covering) indexes declared on forms — `indexes: [{fields: [...]}]`, system columns
 * such as created_at included — are created on install and on upgrade, dropped when the pack no
 * longer declares them, and change no answer: aggregates read the same before and after, and
 * after writes through the records service.
 */
const label = (zh: string, en: string) => ({ 'zh-CN': zh, en })

function ledgerPack(indexes: { fields: string[] }[] | undefined, version: string): any {
  return {
    format: 'zhanggui.pack/1',
    key: 'covering',
    name: label('覆盖索引', 'Covering'),
    version,
    forms: [
      {
        key: 'moves',
        label: label('流水', 'Moves'),
        fields: [
          { key: 'kind', type: 'select', label: label('类型', 'Kind'), options: ['sale', 'loss'].map((v) => ({ value: v, label: label(v, v) })) },
          { key: 'item', type: 'text', label: label('货品', 'Item') },
          { key: 'qty', type: 'number', label: label('数量', 'Qty') },
          { key: 'value', type: 'money', label: label('金额', 'Value') },
        ],
        ...(indexes ? { indexes } : {}),
      },
    ],
  }
}

async function indexColumns(app: TestApp, table: string, name: string): Promise<string[] | null> {
  const knex = app.ctx.db.knex
  if (app.database.kind === 'postgres') {
    const rows = await selectRows(
      knex,
      `SELECT a.attname AS col FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) ON true JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
       WHERE t.relname = ? AND i.relname = ? ORDER BY k.n`,
      [table, name],
    )
    // PostgreSQL's non-unique form indexes end in id, the list order's tie-break (Dialect.indexColumns)
    const cols = rows.map((r) => String(r.col))
    return cols.length ? (cols.at(-1) === 'id' ? cols.slice(0, -1) : cols) : null
  }
  const exists = await selectRows(knex, `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name = ?`, [table, name])
  if (!exists.length) return null
  return (await selectRows(knex, `SELECT name FROM pragma_index_info(?) ORDER BY seqno`, [name])).map((r) => String(r.name))
}

const YEAR = { and: [{ field: 'created_at', op: 'gte', value: '2020-01-01' }, { field: 'created_at', op: 'lt', value: '2100-01-01' }] }
const question = { filter: { and: [{ field: 'kind', op: 'eq', value: 'sale' }, YEAR] }, group_by: ['item'], measures: [{ fn: 'sum', field: 'value', as: 'value' }, { fn: 'sum', field: 'qty', as: 'qty' }, { fn: 'count', as: 'n' }], sort: ['item'] }

describe('covering indexes declared in templates', () => {
  let app: TestApp
  beforeAll(async () => {
    app = await startTestApp()
  })
  afterAll(async () => {
    await app?.close()
  })

  it('are created on upgrade (system columns too), change no aggregate, and are dropped when no longer declared', async () => {
    const records = app.ctx.records
    await installPack(app.ctx.db, app.ctx.registry, ledgerPack(undefined, '1.0.0'))
    await records.createMany(
      'moves',
      Array.from({ length: 60 }, (_, i) => ({ kind: i % 3 ? 'sale' : 'loss', item: `I${i % 7}`, qty: String(i % 5), value: `${i}.${String(i % 100).padStart(2, '0')}` })),
    )
    const before = await records.aggregate('moves', question as never)
    expect(before.data.length).toBe(7)

    const covering = ['kind', 'created_at', 'item', 'qty', 'value']
    await installPack(app.ctx.db, app.ctx.registry, ledgerPack([{ fields: covering }], '1.1.0'))
    expect(await indexColumns(app, 'f_moves', indexName('f_moves', covering, false))).toEqual(covering)
    expect(await records.aggregate('moves', question as never)).toEqual(before)

    // every write path keeps the indexed answer exact: create, update, delete
    const [id] = await records.createManyIds('moves', [{ kind: 'sale', item: 'I0', qty: '2', value: '10.01' }])
    await records.update('moves', id, { value: '10.02', item: 'I1' })
    const gone = (await records.list('moves', { filter: { field: 'item', op: 'eq', value: 'I2' }, limit: 1 })).data[0]
    await records.delete('moves', gone.id)
    const after = await records.aggregate('moves', question as never)
    const oracle = await selectRows(
      app.ctx.db.knex,
      `SELECT item, SUM(value) AS value, SUM(qty) AS qty, COUNT(*) AS n FROM f_moves WHERE kind = 'sale' GROUP BY item ORDER BY item`,
      [],
    )
    const scale = (v: unknown) => Number(v) / 100
    expect(after.data.map((r) => [r.item, Number(r.value), Number(r.n)])).toEqual(oracle.map((r) => [r.item, scale(r.value), Number(r.n)]))

    await installPack(app.ctx.db, app.ctx.registry, ledgerPack(undefined, '1.2.0'))
    expect(await indexColumns(app, 'f_moves', indexName('f_moves', covering, false))).toBeNull()
    expect(await records.aggregate('moves', question as never)).toEqual(after)
  })

  it('the Taobao ERP orders get their dashboard indexes on install and on upgrade from a pack without them', async () => {
    const pack = taobaoErpPack()
    const orders = pack.forms.find((f: any) => f.key === 'orders')
    const declared: { fields: string[] }[] = orders.indexes
    expect(declared.length).toBeGreaterThan(0)
    delete orders.indexes
    await installPack(app.ctx.db, app.ctx.registry, pack)
    for (const index of declared) expect(await indexColumns(app, 'f_orders', indexName('f_orders', index.fields, false))).toBeNull()

    await installPack(app.ctx.db, app.ctx.registry, taobaoErpPack())
    for (const index of declared) expect(await indexColumns(app, 'f_orders', indexName('f_orders', index.fields, false))).toEqual(index.fields)
  })

  it('a sub-form declares indexes of its lines, parent_id included, created on upgrade and refused on an unknown field', async () => {
    const pack = ledgerPack(undefined, '2.0.0')
    pack.forms[0].fields.push({ key: 'parts', type: 'sub_form', label: label('明细', 'Parts'), fields: [{ key: 'part', type: 'text', label: label('件', 'Part') }, { key: 'n', type: 'number', label: label('数', 'N') }] })
    await installPack(app.ctx.db, app.ctx.registry, pack)
    const covering = ['parent_id', 'part', 'n']
    expect(await indexColumns(app, 'f_moves__parts', indexName('f_moves__parts', covering, false))).toBeNull()
    pack.version = '2.1.0'
    pack.forms[0].fields.at(-1).indexes = [{ fields: covering }]
    await installPack(app.ctx.db, app.ctx.registry, pack)
    expect(await indexColumns(app, 'f_moves__parts', indexName('f_moves__parts', covering, false))).toEqual(covering)
    pack.version = '2.2.0'
    pack.forms[0].fields.at(-1).indexes = [{ fields: ['parent_id', 'nope'] }]
    await expect(installPack(app.ctx.db, app.ctx.registry, pack)).rejects.toThrow(/nope/)
  })

  it('a fresh install creates them', async () => {
    const fresh = await startTestApp({ bundled: { sampleData: false } })
    try {
      const orders = fresh.ctx.registry.require('orders')
      for (const index of orders.def.indexes ?? []) expect(await indexColumns(fresh, 'f_orders', indexName('f_orders', index.fields, false))).toEqual(index.fields)
      const lines = ['parent_id', 'sku', 'qty', 'payment']
      expect(await indexColumns(fresh, 'f_orders__lines', indexName('f_orders__lines', lines, false))).toEqual(lines)
      if (fresh.database.kind === 'sqlite') {
        // the sales dashboard's year of paid orders is read from the index alone
        const plan = await selectRows(
          fresh.ctx.db.knex,
          `EXPLAIN QUERY PLAN SELECT SUM(order_total), COUNT(*) FROM f_orders WHERE paid_at IS NOT NULL AND merged_into IS NULL AND paid_at >= 1 AND paid_at < 2`,
          [],
        )
        expect(plan.map((r) => String(r.detail)).join('\n')).toMatch(/COVERING INDEX/)
      }
    } finally {
      await fresh.close()
    }
  })
})
