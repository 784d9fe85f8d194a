import { describe, expect, it } from 'vitest'
import { validatePack } from '../../schema/validate/pack'
import { starterPack } from '../support/packs'

/** A small valid pack; each test breaks one thing in a copy. */
function pack(forms: unknown[]): any {
  return { format: 'zhanggui.pack/1', key: 'test', name: '测试', version: '1.0.0', forms }
}

const items = () => ({
  key: 'items',
  label: '商品',
  title_field: 'name',
  fields: [
    { key: 'name', type: 'text', label: '名称', required: true },
    { key: 'price', type: 'money', label: '价格' },
    { key: 'qty', type: 'number', label: '数量' },
  ],
})

function problems(p: unknown): string[] {
  return validatePack(p).problems.map((x) => `${x.path}: ${x.message}`)
}

describe('template validation', () => {
  it('accepts the bundled starter pack', () => {
    const result = validatePack(starterPack())
    expect(result.problems).toEqual([])
    expect([...result.forms!.keys()]).toEqual(['contacts', 'items', 'quotes'])
  })

  it('points at an unknown field type', () => {
    const forms = [items(), items(), items()]
    forms[1].key = 'b'
    forms[2].key = 'c'
    forms[2].fields.push({ key: 'x1', type: 'text', label: 'x' }, { key: 'x2', type: 'text', label: 'x' }, { key: 'weight', type: 'nubmer', label: '重量' } as any)
    expect(problems(pack(forms))).toEqual(['forms[2].fields[5].type: unknown type "nubmer"'])
  })

  it('names missing and unknown properties at their place', () => {
    const form: any = items()
    delete form.fields[0].label
    form.fields[1].lable = '价'
    expect(problems(pack([form]))).toEqual(
      expect.arrayContaining(['forms[0].fields[0].label: is required', 'forms[0].fields[1].lable: unknown property "lable"']),
    )
    expect(problems({ ...pack([items()]), format: 'other' })).toEqual(['format: must be "zhanggui.pack/1"'])
  })

  it('rejects references to missing forms and fields', () => {
    const orders = {
      key: 'orders',
      label: '订单',
      fields: [
        { key: 'item', type: 'link', label: '商品', form: 'itemz' },
        { key: 'item2', type: 'link', label: '商品', form: 'items', display_field: 'title' },
        { key: 'price', type: 'lookup', label: '价格', link: 'item2', field: 'cost' },
      ],
    }
    expect(problems(pack([items(), orders]))).toEqual([
      'forms[1].fields[0].form: unknown form "itemz"',
      'forms[1].fields[1].display_field: form "items" has no field "title"',
      'forms[1].fields[2].field: form "items" has no field "cost"',
    ])
  })

  it('type-checks formulas and names unknown fields and functions', () => {
    const form: any = items()
    form.fields.push(
      { key: 'total', type: 'formula', label: '合计', formula: 'qtty * price' },
      { key: 'avg', type: 'formula', label: '均价', formula: 'SUMM(price)' },
      { key: 'bad', type: 'formula', label: '错', formula: 'name - 1' },
      { key: 'ok', type: 'formula', label: '对', formula: '{数量} * {价格}', result: 'money' },
      { key: 'wrong_result', type: 'formula', label: '错', formula: 'qty * price', result: 'date' },
    )
    const found = problems(pack([form]))
    expect(found).toHaveLength(4)
    expect(found[0]).toMatch(/^forms\[0\]\.fields\[3\]\.formula: unknown field "qtty"/)
    expect(found[1]).toMatch(/^forms\[0\]\.fields\[4\]\.formula: unknown function "SUMM"/)
    expect(found[2]).toMatch(/^forms\[0\]\.fields\[5\]\.formula: .*text/)
    expect(found[3]).toBe('forms[0].fields[7].result: the formula gives number, not date')
  })

  it('rejects formula cycles', () => {
    const form: any = items()
    form.fields.push(
      { key: 'a', type: 'formula', label: 'A', formula: 'b + 1' },
      { key: 'b', type: 'formula', label: 'B', formula: 'a * 2' },
    )
    const found = problems(pack([form]))
    expect(found.some((p) => /circular reference: items\.a → items\.b → items\.a/.test(p))).toBe(true)
  })

  it('checks rules, layout, views, indexes and defaults against the fields', () => {
    const form: any = items()
    form.fields.push({ key: 'kind', type: 'select', label: '类', options: [{ value: 'a', label: 'A' }], default: 'z' })
    form.rules = [{ block_if: 'price * 2', message: 'x' }]
    form.layout = { sections: [{ fields: ['name', 'nmae'] }] }
    form.views = [{ key: 'v', label: 'V', columns: ['name', 'ghost'], sort: ['-pricee'], filter: { field: 'qty', op: 'contains', value: 'x' } }]
    form.indexes = [{ fields: ['name', 'nope'] }]
    expect(problems(pack([form]))).toEqual([
      'forms[0].rules[0].block_if: must be a condition (TRUE or FALSE), not number',
      'forms[0].layout.sections[0].fields[1]: unknown field "nmae"',
      'forms[0].views[0].columns[1]: unknown field "ghost"',
      'forms[0].views[0].sort[0]: unknown field "pricee"',
      'forms[0].views[0].filter.op: "contains" does not apply to "qty" (use eq, ne, gt, gte, lt, lte, in, not_in, between, is_empty, is_not_empty)',
      'forms[0].indexes[0].fields[1]: unknown field "nope"',
      'forms[0].fields[3].default: "z" is not one of the options (a)',
    ])
  })

  it('guards keys, nesting and computed definitions', () => {
    const form: any = items()
    form.fields.push(
      { key: 'name', type: 'text', label: '重名' },
      { key: 'created_at', type: 'date', label: '系统' },
      { key: 'lines', type: 'sub_form', label: '明细', fields: [{ key: 'inner', type: 'sub_form', label: '嵌套', fields: [{ key: 'x', type: 'text', label: 'x' }] }] },
      { key: 'no', type: 'auto_number', label: '单号', pattern: 'RK{YYYYMMDD}' },
      { key: 'sum_name', type: 'rollup', label: '汇总', source: 'lines', aggregate: 'sum', field: 'inner' },
      { key: 'Bad-Key', type: 'text', label: '坏' },
    )
    const found = problems(pack([form]))
    expect(found).toContain('forms[0].fields[8].key: must match ^[a-z](?:_?[a-z0-9])*_?$')
  })

  it('reports structural problems once the shape is right', () => {
    const form: any = items()
    form.fields.push(
      { key: 'name', type: 'text', label: '重名' },
      { key: 'created_at', type: 'date', label: '系统' },
      { key: 'lines', type: 'sub_form', label: '明细', fields: [{ key: 'inner', type: 'sub_form', label: '嵌套', fields: [{ key: 'x', type: 'text', label: 'x' }] }] },
      { key: 'no', type: 'auto_number', label: '单号', pattern: 'RK{YYYYMMDD}' },
      { key: 'sum_name', type: 'rollup', label: '汇总', source: 'lines', aggregate: 'sum', field: 'inner' },
    )
    expect(problems(pack([form]))).toEqual(
      expect.arrayContaining([
        'forms[0].fields[3].key: duplicate key "name" (also fields[0])',
        'forms[0].fields[4].key: "created_at" is a system column name; choose another key',
        'forms[0].fields[5].fields[0].type: a sub-form cannot contain another sub-form',
        'forms[0].fields[6].pattern: pattern "RK{YYYYMMDD}" needs exactly one counter such as {0000}',
        'forms[0].fields[7].field: cannot sum "inner": it is not a number',
      ]),
    )
  })

  it('lets links point at forms installed by other packs', () => {
    const orders = { key: 'orders', label: '订单', fields: [{ key: 'item', type: 'link', label: '商品', form: 'items' }] }
    expect(problems(pack([orders]))).toEqual(['forms[0].fields[0].form: unknown form "items"'])
    expect(validatePack(pack([orders]), [items() as any]).problems).toEqual([])
  })
})
