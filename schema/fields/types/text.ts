import { Type } from '@sinclair/typebox'
import { LocalizedText, localize, type LocalizedText as Text } from '../../lib/localized'
import { problem, type Problem } from '../../messages/problem'
import { fieldSchema } from '../common'
import { resolution } from '../storage'
import type { FieldDefinition, FieldTypeDefinition } from '../types'

const lengthOptions = {
  min_length: Type.Optional(Type.Integer({ minimum: 0 })),
  max_length: Type.Optional(Type.Integer({ minimum: 1 })),
}

export function checkLength(value: unknown, field: FieldDefinition): Problem | null {
  if (typeof value !== 'string') return null
  const length = [...value].length
  if (typeof field.min_length === 'number' && length < field.min_length) return problem('min_length', `must be at least ${field.min_length} characters`, { min: field.min_length })
  if (typeof field.max_length === 'number' && length > field.max_length) return problem('max_length', `must be at most ${field.max_length} characters`, { max: field.max_length })
  return null
}

export const text: FieldTypeDefinition = {
  type: 'text',
  label: { 'zh-CN': '单行文本', en: 'Text' },
  schema: fieldSchema('text', {
    ...lengthOptions,
    pattern: Type.Optional(Type.String({ description: 'a regular expression the whole value must match' })),
    pattern_message: Type.Optional(LocalizedText),
  }),
  resolve: () => resolution({ kind: 'text' }),
  check(value, field) {
    const lengthProblem = checkLength(value, field)
    if (lengthProblem) return lengthProblem
    if (typeof value === 'string' && typeof field.pattern === 'string' && !new RegExp(`^(?:${field.pattern})$`, 'u').test(value)) {
      const custom = field.pattern_message as Text | undefined
      return custom
        ? problem('pattern_message', localize(custom), { text: custom })
        : problem('pattern_mismatch', `does not match the pattern ${field.pattern}`, { pattern: field.pattern })
    }
    return null
  },
}

export const textarea: FieldTypeDefinition = {
  type: 'textarea',
  label: { 'zh-CN': '多行文本', en: 'Long text' },
  schema: fieldSchema('textarea', { ...lengthOptions, rows: Type.Optional(Type.Integer({ minimum: 2, maximum: 20 })) }),
  resolve: () => resolution({ kind: 'text', multiline: true }),
  check: checkLength,
}

export const barcode: FieldTypeDefinition = {
  type: 'barcode',
  label: { 'zh-CN': '条码', en: 'Barcode' },
  schema: fieldSchema('barcode', {
    symbology: Type.Optional(Type.Union([Type.Literal('CODE128'), Type.Literal('EAN13'), Type.Literal('CODE39')])),
  }),
  resolve: () => resolution({ kind: 'text' }),
  check(value, field) {
    if (typeof value !== 'string') return null
    if (field.symbology === 'EAN13' && !/^\d{13}$/.test(value)) return problem('barcode_ean13', 'must be 13 digits (EAN-13)')
    if (!/^[\x20-\x7e]+$/.test(value)) return problem('barcode_ascii', 'barcodes hold printable ASCII characters only')
    return null
  },
}
