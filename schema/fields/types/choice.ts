import { Type } from '@sinclair/typebox'
import { LocalizedText } from '../../lib/localized'
import { problem, type Problem } from '../../messages/problem'
import { fieldSchema, RESERVED_KEYS } from '../common'
import { resolution } from '../storage'
import type { FieldDefinition, FieldTypeDefinition } from '../types'

export const SelectOption = Type.Object(
  {
    // an option's value is looked up like a key (colours, labels): no prototype names
    value: Type.String({ minLength: 1, maxLength: 64, not: { enum: RESERVED_KEYS } }),
    label: LocalizedText,
    color: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
  },
  { additionalProperties: false },
)

const options = Type.Array(SelectOption, { minItems: 1 })

function optionValues(field: FieldDefinition): string[] {
  return ((field.options as { value: string }[] | undefined) ?? []).map((o) => o.value)
}

function unknownOption(value: string, field: FieldDefinition): Problem {
  const options = optionValues(field).join(', ')
  return problem('not_an_option', `"${value}" is not one of the options (${options})`, { value, options })
}

export const select: FieldTypeDefinition = {
  type: 'select',
  label: { 'zh-CN': '单选', en: 'Select' },
  schema: fieldSchema('select', { options, display: Type.Optional(Type.Union([Type.Literal('dropdown'), Type.Literal('radio')])) }),
  resolve: () => resolution({ kind: 'text' }),
  check: (value, field) => (typeof value === 'string' && !optionValues(field).includes(value) ? unknownOption(value, field) : null),
}

export const multiSelect: FieldTypeDefinition = {
  type: 'multi_select',
  label: { 'zh-CN': '多选', en: 'Multi-select' },
  schema: fieldSchema('multi_select', { options, max_selected: Type.Optional(Type.Integer({ minimum: 1 })) }),
  resolve: () => resolution({ kind: 'text_list' }),
  check(value, field) {
    if (!Array.isArray(value)) return null
    const bad = value.find((v) => !optionValues(field).includes(v as string))
    if (bad !== undefined) return unknownOption(bad as string, field)
    if (typeof field.max_selected === 'number' && value.length > field.max_selected) return problem('max_selected', `choose at most ${field.max_selected}`, { max: field.max_selected })
    return null
  },
}

export const checkbox: FieldTypeDefinition = {
  type: 'checkbox',
  label: { 'zh-CN': '复选框', en: 'Checkbox' },
  schema: fieldSchema('checkbox', {}),
  resolve: () => resolution({ kind: 'boolean' }),
}
