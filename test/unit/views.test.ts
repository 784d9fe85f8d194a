import { describe, expect, test } from 'vitest'
import { toFilter, toModel } from '../../client/src/components/grid/filterModel'
import { bucketRange, groupCondition } from '../../client/src/components/grid/groups'
import { definitionOf, layoutOf, sameLayout } from '../../client/src/components/grid/viewState'

describe('the filter builder model', () => {
  test('reads back what it writes: AND/OR, relative dates, parts it cannot show as rows', () => {
    const filter = {
      or: [
        { field: 'status', op: 'in' as const, value: ['pending', 'hold'] },
        { field: 'paid_at', op: 'eq' as const, value: { $range: 'last_7_days' } },
        { and: [{ field: 'qty', op: 'gt' as const, value: '1' }] },
        { field: 'ghost', op: 'eq' as const, value: 1 },
      ],
    }
    const model = toModel(filter, (f) => f !== 'ghost')
    expect(model.join).toBe('or')
    expect(model.rows).toEqual([
      { field: 'status', op: 'in', value: ['pending', 'hold'] },
      { field: 'paid_at', op: 'range', value: 'last_7_days' },
    ])
    expect(model.other).toHaveLength(2)
    expect(toFilter(model)).toEqual({ or: [filter.or[0], filter.or[1], filter.or[2], filter.or[3]] })
  })

  test('leaves out rows not filled in, and writes no filter for none', () => {
    const model = { join: 'and' as const, other: [], rows: [{ field: 'name', op: 'contains' as const, value: '' }, { field: 'qty', op: 'between' as const, value: ['1', null] }, { field: 'note', op: 'is_empty' as const, value: null }] }
    expect(toFilter(model)).toEqual({ field: 'note', op: 'is_empty' })
    expect(toFilter({ join: 'and', rows: [], other: [] })).toBeNull()
  })
})

describe('grouped views', () => {
  test('a bucket label is a range of days', () => {
    expect(bucketRange('day', '2026-12-31')).toEqual(['2026-12-31', '2027-01-01'])
    expect(bucketRange('week', '2026-11-30')).toEqual(['2026-11-30', '2026-12-07'])
    expect(bucketRange('month', '2026-12')).toEqual(['2026-12-01', '2027-01-01'])
    expect(bucketRange('quarter', '2026-Q4')).toEqual(['2026-10-01', '2027-01-01'])
    expect(bucketRange('year', '2026')).toEqual(['2026-01-01', '2027-01-01'])
  })

  test("a group's records: its key, its range, blanks; a linked record's field cannot be named", () => {
    expect(groupCondition({ field: 'shop' }, { id: 3, display: '旗舰店' })).toEqual({ field: 'shop', op: 'eq', value: 3 })
    expect(groupCondition({ field: 'status' }, 'paid')).toEqual({ field: 'status', op: 'eq', value: 'paid' })
    expect(groupCondition({ field: 'status' }, null)).toEqual({ field: 'status', op: 'is_empty' })
    expect(groupCondition({ field: 'paid_at', by: 'month' }, '2026-11')).toEqual({ and: [{ field: 'paid_at', op: 'gte', value: '2026-11-01' }, { field: 'paid_at', op: 'lt', value: '2026-12-01' }] })
    expect(groupCondition({ field: 'receiver.province' }, '浙江省')).toEqual({ field: 'receiver.province', op: 'eq', value: '浙江省' })
    expect(groupCondition({ field: 'shop.platform' }, 'taobao')).toBeNull()
  })
})

describe('unsaved changes', () => {
  test('compare what the view shows, not how it is written', () => {
    const saved = { key: 'a', label: 'A', columns: ['x', 'y'], filter: { field: 'x', op: 'eq' as const, value: 1 }, scope: 'personal' }
    expect(sameLayout(definitionOf(saved), saved)).toBe(true)
    expect(sameLayout({ key: 'a', label: 'B', columns: ['x', 'y'], filter: { value: 1, op: 'eq', field: 'x' }, widths: {} }, saved)).toBe(true)
    expect(sameLayout({ ...saved, columns: ['y', 'x'] }, saved)).toBe(false)
    expect(definitionOf(saved)).toEqual({ key: 'a', label: 'A', columns: ['x', 'y'], filter: saved.filter })
  })

  test("the grid's column state becomes columns, widths and sort", () => {
    const layout = layoutOf([
      { colId: '__open', width: 76 },
      { colId: 'no', width: 160.4, sort: 'desc', sortIndex: 1 },
      { colId: 'shop', width: 120, hide: true },
      { colId: 'paid_at', width: 150, sort: 'asc', sortIndex: 0 },
    ])
    expect(layout).toEqual({ columns: ['no', 'paid_at'], widths: { no: 160, paid_at: 150 }, sort: ['paid_at', '-no'] })
  })
})
