import { describe, expect, it } from 'vitest'
import { conditionHolds, isRequired, isVisible } from '../../schema/model/conditions'
import { validatePack } from '../../schema/validate/pack'

const pack = (fields: unknown[]) => ({
  format: 'zhanggui.pack/1',
  key: 'test',
  name: '测试',
  version: '1.0.0',
  forms: [{ key: 'invoices', label: '发票', fields }],
})
const problems = (fields: unknown[]) => validatePack(pack(fields)).problems.map((p) => `${p.path}: ${p.message}`)

describe('visible_when / required_when', () => {
  it('holds when the other field has a value, or one of the listed values', () => {
    expect(conditionHolds({ field: 'a' }, { a: 'x' })).toBe(true)
    expect(conditionHolds({ field: 'a' }, { a: '' })).toBe(false)
    expect(conditionHolds({ field: 'a' }, { a: null })).toBe(false)
    expect(conditionHolds({ field: 'a' }, { a: false })).toBe(false)
    expect(conditionHolds({ field: 'a' }, { a: '0' })).toBe(true)
    expect(conditionHolds({ field: 'a', equals: ['vat'] }, { a: 'vat' })).toBe(true)
    expect(conditionHolds({ field: 'a', equals: ['vat'] }, { a: 'plain' })).toBe(false)
    expect(conditionHolds({ field: 'a', equals: ['vat'] }, { a: ['plain', 'vat'] })).toBe(true)
    expect(conditionHolds({ field: 'a', equals: [3] }, { a: { id: 3, display: 'x' } })).toBe(true)
    expect(conditionHolds({ field: 'a', equals: [true] }, { a: true })).toBe(true)
  })

  it('is not required while hidden', () => {
    const def = { key: 'b', type: 'text', label: 'b', required: true, visible_when: { field: 'a' } }
    expect(isVisible(def, { a: null })).toBe(false)
    expect(isRequired(def, { a: null })).toBe(false)
    expect(isRequired(def, { a: 'x' })).toBe(true)
    expect(isRequired({ key: 'b', type: 'text', label: 'b', required_when: { field: 'a', equals: ['y'] } }, { a: 'x' })).toBe(false)
  })

  it('refuses a condition on a field that is not beside it', () => {
    const fields = [
      { key: 'kind', type: 'select', label: '类型', options: [{ value: 'vat', label: '专票' }] },
      { key: 'tax_no', type: 'text', label: '税号', required_when: { field: 'kind', equals: ['vat'] }, visible_when: { field: 'kind' } },
    ]
    expect(problems(fields)).toEqual([])
    expect(problems([...fields, { key: 'x', type: 'text', label: 'x', visible_when: { field: 'nope' } }])).toEqual([
      'forms[0].fields[2].visible_when.field: "nope" is not another field of this form',
    ])
    expect(problems([...fields, { key: 'y', type: 'text', label: 'y', required_when: { field: 'y' } }])).toEqual([
      'forms[0].fields[2].required_when.field: "y" is not another field of this form',
    ])
    expect(problems([...fields, { key: 'z', type: 'text', label: 'z', required_when: { fields: 'kind' } }])[0]).toMatch(/required_when/)
  })
})
