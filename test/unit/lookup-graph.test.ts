import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { compileForms } from '../../schema/model/compile'
import { LookupGraph } from '../../server/forms/lookup-graph'
import { readPack } from '../../server/forms/pack-files'
import { chainPack } from '../support/chain-pack'

function graphOf(forms: any[]): LookupGraph {
  const { forms: models, problems } = compileForms(forms.map((def) => ({ def, at: def.key })))
  expect(problems).toEqual([])
  return new LookupGraph(models.values())
}

/** A read as plain data: which table, through which link, which lookups, whether stored values follow. */
const reads = (graph: LookupGraph, table: string, field: string) =>
  graph.readersOf(table, field).map((r) => ({ form: r.form.key, table: r.table.path, link: r.link, lookups: r.lookups, refresh: r.refresh }))

describe('the lookup dependency graph', () => {
  const graph = graphOf(chainPack().forms)

  it('follows a lookup read by a stored formula, in the same form', () => {
    expect(reads(graph, 'makers', 'rate')).toEqual([{ form: 'parts', table: 'parts', link: 'maker', lookups: ['maker_rate'], refresh: true }])
  })

  it('follows lookups of stored formulas and lookups of lookups into sub-form lines', () => {
    expect(reads(graph, 'parts', 'unit_price')).toEqual([{ form: 'builds', table: 'builds.lines', link: 'part', lookups: ['unit_price'], refresh: true }])
    // builds.lines.maker_rate reads the lookup parts.maker_rate: a chain of two links
    expect(reads(graph, 'parts', 'maker_rate')).toEqual([{ form: 'builds', table: 'builds.lines', link: 'part', lookups: ['maker_rate'], refresh: true }])
  })

  it('leaves out lookups that no stored value reads', () => {
    expect(reads(graph, 'parts', 'code')).toEqual([])
    expect(reads(graph, 'makers', 'name')).toEqual([])
  })

  it('watches the fields read and the links that read lookups go through', () => {
    expect([...graph.watched('makers')]).toEqual(['rate'])
    expect([...graph.watched('parts')].sort()).toEqual(['maker', 'maker_rate', 'unit_price'])
    expect([...graph.watched('builds')]).toEqual([])
    expect([...graph.watched('builds.lines')]).toEqual([])
    expect(graph.lookupsThrough('parts', 'maker')).toEqual(['maker_rate'])
  })

  it('keeps a chain whose middle lookup feeds nothing stored but whose far end does', () => {
    const pack = chainPack()
    const parts = pack.forms.find((f: any) => f.key === 'parts')
    parts.fields = parts.fields.filter((f: any) => f.key !== 'unit_price')
    const builds = pack.forms.find((f: any) => f.key === 'builds')
    builds.fields[1].fields = builds.fields[1].fields.filter((f: any) => !['unit_price', 'amount'].includes(f.key))
    builds.fields = builds.fields.filter((f: any) => !['total', 'with_tax'].includes(f.key))
    const projects = pack.forms.find((f: any) => f.key === 'projects')
    projects.fields = projects.fields.filter((f: any) => ['name', 'budget'].includes(f.key))
    const chain = graphOf(pack.forms)
    expect(reads(chain, 'makers', 'rate')).toEqual([{ form: 'parts', table: 'parts', link: 'maker', lookups: ['maker_rate'], refresh: false }])
    expect(reads(chain, 'parts', 'maker_rate')).toEqual([{ form: 'builds', table: 'builds.lines', link: 'part', lookups: ['maker_rate'], refresh: true }])
  })

  it('finds the Taobao ERP order lines behind a SKU weight, and nothing behind its spec', () => {
    const pack = readPack(path.resolve(import.meta.dirname, '../../templates/taobao-erp'))
    const taobao = graphOf(pack.forms as any[])
    expect(reads(taobao, 'skus', 'weight')).toEqual([{ form: 'orders', table: 'orders.lines', link: 'sku', lookups: ['weight'], refresh: true }])
    expect(reads(taobao, 'skus', 'spec')).toEqual([])
    // stock balances keep below_safety (stored) from the SKU's safety stock
    expect([...taobao.watched('skus')]).toEqual(['safety_stock', 'weight'])
  })
})
