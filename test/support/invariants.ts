import { expect } from 'vitest'
import type { Knex } from 'knex'
import { Decimal } from '../../schema/lib/decimal'

type Row = Record<string, any>
const key = (r: Row) => `${r.sku}|${r.warehouse}`
const sum = (rows: Row[], field: string) => rows.reduce((n, r) => n.plus(String(r[field] ?? 0)), new Decimal(0))

/** What each kind of submitted document says it moved, per SKU × warehouse (scaled integers). */
async function expectedMovements(knex: Knex): Promise<Map<string, Decimal>> {
  const expected = new Map<string, Decimal>()
  const add = (doc: string, sku: unknown, warehouse: unknown, qty: Decimal.Value) => {
    const k = `${doc}|${sku}|${warehouse}`
    expected.set(k, (expected.get(k) ?? new Decimal(0)).plus(qty))
  }
  const submitted = (table: string) => knex(`${table} as d`).where('d.doc_status', 'submitted')
  for (const r of await submitted('f_stock_in').join('f_stock_in__lines as l', 'l.parent_id', 'd.id').select('d.id', 'd.warehouse', 'l.sku', 'l.qty_accepted')) {
    if (Number(r.qty_accepted) > 0) add(`stock_in:${r.id}`, r.sku, r.warehouse, r.qty_accepted)
  }
  for (const r of await submitted('f_stock_out').join('f_stock_out__lines as l', 'l.parent_id', 'd.id').select('d.id', 'd.warehouse', 'l.sku', 'l.qty')) {
    add(`stock_out:${r.id}`, r.sku, r.warehouse, new Decimal(String(r.qty)).neg())
  }
  for (const r of await submitted('f_transfers').join('f_transfers__lines as l', 'l.parent_id', 'd.id').select('d.id', 'd.from_warehouse', 'd.to_warehouse', 'l.sku', 'l.qty')) {
    add(`transfers:${r.id}`, r.sku, r.from_warehouse, new Decimal(String(r.qty)).neg())
    add(`transfers:${r.id}`, r.sku, r.to_warehouse, r.qty)
  }
  for (const r of await submitted('f_stocktakes').join('f_stocktakes__lines as l', 'l.parent_id', 'd.id').select('d.id', 'd.warehouse', 'l.sku', 'l.variance')) {
    if (Number(r.variance) !== 0) add(`stocktakes:${r.id}`, r.sku, r.warehouse, r.variance)
  }
  return expected
}

/**
 * The stock invariants: every balance equals the sum of its ledger (quantity and value) and of its
 * reservations, and the ledger — net of reversals — equals what the submitted documents say.
 */
export async function expectStockConsistent(knex: Knex): Promise<void> {
  const balances: Row[] = await knex('f_stock_balances').select('sku', 'warehouse', 'on_hand', 'reserved', 'value')
  const ledger: Row[] = await knex('f_stock_ledger').select('sku', 'warehouse', 'qty', 'value', 'doc_form', 'doc_id')
  const reservations: Row[] = await knex('f_stock_reservations').select('sku', 'warehouse', 'qty')
  const byKey = (rows: Row[]) => {
    const map = new Map<string, Row[]>()
    for (const r of rows) map.set(key(r), [...(map.get(key(r)) ?? []), r])
    return map
  }
  const ledgerByKey = byKey(ledger)
  const reservedByKey = byKey(reservations)
  for (const b of balances) {
    const lines = ledgerByKey.get(key(b)) ?? []
    expect(`${key(b)} on_hand ${b.on_hand}`).toBe(`${key(b)} on_hand ${sum(lines, 'qty').toString()}`)
    expect(`${key(b)} value ${b.value}`).toBe(`${key(b)} value ${sum(lines, 'value').toString()}`)
    expect(`${key(b)} reserved ${b.reserved}`).toBe(`${key(b)} reserved ${sum(reservedByKey.get(key(b)) ?? [], 'qty').toString()}`)
  }
  for (const k of ledgerByKey.keys()) expect(balances.some((b) => key(b) === k), `balance row for ${k}`).toBe(true)

  const posted = new Map<string, Decimal>()
  for (const l of ledger) {
    const k = `${l.doc_form}:${Number(l.doc_id)}|${l.sku}|${l.warehouse}`
    posted.set(k, (posted.get(k) ?? new Decimal(0)).plus(String(l.qty)))
  }
  for (const [k, qty] of posted) if (qty.isZero()) posted.delete(k)
  const expected = await expectedMovements(knex)
  const show = (m: Map<string, Decimal>) => Object.fromEntries([...m].map(([k, v]) => [k, v.toString()]).sort())
  expect(show(posted)).toEqual(show(expected))
}
