import { describe, expect, it } from 'vitest'
import { prepareFilter } from '../../schema/filter/prepare'
import { compileForms } from '../../schema/model/compile'
import type { FormModel } from '../../schema/model/types'
import type { RoleDefinition } from '../../schema/template/roles'
import { validateRole } from '../../schema/validate/roles'
import type { Actor } from '../../server/access/actor'
import { RolePolicy } from '../../server/access/policy'
import type { RoleStore } from '../../server/access/roles'
import type { FormRegistry } from '../../server/forms/registry'

/** RolePolicy's union semantics and what it derives, over two small forms (docs/permissions.md). */
const { forms } = compileForms([
  {
    at: 'items',
    def: {
      key: 'items',
      label: '商品',
      fields: [
        { key: 'name', type: 'text', label: '名称' },
        { key: 'cost', type: 'money', label: '成本' },
        { key: 'price', type: 'money', label: '售价' },
        { key: 'margin', type: 'formula', label: '毛利', formula: 'price - cost' },
      ],
    },
  },
  {
    at: 'moves',
    def: {
      key: 'moves',
      label: '出库',
      fields: [
        { key: 'store', type: 'link', label: '仓库', form: 'items' },
        {
          key: 'lines',
          type: 'sub_form',
          label: '明细',
          fields: [
            { key: 'item', type: 'link', label: '商品', form: 'items' },
            { key: 'unit_cost', type: 'lookup', label: '成本', link: 'item', field: 'cost' },
            { key: 'qty', type: 'number', label: '数量' },
          ],
        },
      ],
    },
  },
] as any)
const items = forms.get('items') as FormModel
const moves = forms.get('moves') as FormModel

function policyWith(roles: RoleDefinition[]) {
  const byKey = new Map(roles.map((r) => [r.key, r]))
  const store = { generation: 1, definition: (k: string) => byKey.get(k) } as unknown as RoleStore
  const registry = { version: 1, list: () => [items, moves], packOf: (k: string) => (k === 'items' || k === 'moves' ? 'p' : undefined) } as unknown as FormRegistry
  return new RolePolicy(store, registry)
}
const actor = (roles: string[]): Actor => ({ userId: 7, username: 'u', role: 'member', roles, warehouses: [3] })

const clerk: RoleDefinition = { key: 'clerk', label: '店员', forms: { items: { allow: ['view'], hidden: ['cost'] }, moves: { allow: ['view', 'create'], scope: { field: 'store', op: 'in', value: { $var: 'user.warehouses' } } } } }
const buyer: RoleDefinition = { key: 'buyer', label: '采购', forms: { items: { allow: ['view', 'edit'], readonly: ['price'] } } }

describe('RolePolicy', () => {
  it('allows what any role allows, and hides a field only when every viewing role hides it', () => {
    const policy = policyWith([clerk, buyer])
    expect(policy.allows(actor(['clerk']), 'update', items)).toBe(false)
    expect(policy.allows(actor(['clerk', 'buyer']), 'update', items)).toBe(true)
    expect([...policy.hiddenFields(actor(['clerk']), items)].sort()).toEqual(['cost', 'margin'])
    expect([...policy.hiddenFields(actor(['clerk', 'buyer']), items)]).toEqual([])
    // a lookup of a hidden field through a link is hidden too, in lines
    expect([...policy.hiddenFields(actor(['clerk']), moves)]).toEqual(['lines.unit_cost'])
    expect([...policy.readonlyFields(actor(['buyer']), items)]).toEqual(['price'])
    expect(() => policy.check(actor(['clerk']), 'delete', items)).toThrow(expect.objectContaining({ status: 403, reason: 'permission_denied' }))
  })

  it('ORs row scopes of the roles allowing the operation; a role without a scope sees all rows', () => {
    const open: RoleDefinition = { key: 'open', label: '全部', forms: { moves: { allow: ['view'] } } }
    const policy = policyWith([clerk, open])
    expect(policy.readScope(actor(['clerk']), moves)).toEqual(clerk.forms!.moves.scope)
    expect(policy.readScope(actor(['clerk', 'open']), moves)).toBeNull()
    expect(policy.scope(actor(['clerk', 'open']), 'create', moves)).toEqual(clerk.forms!.moves.scope)
  })

  it('resolves $user.warehouses and matches nothing when none is assigned', () => {
    const scope = clerk.forms!.moves.scope
    const some = prepareFilter(scope, moves, { now: 0, userId: 7, warehouses: [3, 4] })
    expect((some.filter as any).condition.values).toEqual([3, 4])
    const none = prepareFilter(scope, moves, { now: 0, userId: 7, warehouses: [] })
    expect((none.filter as any).condition.values).toEqual([0])
    expect(prepareFilter({ field: 'lines', op: 'in', value: { $var: 'user.shops' } }, moves, null).problems.length).toBeGreaterThan(0)
  })

  it('checks a role against the forms it names', () => {
    const lookup = (k: string) => forms.get(k)
    expect(validateRole(clerk, lookup)).toEqual([])
    expect(validateRole({ key: 'x', label: 'x', forms: { items: { allow: ['fly'], hidden: ['nope', 'lines.qty'] }, ghost: { allow: ['view'] } } }, lookup).map((p) => p.path)).toEqual([
      'role.forms.items.allow[0]',
      'role.forms.items.hidden[0]',
      'role.forms.items.hidden[1]',
      'role.forms.ghost',
    ])
  })
})
