import { describe, expect, test } from 'vitest'
import { can, hasCapability, restrictForm, type Permissions } from '../../client/src/access/permissions'
import { granted, setAll, setFieldList, setPermission, setScope } from '../../client/src/components/roles/roleDraft'
import { toFilter, toModel } from '../../client/src/components/grid/filterModel'
import type { FormDefinition } from '../../schema/template/form'
import type { RoleDefinition } from '../../schema/template/roles'

type Info = { kind: string; lines?: Record<string, Info> }
const info = (kind = 'decimal'): Info => ({ kind })

function stockIn() {
  return {
    key: 'stock_in',
    label: '入库单',
    group: null,
    icon: null,
    document: true,
    pack: 'taobao_erp',
    title_field: 'doc_no',
    actions: [
      { key: 'submit', label: '提交' },
      { key: 'void', label: '作废' },
      { key: 'print', label: '打印', client: 'print' },
    ] as { key: string; label: string; client?: string }[],
    definition: {
      key: 'stock_in',
      label: '入库单',
      fields: [
        { key: 'doc_no', type: 'text', label: '单号' },
        { key: 'supplier', type: 'text', label: '供应商' },
        { key: 'total', type: 'money', label: '金额' },
        { key: 'lines', type: 'sub_form', label: '明细', fields: [{ key: 'qty', type: 'number', label: '数量' }, { key: 'unit_cost', type: 'money', label: '成本' }] },
      ],
      views: [{ key: 'all', label: '全部', columns: ['doc_no', 'supplier', 'total'], sort: ['-total', 'doc_no'] }],
      layout: { sections: [{ fields: ['doc_no', 'supplier', 'total', 'lines'] }] },
    } as unknown as FormDefinition,
    fields: { doc_no: info('text'), supplier: info('text'), total: info(), lines: { ...info('lines'), lines: { qty: info(), unit_cost: info() } } } as Record<string, Info>,
  }
}

const warehouse: Permissions = {
  all: false,
  capabilities: ['stock.upload'],
  forms: {
    stock_in: { allow: ['view', 'create', 'edit', 'submit', 'print'], hidden: ['total', 'lines.unit_cost'], readonly: ['supplier'] },
    '*': { allow: ['view'], hidden: [], readonly: [] },
  },
}

describe('what the client lets a user do', () => {
  test('can: the form own entry, else "*" for pack forms only; all grants everything; capabilities', () => {
    expect(can(warehouse, 'stock_in', 'submit')).toBe(true)
    expect(can(warehouse, 'stock_in', 'void')).toBe(false)
    expect(can(warehouse, 'stock_in', 'delete')).toBe(false)
    expect(can(warehouse, 'skus', 'view')).toBe(true)
    expect(can(warehouse, 'skus', 'edit')).toBe(false)
    expect(can(warehouse, 'my_form', 'view', false)).toBe(false)
    expect(can({ ...warehouse, forms: { x: { allow: ['*'], hidden: [], readonly: [] } } }, 'x', 'ship')).toBe(true)
    expect(can({ all: true, capabilities: [], forms: {} }, 'anything', 'void')).toBe(true)
    expect(hasCapability(warehouse, 'stock.upload')).toBe(true)
    expect(hasCapability(warehouse, 'users.manage')).toBe(false)
  })

  test('restrictForm leaves hidden fields out of info, views and layout, marks read-only ones, keeps allowed actions', () => {
    const form = stockIn()
    const restricted = restrictForm(form, warehouse)
    expect(Object.keys(restricted.fields)).toEqual(['doc_no', 'supplier', 'lines'])
    expect(Object.keys((restricted.fields.lines as { lines: object }).lines)).toEqual(['qty'])
    const defs = restricted.definition.fields
    expect(defs.find((f) => f.key === 'total')?.hidden).toBe(true)
    expect(defs.find((f) => f.key === 'supplier')?.readonly).toBe(true)
    // a hidden line field is read-only too, so a saved line never sends it back as null
    expect((defs.find((f) => f.key === 'lines')?.fields as { key: string; hidden?: boolean; readonly?: boolean }[]).find((f) => f.key === 'unit_cost')).toMatchObject({ hidden: true, readonly: true })
    expect(restricted.definition.views?.[0].columns).toEqual(['doc_no', 'supplier'])
    expect(restricted.definition.views?.[0].sort).toEqual(['doc_no'])
    expect(restricted.definition.layout?.sections[0].fields).toEqual(['doc_no', 'supplier', 'lines'])
    expect(restricted.actions.map((a) => a.key)).toEqual(['submit', 'print'])
    // the loaded form is not changed; an administrator gets it as it is
    expect(Object.keys(form.fields)).toHaveLength(4)
    expect(form.definition.fields.find((f) => f.key === 'total')?.hidden).toBeUndefined()
    expect(restrictForm(form, { all: true, capabilities: [], forms: {} })).toBe(form)
  })
})

describe('editing a role', () => {
  const all = ['view', 'create', 'edit', 'delete', 'submit', 'void', 'ship']
  test('permissions toggle one by one, to and from "*"', () => {
    const role = { key: 'r', label: 'R', forms: {} } as RoleDefinition
    setAll(role, 'orders', true)
    expect(role.forms?.orders.allow).toEqual(['*'])
    setPermission(role, 'orders', 'void', false, all)
    expect(role.forms?.orders.allow).toEqual(['view', 'create', 'edit', 'delete', 'submit', 'ship'])
    expect(granted(role, 'orders', 'void')).toBe(false)
    expect(granted(role, 'orders', 'ship')).toBe(true)
    setPermission(role, 'orders', 'void', true, all)
    expect(role.forms?.orders.allow).toEqual(['*'])
    setAll(role, 'orders', false)
    expect(role.forms?.orders).toBeUndefined()
  })

  test('an empty entry stays when "*" would otherwise cover the form; hidden fields are not also read-only', () => {
    const role = { key: 'r', label: 'R', forms: { '*': { allow: ['view'] } } } as RoleDefinition
    setPermission(role, 'skus', 'view', true, all)
    setPermission(role, 'skus', 'view', false, all)
    expect(role.forms?.skus).toEqual({ allow: [] })
    setFieldList(role, 'skus', 'readonly', ['price', 'cost_price'])
    setFieldList(role, 'skus', 'hidden', ['cost_price'])
    expect(role.forms?.skus).toEqual({ allow: [], hidden: ['cost_price'], readonly: ['price'] })
    setScope(role, 'skus', { field: 'warehouse', op: 'in', value: { $var: 'user.warehouses' } })
    expect(role.forms?.skus.scope).toEqual({ field: 'warehouse', op: 'in', value: { $var: 'user.warehouses' } })
  })

  test('the filter builder reads and writes scope variables', () => {
    const scope = { or: [{ field: 'warehouse', op: 'in' as const, value: { $var: 'user.warehouses' } }, { field: 'created_by', op: 'eq' as const, value: { $var: 'current_user' } }] }
    const model = toModel(scope, () => true)
    expect(model.rows).toEqual([
      { field: 'warehouse', op: 'var', value: 'user.warehouses' },
      { field: 'created_by', op: 'var', value: 'current_user' },
    ])
    expect(toFilter(model)).toEqual(scope)
  })
})
