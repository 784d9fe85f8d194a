import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'
import { inventoryPack } from '../support/inventory-pack'

let app: TestApp
let tee: number
let main: number
let loose: number

beforeAll(async () => {
  app = await startTestApp({ packs: [inventoryPack()] })
  tee = (await app.api.post('/api/forms/goods/records', { code: 'TEE' })).body.data.id
  main = (await app.api.post('/api/forms/depots/records', { name: '主仓' })).body.data.id
  loose = (await app.api.post('/api/forms/depots/records', { name: '寄售仓', allow_negative: true })).body.data.id
})
afterAll(async () => {
  await app?.close()
})

async function level(depot = main) {
  const res = await app.api.post('/api/forms/levels/records/query', { filter: { and: [{ field: 'item', op: 'eq', value: tee }, { field: 'depot', op: 'eq', value: depot }] } })
  return res.body.data[0]
}
async function doc(form: string, depot: number, lines: unknown[]) {
  const created = await app.api.post(`/api/forms/${form}/records`, { depot, lines })
  expect(created.status).toBe(201)
  return created.body.data
}
async function act(form: string, id: number, action: string) {
  return app.api.post(`/api/forms/${form}/records/${id}/actions/${action}`)
}

/** The balance equals the sum of its ledger lines. */
async function expectLedgerMatchesBalance(depot = main) {
  const moves = (await app.api.post('/api/forms/moves/records/query', { filter: { and: [{ field: 'item', op: 'eq', value: tee }, { field: 'depot', op: 'eq', value: depot }] }, limit: 500 })).body.data
  const sum = (key: string) => moves.reduce((n: number, m: any) => n + Math.round(Number(m[key]) * 100), 0) / 100
  const balance = await level(depot)
  expect(Number(balance.on_hand)).toBe(sum('qty'))
  expect(Number(balance.amount)).toBeCloseTo(sum('amount'), 2)
}

describe('document rules declared in a test-only template', () => {
  it('posts on submit, values issues at moving-average cost, and voids exactly', async () => {
    const r1 = await doc('receipts', main, [{ item: tee, qty: 10, unit_cost: '10.00' }])
    expect((await act('receipts', r1.id, 'submit')).status).toBe(200)
    const r2 = await doc('receipts', main, [{ item: tee, qty: 5, unit_cost: '13.00' }])
    await act('receipts', r2.id, 'submit')
    expect(await level()).toMatchObject({ on_hand: '15', amount: '165.00', unit_cost: '11.0000' })

    // 3 of 15 units worth 165.00 → 33.00; then 7 of 12 worth 132.00 → 77.00
    const i1 = await doc('issues', main, [{ item: tee, qty: 3 }])
    await act('issues', i1.id, 'submit')
    expect(await level()).toMatchObject({ on_hand: '12', amount: '132.00', unit_cost: '11.0000' })
    const r3 = await doc('receipts', main, [{ item: tee, qty: 4, unit_cost: '9.99' }])
    await act('receipts', r3.id, 'submit')
    expect(await level()).toMatchObject({ on_hand: '16', amount: '171.96', unit_cost: '10.7475' })
    const i2 = await doc('issues', main, [{ item: tee, qty: 7 }])
    await act('issues', i2.id, 'submit')
    // 7 × 171.96 / 16 = 75.2325 → 75.23
    expect(await level()).toMatchObject({ on_hand: '9', amount: '96.73' })
    const ledger = (await app.api.post('/api/forms/moves/records/query', { sort: 'id', limit: 100 })).body.data
    expect(ledger.map((m: any) => [m.doc_form, m.qty, m.amount, m.balance_after])).toEqual([
      ['receipts', '10', '100.00', '10'],
      ['receipts', '5', '65.00', '15'],
      ['issues', '-3', '-33.00', '12'],
      ['receipts', '4', '39.96', '16'],
      ['issues', '-7', '-75.23', '9'],
    ])
    expect(ledger[0]).toMatchObject({ doc_id: String(r1.id), doc_no: r1.no, posting: 'in', reverses: null })

    // Voiding the last movement restores quantity, value and unit cost exactly.
    expect((await act('issues', i2.id, 'void')).body.data.doc_status).toBe('void')
    expect(await level()).toMatchObject({ on_hand: '16', amount: '171.96', unit_cost: '10.7475' })
    const reversal = (await app.api.post('/api/forms/moves/records/query', { sort: '-id', limit: 1 })).body.data[0]
    expect(reversal).toMatchObject({ qty: '7', amount: '75.23', reverses: ledger[4].batch, doc_no: i2.no })
    await expectLedgerMatchesBalance()
  })

  it('refuses, as a whole, a document that would take stock below zero, naming item and warehouse', async () => {
    const before = await level()
    const big = await doc('issues', main, [
      { item: tee, qty: 1 },
      { item: tee, qty: 100 },
    ])
    const res = await act('issues', big.id, 'submit')
    expect(res.status).toBe(422)
    expect(res.body.error.details[0]).toMatchObject({ code: 'balance', message: '库存不足：TEE 在 主仓 只剩 -85' })
    // the constraint's own words, filled in, in each language it has: the client picks the reader's
    expect(res.body.error.details[0].params).toEqual({ text: { 'zh-CN': '库存不足：TEE 在 主仓 只剩 -85', en: 'Not enough stock: -85 of TEE left in 主仓' } })
    expect((await app.api.get(`/api/forms/issues/records/${big.id}`)).body.data.doc_status).toBe('draft')
    expect(await level()).toMatchObject({ on_hand: before.on_hand, amount: before.amount, version: before.version })
    await expectLedgerMatchesBalance()
  })

  it('lets a warehouse that allows negative stock go below zero', async () => {
    const issue = await doc('issues', loose, [{ item: tee, qty: 2 }])
    expect((await act('issues', issue.id, 'submit')).status).toBe(200)
    expect((await level(loose)).on_hand).toBe('-2')
    await expectLedgerMatchesBalance(loose)
  })

  it('refuses to void a receipt whose stock has already left', async () => {
    const receipt = await doc('receipts', main, [{ item: tee, qty: 1, unit_cost: '1.00' }])
    await act('receipts', receipt.id, 'submit')
    const issue = await doc('issues', main, [{ item: tee, qty: 17 }])
    expect((await act('issues', issue.id, 'submit')).status).toBe(200)
    expect((await level()).on_hand).toBe('0')
    expect((await level()).amount).toBe('0.00')
    const voided = await act('receipts', receipt.id, 'void')
    expect(voided.status).toBe(422)
    expect((await app.api.get(`/api/forms/receipts/records/${receipt.id}`)).body.data.doc_status).toBe('submitted')
    await expectLedgerMatchesBalance()
  })

  it('keeps ledgers and balances out of users\' hands', async () => {
    const member = await app.clientFor('clerk')
    expect((await member.post('/api/forms/moves/records', { item: tee, depot: main, qty: 5 })).status).toBe(403)
    const balance = await level()
    expect((await member.patch(`/api/forms/levels/records/${balance.id}`, { on_hand: 1000 })).status).toBe(403)
  })
})
