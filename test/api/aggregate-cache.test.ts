import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createContext } from '../../server/app'
import { loadConfig } from '../../server/config'
import type { AppContext } from '../../server/context'
import { startTestApp, type TestApp } from '../support/app'

/**
 * Aggregate results are remembered per table version: a repeated question is answered from
 * memory, and every write — through the service, inside a transaction, to a linked table whose
 * names the result shows, or by another process on the same database — is seen at once.
 */
const label = (zh: string, en: string) => ({ 'zh-CN': zh, en })
const pack = {
  format: 'zhanggui.pack/1',
  key: 'aggcache',
  name: label('汇总缓存', 'Aggregate cache'),
  version: '1.0.0',
  forms: [
    { key: 'outlets', label: label('店铺', 'Outlets'), title_field: 'name', fields: [{ key: 'name', type: 'text', label: label('名称', 'Name') }] },
    {
      key: 'sales',
      label: label('销售', 'Sales'),
      fields: [
        { key: 'outlet', type: 'link', label: label('店铺', 'Outlet'), form: 'outlets', display_field: 'name' },
        { key: 'amount', type: 'money', label: label('金额', 'Amount') },
      ],
    },
  ],
}
const question = { group_by: ['outlet'], measures: [{ fn: 'sum', field: 'amount', as: 'total' }, { fn: 'count', as: 'n' }], sort: ['outlet'] }

describe('aggregate results cached per table version', () => {
  let app: TestApp
  let other: AppContext
  beforeAll(async () => {
    app = await startTestApp({ packs: [pack] })
    // a second process's view of the same database: its own connection pool and caches
    other = await createContext({ ...loadConfig({}), port: 0, dataDir: app.database.dataDir, databaseUrl: app.database.databaseUrl, demo: false })
  })
  afterAll(async () => {
    await other?.db.close()
    await app?.close()
  })

  it('sees every write path at once', async () => {
    const records = app.ctx.records
    const [a, b] = await records.createManyIds('outlets', [{ name: 'A' }, { name: 'B' }])
    const [first] = await records.createManyIds('sales', [
      { outlet: a, amount: '1.10' },
      { outlet: b, amount: '2.20' },
    ])
    const read = async () => (await records.aggregate('sales', question as never)).data.map((r: any) => [r.outlet?.display ?? null, r.total, Number(r.n)])
    expect(await read()).toEqual([['A', '1.10', 1], ['B', '2.20', 1]])
    expect(await read()).toEqual([['A', '1.10', 1], ['B', '2.20', 1]])

    await records.update('sales', first, { amount: '1.15' })
    expect(await read()).toEqual([['A', '1.15', 1], ['B', '2.20', 1]])

    await records.transaction(async (service) => {
      await service.createManyIds('sales', [{ outlet: a, amount: '0.05' }])
      // inside the transaction: its own uncommitted write, never a remembered answer
      const inside = await service.aggregate('sales', question as never)
      expect(inside.data.map((r: any) => r.total)).toEqual(['1.20', '2.20'])
    })
    expect(await read()).toEqual([['A', '1.20', 2], ['B', '2.20', 1]])

    // a linked record renamed: the group's display changes
    await records.update('outlets', b, { name: 'B2' })
    expect(await read()).toEqual([['A', '1.20', 2], ['B2', '2.20', 1]])

    // another process writes: this process's remembered answer is not reused
    await other.registry.load()
    await other.records.createManyIds('sales', [{ outlet: b, amount: '0.80' }])
    expect(await read()).toEqual([['A', '1.20', 2], ['B2', '3.00', 2]])
    await other.records.delete('sales', first)
    expect(await read()).toEqual([['A', '0.05', 1], ['B2', '3.00', 2]])
  })
})
