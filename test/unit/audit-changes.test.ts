import { describe, expect, test } from 'vitest'
import type { TableModel } from '../../schema/model/types'
import { diffRecords, imageOf, stripHidden } from '../../server/audit/changes'

// only what the audit reads of a form: its fields, and which of them hold lines
const lines = { fields: [{ key: 'sku' }, { key: 'qty' }, { key: 'unit_cost' }] } as unknown as TableModel
const form = { fields: [{ key: 'remark' }, { key: 'total' }, { key: 'lines', lines }] } as unknown as TableModel
const line = (id: number | undefined, sku: number, qty: string, unit_cost = '1.00') => ({ id, values: { sku, qty, unit_cost }, lines: {} })
const before = { values: { remark: null, total: '3.00' }, lines: { lines: [line(1, 7, '1'), line(2, 8, '2')] } }

describe('what an audit entry records', () => {
  test('an update: changed fields as [before, after], lines added, removed and changed by id', () => {
    const after = { values: { remark: '到货', total: '9.00' }, lines: { lines: [line(1, 7, '5'), line(undefined, 9, '1', '2.00')] } }
    expect(diffRecords(form, before, after)).toEqual({
      remark: [null, '到货'],
      total: ['3.00', '9.00'],
      lines: { added: [{ sku: 9, qty: '1', unit_cost: '2.00' }], removed: [{ id: 2, sku: 8, qty: '2', unit_cost: '1.00' }], changed: [{ id: 1, changes: { qty: ['1', '5'] } }] },
    })
    // lines not sent are not compared; nothing changed is nothing recorded
    expect(diffRecords(form, before, { values: before.values, lines: {} })).toEqual({})
    expect(imageOf(form, before)).toEqual({ remark: null, total: '3.00', lines: [{ id: 1, sku: 7, qty: '1', unit_cost: '1.00' }, { id: 2, sku: 8, qty: '2', unit_cost: '1.00' }] })
  })

  test('hidden fields and hidden line fields leave every kind of entry', () => {
    const hidden = new Set(['total', 'lines.unit_cost'])
    const image = imageOf(form, before)
    expect(stripHidden('create', { after: image }, hidden)).toEqual({ after: { remark: null, lines: [{ id: 1, sku: 7, qty: '1' }, { id: 2, sku: 8, qty: '2' }] } })
    expect(stripHidden('delete', { before: image }, hidden)).toEqual({ before: { remark: null, lines: [{ id: 1, sku: 7, qty: '1' }, { id: 2, sku: 8, qty: '2' }] } })
    expect(stripHidden('import', { ids: [1], after: [image] }, hidden)).toEqual({ ids: [1], after: [{ remark: null, lines: [{ id: 1, sku: 7, qty: '1' }, { id: 2, sku: 8, qty: '2' }] }] })
    const update = { total: ['1', '2'], remark: [null, 'x'], lines: { added: [{ sku: 9, unit_cost: '2.00' }], changed: [{ id: 1, changes: { unit_cost: ['1', '2'], qty: ['1', '2'] } }] } }
    expect(stripHidden('update', update, hidden)).toEqual({ remark: [null, 'x'], lines: { added: [{ sku: 9 }], changed: [{ id: 1, changes: { qty: ['1', '2'] } }] } })
    // an action's params and result may carry hidden values: only its field changes are kept
    expect(stripHidden('audit', { params: { cost: 1 }, result: { profit: 2 }, fields: { total: ['1', '2'], remark: [null, 'y'] } }, hidden)).toEqual({ fields: { remark: [null, 'y'] } })
    // nothing hidden: entries as stored
    expect(stripHidden('update', update, new Set())).toBe(update)
  })
})
