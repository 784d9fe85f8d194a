import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RecordsService } from '../../server/records/service'
import { startTestApp, type TestApp } from '../support/app'
import { erp } from '../support/erp'
import { expectStockConsistent } from '../support/invariants'

/**
 * Two writers at once, the first holding its transaction open. On PostgreSQL they really run side
 * by side (row locks decide); on SQLite the second waits for the first. Either way the outcome
 * must be the one a serial order would give.
 */
let app: TestApp
let t: ReturnType<typeof erp>
let data: Awaited<ReturnType<ReturnType<typeof erp>['masterData']>>

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false } })
  t = erp(app.api)
  data = await t.masterData([{ outer_id: 'A1' }])
})
afterAll(async () => {
  await app?.close()
})

/** Runs `first` in a transaction that stays open until `second` has started (and had time to block). */
async function overlapping<T>(first: (service: RecordsService) => Promise<unknown>, second: () => Promise<T>): Promise<PromiseSettledResult<T>> {
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  let started!: () => void
  const firstDone = new Promise<void>((resolve) => (started = resolve))
  const one = app.ctx.records.transaction(async (service) => {
    await first(service)
    started()
    await gate
  })
  await firstDone
  const two = second().then(
    (value) => ({ status: 'fulfilled', value }) as const,
    (reason) => ({ status: 'rejected', reason }) as const,
  )
  await new Promise((resolve) => setTimeout(resolve, 300))
  release()
  await one
  return two
}

describe('concurrent writes', () => {
  it('two receipts of one SKU into two warehouses both reach its rollup total', async () => {
    const sku = data.skus[0].id
    const receipt = (warehouse: number, qty: number) =>
      app.ctx.records.create('stock_in', { type: 'other', warehouse, lines: [{ sku, qty_received: qty, qty_accepted: qty, unit_cost: '10.00' }] })
    const one = await receipt(data.main.id, 5)
    const two = await receipt(data.returns.id, 7)
    const result = await overlapping(
      (service) => service.runAction('stock_in', one.id, 'submit'),
      () => app.ctx.records.runAction('stock_in', two.id, 'submit'),
    )
    expect(result.status).toBe('fulfilled')
    expect((await t.get('skus', sku)).on_hand_total).toBe('12')
    await expectStockConsistent(app.ctx.db.knex)
  })

  it('a record being deleted cannot be linked by another write', async () => {
    const warehouse = await t.create('warehouses', { code: 'TMP', name: '临时仓', type: 'main' })
    const result = await overlapping(
      (service) => service.delete('warehouses', warehouse.id),
      () => app.ctx.records.create('stock_in', { type: 'other', warehouse: warehouse.id, lines: [{ sku: data.skus[0].id, qty_received: 1, qty_accepted: 1 }] }),
    )
    expect(result.status).toBe('rejected')
    expect(String((result as PromiseRejectedResult).reason?.message)).toMatch(/no "仓库" record with id/)
    expect((await app.api.get(`/api/forms/warehouses/records/${warehouse.id}`)).status).toBe(404)
  })

  it('a record linked by an open write cannot be deleted under it', async () => {
    const warehouse = await t.create('warehouses', { code: 'TMP2', name: '临时仓2', type: 'main' })
    const result = await overlapping(
      (service) => service.create('stock_in', { type: 'other', warehouse: warehouse.id, lines: [{ sku: data.skus[0].id, qty_received: 1, qty_accepted: 1 }] }),
      () => app.ctx.records.delete('warehouses', warehouse.id),
    )
    expect(result.status).toBe('rejected')
    expect((await app.api.get(`/api/forms/warehouses/records/${warehouse.id}`)).status).toBe(200)
  })
})
