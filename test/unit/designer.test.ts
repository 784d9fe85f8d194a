import { describe, expect, it } from 'vitest'
import { sampleValues } from '../../client/src/designer/sample'
import { compileForms } from '../../schema/model/compile'
import { FORMULA_FUNCTIONS, parseFormula } from '../../schema/formula'
import { addField, addSection, blankForm, changeType, copyOfForm, ensureLayout, forSaving, gridColumns, newField, removeField, removeSection, renameField, setInGrid, unplacedFields } from '../../client/src/designer/edits'
import { History } from '../../client/src/designer/history'
import { deriveKey, keyProblem } from '../../client/src/designer/keys'
import { validateForm } from '../../schema/validate/pack'
import type { FormDefinition } from '../../schema/template/form'

const none = new Set<string>()

describe('field keys', () => {
  it('come from the English label', () => {
    expect(deriveKey('Gift wrap', none)).toBe('gift_wrap')
    expect(deriveKey('  Buyer’s Note (internal) ', none)).toBe('buyer_s_note_internal')
    expect(deriveKey('Café crème', none)).toBe('cafe_creme')
    expect(deriveKey('2nd phone', none)).toBe('field_2nd_phone')
  })

  it('are field_N without an English label, and never clash', () => {
    expect(deriveKey(undefined, new Set(['a', 'b']))).toBe('field_1')
    expect(deriveKey('', new Set(['field_1']))).toBe('field_2')
    expect(deriveKey('Gift wrap', new Set(['gift_wrap']))).toBe('gift_wrap_2')
    expect(deriveKey('ID', none)).toBe('id_2') // a system column
    const long = deriveKey('A very long english label that keeps going', new Set(['a_very_long_english_label_th']))
    expect(long).toBe('a_very_long_english_label_2')
    expect(long.length).toBeLessThanOrEqual(28)
  })

  it('are checked like the template language checks them', () => {
    expect(keyProblem('qty', none)).toBeNull()
    expect(keyProblem('Qty', none)).toBe('pattern')
    expect(keyProblem('1qty', none)).toBe('pattern')
    expect(keyProblem('version', none)).toBe('system')
    expect(keyProblem('qty', new Set(['qty']))).toBe('taken')
  })
})

describe('undo history', () => {
  it('undoes and redoes in order, and a new edit clears redo', () => {
    const history = new History('a')
    expect(history.record('a')).toBe(false)
    history.record('b')
    history.record('c')
    expect(history.undo()).toBe('b')
    expect(history.undo()).toBe('a')
    expect(history.undo()).toBeNull()
    expect(history.redo()).toBe('b')
    expect(history.canRedo).toBe(true)
    history.record('d')
    expect(history.canRedo).toBe(false)
    expect(history.undo()).toBe('b')
  })

  it('keeps at most its limit and forgets everything on reset', () => {
    const history = new History('0', 3)
    for (const s of ['1', '2', '3', '4']) history.record(s)
    expect([history.undo(), history.undo(), history.undo(), history.undo()]).toEqual(['3', '2', '1', null])
    history.reset('x')
    expect(history.canUndo || history.canRedo).toBe(false)
  })
})

const products = (): FormDefinition => ({
  key: 'products',
  label: '商品',
  title_field: 'name',
  fields: [
    { key: 'name', type: 'text', label: '名称' },
    { key: 'price', type: 'money', label: '价格' },
    { key: 'secret', type: 'text', label: '内部', hidden: true },
  ],
})

describe('definition edits', () => {
  it('gives a form without layout one section of its visible fields', () => {
    const def = products()
    expect(ensureLayout(def)).toEqual([{ columns: 2, fields: ['name', 'price'] }])
    expect(unplacedFields(def).map((f) => f.key)).toEqual(['secret'])
  })

  it('adds a valid field of every type that needs settings', () => {
    const def = products()
    const other: FormDefinition = { key: 'suppliers', label: '供应商', title_field: 'name', fields: [{ key: 'name', type: 'text', label: '名称' }] }
    const forms = [def, other]
    for (const type of ['select', 'multi_select', 'link', 'sub_form', 'formula', 'auto_number', 'text']) {
      addField(def, newField(type, { 'zh-CN': type }, def, forms, none), 0)
    }
    addField(def, newField('lookup', { 'zh-CN': '供应商名称', en: 'Supplier name' }, def, forms, none), 0, 0)
    expect(def.layout!.sections[0].fields[0]).toBe('supplier_name')
    expect(def.fields.find((f) => f.key === 'supplier_name')).toMatchObject({ type: 'lookup', link: 'field_3', field: 'name' })
    expect(validateForm(forSaving(def), [other]).problems).toEqual([])
  })

  it('changes a type, dropping what the new type does not have', () => {
    const def = products()
    const field = def.fields[0]
    Object.assign(field, { max_length: 20, pattern: '[A-Z]+', required: true })
    changeType(field, 'select', def, [def])
    expect(field).toEqual({ key: 'name', type: 'select', label: '名称', required: true, options: [{ value: 'option_1', label: { 'zh-CN': '选项1', en: 'Option 1' } }] })
    changeType(field, 'number', def, [def])
    expect(field).toEqual({ key: 'name', type: 'number', label: '名称', required: true })
  })

  it('renames a new field everywhere this form names it', () => {
    const def = products()
    ensureLayout(def)
    def.fields.push({ key: 'x', type: 'text', label: 'x', visible_when: { field: 'name' } })
    def.layout!.sections[0].fields.push('x')
    renameField(def, 'name', 'title')
    expect(def.title_field).toBe('title')
    expect(def.layout!.sections[0].fields).toEqual(['title', 'price', 'x'])
    expect(def.fields[3].visible_when).toEqual({ field: 'title' })
  })

  it('removes a field from the fields, the layout and the grid', () => {
    const def = products()
    def.views = [{ key: 'all', label: '全部', columns: ['name', 'price'], sort: ['-name'] }]
    ensureLayout(def)
    removeField(def, 'name')
    expect(def.fields.map((f) => f.key)).toEqual(['price', 'secret'])
    expect(def.layout!.sections[0].fields).toEqual(['price'])
    expect(def.views[0]).toMatchObject({ columns: ['price'], sort: [] })
    expect(def.title_field).toBeUndefined()
  })

  it('shows a new field in the grid when the grid lists its columns', () => {
    const def = products()
    def.views = [{ key: 'open', label: '未完成' }, { key: 'all', label: '全部', columns: ['name'] }]
    addField(def, newField('text', { 'zh-CN': '备注', en: 'Note' }, def, [def], none))
    expect(gridColumns(def)).toEqual(['name', 'note'])
    renameField(def, 'note', 'remark')
    expect(gridColumns(def)).toEqual(['name', 'remark'])
    setInGrid(def, 'remark', false)
    expect(gridColumns(def)).toEqual(['name'])
    const bare = products()
    addField(bare, newField('text', { 'zh-CN': '备注' }, bare, [bare], none))
    expect(bare.views).toBeUndefined()
  })

  it('moves the fields of a removed section into the one before, and saves without empty sections', () => {
    const def = products()
    ensureLayout(def)
    const tab = addSection(def, '物流', '更多')
    tab.fields.push('secret')
    addSection(def)
    removeSection(def, 1)
    expect(def.layout!.sections.map((s) => s.fields)).toEqual([['name', 'price', 'secret'], []])
    expect(forSaving(def).layout!.sections).toHaveLength(1)
    expect(def.layout!.sections).toHaveLength(2) // the draft is left alone
  })

  it('drops blank optional properties when saving', () => {
    const def = products()
    def.fields[0] = { ...def.fields[0], description: { 'zh-CN': '', en: '' }, placeholder: '', label: { 'zh-CN': '名称', en: '' } }
    expect(forSaving(def).fields[0]).toEqual({ key: 'name', type: 'text', label: { 'zh-CN': '名称' } })
  })

  it('makes a blank form and a plain copy of another', () => {
    const blank = blankForm({ 'zh-CN': '样品登记', en: 'Samples' }, new Set(['samples']))
    expect(blank.key).toBe('samples_2')
    expect(validateForm(blank).problems).toEqual([])
    const source: FormDefinition = { ...products(), postings: [] as never, actions: [{ key: 'a', label: 'a', handler: 'x.y' }, { key: 'b', label: 'b', set: { name: 'x' } }] }
    const copy = copyOfForm(source, { 'zh-CN': '商品副本' }, new Set(['products']))
    expect(copy.key).toBe('form_1')
    expect(copy.actions).toEqual([{ key: 'b', label: 'b', set: { name: 'x' } }])
    expect(copy.postings).toBeUndefined()
    expect(source.actions).toHaveLength(2)
  })
})

describe('formula function help', () => {
  it('has an example for every function, written in the formula language', () => {
    for (const fn of FORMULA_FUNCTIONS) {
      expect(fn.example, fn.name).toBeTruthy()
      expect(() => parseFormula(fn.example!), fn.name).not.toThrow()
      expect(fn.example!.toUpperCase(), fn.name).toContain(`${fn.name}(`)
    }
  })
})

describe('preview samples', () => {
  it('keeps a real record’s values and makes up the missing ones, never computed ones', () => {
    const def: FormDefinition = {
      key: 'q',
      label: 'q',
      fields: [
        { key: 'name', type: 'text', label: '名称' },
        { key: 'kind', type: 'select', label: '类型', options: [{ value: 'a', label: 'A' }] },
        { key: 'price', type: 'money', label: '价格' },
        { key: 'paid', type: 'checkbox', label: '已付' },
        { key: 'total', type: 'formula', label: '合计', formula: 'price * 2' },
        { key: 'lines', type: 'sub_form', label: '明细', fields: [{ key: 'qty', type: 'number', label: '数量', scale: 1 }] },
      ],
    }
    const model = compileForms([{ def, at: 'form' }]).forms.get('q')!
    expect(sampleValues(model, { name: '真实', price: null, total: '99' })).toEqual({ name: '真实', kind: 'a', price: '12.00', paid: true, lines: [{ qty: '12.0' }] })
    // only new fields are made up when a real record is shown
    expect(sampleValues(model, { name: '真实', lines: [{}] }, (path) => ['kind', 'lines.qty'].includes(path))).toEqual({ name: '真实', kind: 'a', lines: [{ qty: '12.0' }] })
  })
})
