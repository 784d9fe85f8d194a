import { describe, expect, test } from 'vitest'
import type { FormDefinition } from '../../schema/template/form'
import { workflowChanges } from '../../client/src/designer/workflowChanges'

const status = (values: string[]) => ({ key: 'status', type: 'select', label: '状态', options: values.map((v) => ({ value: v, label: v.toUpperCase() })) })
const form = (values: string[], actions: FormDefinition['actions']) => ({ key: 'orders', label: '订单', fields: [{ key: 'no', type: 'text', label: '编号' }, status(values)], actions }) as unknown as FormDefinition

describe('what a save changes in options and actions', () => {
  test('names added and removed options, and added, changed and removed actions', () => {
    const before = form(['pending', 'hold'], [{ key: 'audit', label: '审核', set: { status: 'audited' } }, { key: 'hold', label: '挂起' }])
    const after = form(['pending', 'qc'], [{ key: 'audit', label: '审核', set: { status: 'pending' } }, { key: 'send_qc', label: '送检' }])
    expect(workflowChanges(before, after)).toEqual({
      options: [{ field: '状态', added: ['QC'], removed: ['HOLD'] }],
      actions: { added: ['送检'], changed: ['审核'], removed: ['挂起'] },
    })
  })

  test('nothing for an unchanged form, and no "new" actions for a new form', () => {
    const same = form(['pending'], [{ key: 'audit', label: '审核' }])
    expect(workflowChanges(same, structuredClone(same))).toEqual({ options: [], actions: { added: [], changed: [], removed: [] } })
    expect(workflowChanges(null, same).actions.added).toEqual([])
  })
})
