import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RecordsService } from '../../server/records/service'
import { startTestApp, type TestApp } from '../support/app'
import { chainPack } from '../support/chain-pack'
import { erp } from '../support/erp'

let app: TestApp
let t: ReturnType<typeof erp>
let data: Awaited<ReturnType<ReturnType<typeof erp>['masterData']>>

beforeAll(async () => {
  app = await startTestApp({ bundled: { sampleData: false }, packs: [chainPack()] })
  t = erp(app.api)
  data = await t.masterData([
    { outer_id: 'W-1', weight: '1.000' },
    { outer_id: 'W-2', weight: '0.250' },
    { outer_id: 'W-3', weight: '0.100' },
  ])
})
afterAll(async () => {
  await app?.close()
})

const patch = (form: string, id: number, body: Record<string, unknown>) => t.ok(app.api.patch(`/api/forms/${form}/records/${id}`, body))

describe('stored values that read a linked record (Taobao ERP orders)', () => {
  it('refreshes line_weight and total_weight of every order on the SKU, without a version bump', async () => {
    const [w1, w2] = data.skus
    const one = await t.create('orders', { shop: data.shop.id, lines: [{ sku: w1.id, qty: 2 }] })
    const two = await t.create('orders', { shop: data.shop.id, lines: [{ sku: w2.id, qty: 4 }, { sku: w1.id, qty: 3 }, { qty: 1 }] })
    expect(one.lines[0]).toMatchObject({ weight: '1.000', line_weight: '2.000' })
    expect(one.total_weight).toBe('2.000')
    expect(two.total_weight).toBe('4.000')

    await patch('skus', w1.id, { weight: '5.000' })
    const after = await t.get('orders', one.id)
    expect(after.lines[0]).toMatchObject({ weight: '5.000', line_weight: '10.000' })
    expect(after.total_weight).toBe('10.000')
    expect(after.version).toBe(one.version)
    const other = await t.get('orders', two.id)
    expect(other.lines.map((l: any) => l.line_weight)).toEqual(['1.000', '15.000', '0.000'])
    expect(other.total_weight).toBe('16.000')
    expect(other.version).toBe(two.version)

    // Exact at the field's scale: 0.001 × 3 lines, no float drift.
    await patch('skus', w1.id, { weight: '0.001' })
    expect((await t.get('orders', two.id)).total_weight).toBe('1.003')
    // Blank weight: the lookup is blank, the line weight counts it as 0.
    await patch('skus', w1.id, { weight: null })
    expect((await t.get('orders', one.id)).lines[0]).toMatchObject({ weight: null, line_weight: '0.000' })
  })

  it('keeps line_weight when a rollup elsewhere refreshes the order (an after-sales refund)', async () => {
    const order = await t.create('orders', { shop: data.shop.id, lines: [{ sku: data.skus[1].id, qty: 4, payment: '20.00' }] })
    expect(order.lines[0].line_weight).toBe('1.000')
    // The status is the workflow's to set: written as the system, as the refund action does.
    await app.ctx.records.create('after_sales', { type: 'refund_only', status: 'refunded', order: order.id, lines: [{ order_line: order.lines[0].id, qty: 1 }] })
    const after = await t.get('orders', order.id)
    // 1 of the line's 4 units: a quarter of its payment
    expect(after.refunded_amount).toBe('5.00')
    expect(after.net_amount).toBe('15.00')
    expect(after.lines[0].line_weight).toBe('1.000')
    expect(after.total_weight).toBe('1.000')
  })

  it('refreshes the lines of many orders in one write (set of SKUs changed by an import)', async () => {
    const sku = data.skus[2]
    const orders = await t.ok(app.api.post('/api/forms/orders/records', Array.from({ length: 30 }, (_, i) => ({ shop: data.shop.id, lines: [{ sku: sku.id, qty: i + 1 }] }))), 201)
    const result = await app.ctx.records.upsertMany('skus', [{ outer_id: 'W-3', weight: '0.200' }], { by: ['outer_id'] })
    expect(result.updated).toBe(1)
    const ids = orders.data.map((o: any) => o.id)
    const after = await t.list('orders', { filter: { field: 'id', op: 'in', value: ids }, sort: 'id' })
    const grams = (i: number) => (i + 1) * 200 // 0.200 kg per unit, in whole grams: exact
    expect(after.map((o: any) => o.total_weight)).toEqual(ids.map((_: number, i: number) => `${Math.floor(grams(i) / 1000)}.${String(grams(i) % 1000).padStart(3, '0')}`))
  })
})

describe('writers side by side', () => {
  /** Runs `first` in a transaction that stays open until `second` has started (and had time to block). */
  async function overlapping<T>(first: (service: RecordsService) => Promise<unknown>, second: () => Promise<T>): Promise<T> {
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
    const two = second()
    await new Promise((resolve) => setTimeout(resolve, 300))
    release()
    await one
    return two
  }

  it('an order written while a SKU weight change is open reads the new weight', async () => {
    const [sku] = (await t.ok(app.api.post('/api/forms/skus/records', [{ product: data.product.id, outer_id: 'OPEN-1', weight: '1.000' }]), 201)).data
    const order = await overlapping(
      (service) => service.update('skus', sku.id, { weight: '2.000' }),
      () => app.ctx.records.create('orders', { shop: data.shop.id, lines: [{ sku: sku.id, qty: 3 }] }),
    )
    expect((await t.get('orders', order.id)).total_weight).toBe('6.000')
  })

  it('a SKU weight change waits for an open order write on that SKU, then refreshes it', async () => {
    const [sku] = (await t.ok(app.api.post('/api/forms/skus/records', [{ product: data.product.id, outer_id: 'OPEN-2', weight: '1.000' }]), 201)).data
    let created!: { id: number }
    await overlapping(
      async (service) => (created = await service.create('orders', { shop: data.shop.id, lines: [{ sku: sku.id, qty: 3 }] })),
      () => app.ctx.records.update('skus', sku.id, { weight: '2.000' }),
    )
    expect((await t.get('orders', created.id)).total_weight).toBe('6.000')
  })

  it('leaves no stale line weight when SKU weights and order lines change at the same time', async () => {
    const [sku] = await t.ok(app.api.post('/api/forms/skus/records', [{ product: data.product.id, outer_id: 'RACE-1', weight: '1.000' }]), 201).then((b) => b.data)
    const orders = (await t.ok(app.api.post('/api/forms/orders/records', Array.from({ length: 3 }, () => ({ shop: data.shop.id, lines: [{ sku: sku.id, qty: 1 }] }))), 201)).data
    const writes: Promise<{ status: number }>[] = []
    // On PostgreSQL an order edit and a SKU edit can deadlock (order → SKU against SKU → order):
    // the database gives up one, which is tried again, so every write still succeeds.
    for (let round = 1; round <= 3; round++) {
      writes.push(app.api.patch(`/api/forms/skus/records/${sku.id}`, { weight: `${round + 1}.000` }))
      for (const order of orders) writes.push(app.api.patch(`/api/forms/orders/records/${order.id}`, { lines: [{ id: order.lines[0].id, qty: round + 1 }] }))
    }
    expect((await Promise.all(writes)).map((r) => r.status)).toEqual(writes.map(() => 200))
    const weight = (await t.get('skus', sku.id)).weight
    for (const order of orders) {
      const after = await t.get('orders', order.id)
      const qty = Number(after.lines[0].qty)
      const expected = `${qty * Number(weight.split('.')[0])}.000`
      expect([after.lines[0].line_weight, after.total_weight]).toEqual([expected, expected])
    }
  })
})

describe('a chain of two links (makers → parts → build lines)', () => {
  async function setUp() {
    const maker = await t.create('makers', { name: '甲厂', rate: '1.50' })
    const other = await t.create('makers', { name: '乙厂', rate: '3.00' })
    const part = await t.create('parts', { code: 'P-1', maker: maker.id, cost: '10.00' })
    const project = await t.create('projects', { name: '一号', budget: '1000.00' })
    const build = await t.create('builds', { project: project.id, lines: [{ part: part.id, qty: 2 }] })
    return { maker, other, part, project, build }
  }

  it('computes values two links away when the line is written', async () => {
    const { part, build, project } = await setUp()
    expect(part.unit_price).toBe('15.00')
    expect(build.lines[0]).toMatchObject({ unit_price: '15.00', maker_rate: '1.50', amount: '30.00', rated_qty: '3.00' })
    expect(build).toMatchObject({ total: '30.00', rated_total: '3.00', with_tax: '33.90' })
    expect((await t.get('projects', project.id)).budget_left).toBe('966.10')
  })

  it('refreshes every stored value down the chain when the far record changes', async () => {
    const { maker, part, build, project } = await setUp()
    const projectVersion = (await t.get('projects', project.id)).version
    await patch('makers', maker.id, { rate: '2.00' })
    const partAfter = await t.get('parts', part.id)
    expect(partAfter).toMatchObject({ maker_rate: '2.00', unit_price: '20.00', version: part.version })
    const after = await t.get('builds', build.id)
    expect(after.lines[0]).toMatchObject({ unit_price: '20.00', maker_rate: '2.00', amount: '40.00', rated_qty: '4.00' })
    expect(after).toMatchObject({ total: '40.00', rated_total: '4.00', with_tax: '45.20', version: build.version })
    expect(await t.get('projects', project.id)).toMatchObject({ build_total: '45.20', budget_left: '954.80', version: projectVersion })
  })

  it('refreshes them when the middle record is re-linked to another far record', async () => {
    const { other, part, build, project } = await setUp()
    const relinked = await patch('parts', part.id, { maker: other.id })
    expect(relinked.data).toMatchObject({ maker_rate: '3.00', unit_price: '30.00' })
    const after = await t.get('builds', build.id)
    expect(after.lines[0]).toMatchObject({ unit_price: '30.00', maker_rate: '3.00', amount: '60.00', rated_qty: '6.00' })
    expect(after).toMatchObject({ total: '60.00', rated_total: '6.00', with_tax: '67.80', version: build.version })
    expect((await t.get('projects', project.id)).budget_left).toBe('932.20')
  })

  it('refreshes submitted documents too: the values are derived, not entered', async () => {
    const { maker, build } = await setUp()
    const submitted = await t.submit('builds', build.id)
    expect(submitted.doc_status).toBe('submitted')
    await patch('makers', maker.id, { rate: '0.50' })
    const after = await t.get('builds', build.id)
    expect(after).toMatchObject({ doc_status: 'submitted', total: '10.00', rated_total: '1.00', with_tax: '11.30', version: submitted.version })
  })

  it('refreshes in the same transaction as the write: a refused write changes nothing', async () => {
    const { maker, build } = await setUp()
    await expect(
      app.ctx.records.transaction(async (service) => {
        await service.update('makers', maker.id, { rate: '9.00' })
        expect((await service.get('builds', build.id)).total).toBe('180.00')
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    expect((await t.get('builds', build.id)).total).toBe('30.00')
    expect((await t.get('parts', (await t.get('builds', build.id)).lines[0].part.id)).unit_price).toBe('15.00')
  })
})
