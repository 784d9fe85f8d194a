import { expect } from 'vitest'
import type { ApiClient } from './app'
import type { Knex } from 'knex'

const cents = (v: unknown) => BigInt(String(v ?? 0))
const sum = (rows: Record<string, unknown>[], field: string) => rows.reduce((n, r) => n + cents(r[field]), 0n)

/**
 * The invariants of the books (money is stored in 分, so sums are exact integers): every entry
 * (batch) balances, each account balance is the sum of its journal lines, the inventory account
 * equals the stock valuation, COGS equals what shipped minus what came back at its shipped cost,
 * and the balance sheet balances.
 */
export async function expectBooksConsistent(api: ApiClient, knex?: Knex): Promise<void> {
  if (knex) await expectLedgerSums(knex)
  const far = '2099-12-31'
  const res = await api.get(`/api/reports/balance-sheet?at=${far}`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  const { assets, liabilities_and_equity } = res.body.data.totals
  expect(assets).toBe(liabilities_and_equity)
}

export async function expectLedgerSums(knex: Knex): Promise<{ lines: number; batches: number }> {
  const lines = await knex('f_journal as j').join('f_accounts as a', 'a.id', 'j.account').select('j.batch', 'j.debit', 'j.credit', 'a.code')
  const batches = new Map<string, bigint>()
  for (const l of lines) batches.set(l.batch, (batches.get(l.batch) ?? 0n) + cents(l.debit) - cents(l.credit))
  const unbalanced = [...batches].filter(([, diff]) => diff !== 0n)
  expect(unbalanced, 'every journal entry balances').toEqual([])
  // account balances = Σ journal
  const byAccount = new Map<number, bigint>()
  for (const l of await knex('f_journal').select('account', 'debit', 'credit')) byAccount.set(l.account, (byAccount.get(l.account) ?? 0n) + cents(l.debit) - cents(l.credit))
  for (const b of await knex('f_account_balances').select('account', 'debit', 'credit')) {
    expect(`${b.account}: ${cents(b.debit) - cents(b.credit)}`).toBe(`${b.account}: ${byAccount.get(b.account) ?? 0n}`)
  }
  // 1405 = stock valuation, document by document (a mismatch names the documents)
  const byDoc = new Map<string, bigint>()
  for (const l of await knex('f_stock_ledger').select('doc_form', 'doc_id', 'value')) byDoc.set(`${l.doc_form}:${Number(l.doc_id)}`, (byDoc.get(`${l.doc_form}:${Number(l.doc_id)}`) ?? 0n) + cents(l.value))
  for (const l of await knex('f_journal as j').join('f_accounts as a', 'a.id', 'j.account').where('a.code', '1405').select('j.doc_form', 'j.doc_id', 'j.debit', 'j.credit')) {
    const k = `${l.doc_form}:${Number(l.doc_id)}`
    byDoc.set(k, (byDoc.get(k) ?? 0n) - cents(l.debit) + cents(l.credit))
  }
  expect([...byDoc].filter(([, diff]) => diff !== 0n).map(([doc, diff]) => `${doc} off by ${diff}`), 'documents whose stock value is not in 1405').toEqual([])
  const inventory = lines.filter((l) => l.code === '1405')
  const stock = await knex('f_stock_balances').select('value')
  expect(`1405 ${sum(inventory, 'debit') - sum(inventory, 'credit')}`).toBe(`1405 ${sum(stock, 'value')}`)
  // COGS = Σ shipped cost − Σ returned cost (the stock ledger's sale and sales-return values)
  const cogs = lines.filter((l) => l.code === '5401')
  const shipped = await knex('f_stock_ledger').where('doc_type', 'sale').select('value')
  const returned = await knex('f_stock_ledger').where('doc_type', 'sales_return').select('value')
  expect(`COGS ${sum(cogs, 'debit') - sum(cogs, 'credit')}`).toBe(`COGS ${-sum(shipped, 'value') - sum(returned, 'value')}`)
  return { lines: lines.length, batches: batches.size }
}
