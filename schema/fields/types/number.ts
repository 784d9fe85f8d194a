import { Type } from '@sinclair/typebox'
import { problem, type Problem } from '../../messages/problem'
import { compareDecimal } from '../../values/scalar'
import { DecimalBound, fieldSchema } from '../common'
import { resolution } from '../storage'
import type { FieldDefinition, FieldTypeDefinition } from '../types'

const rangeOptions = { min: Type.Optional(DecimalBound), max: Type.Optional(DecimalBound) }

function checkRange(value: unknown, field: FieldDefinition): Problem | null {
  if (typeof value !== 'string') return null
  if (field.min !== undefined && compareDecimal(value, field.min as string | number) < 0) return problem('min', `must be at least ${field.min}`, { min: String(field.min) })
  if (field.max !== undefined && compareDecimal(value, field.max as string | number) > 0) return problem('max', `must be at most ${field.max}`, { max: String(field.max) })
  return null
}

export const number: FieldTypeDefinition = {
  type: 'number',
  label: { 'zh-CN': '数字', en: 'Number' },
  schema: fieldSchema('number', {
    scale: Type.Optional(Type.Integer({ minimum: 0, maximum: 6, description: 'decimal places kept (0 = whole numbers)' })),
    unit: Type.Optional(Type.String()),
    ...rangeOptions,
  }),
  resolve: (field) => resolution({ kind: 'decimal', scale: (field.scale as number | undefined) ?? 0 }),
  check: checkRange,
}

export const money: FieldTypeDefinition = {
  type: 'money',
  label: { 'zh-CN': '金额', en: 'Money' },
  schema: fieldSchema('money', {
    scale: Type.Optional(Type.Integer({ minimum: 2, maximum: 4, description: 'decimal places, 2 (分) unless prices need more' })),
    ...rangeOptions,
  }),
  resolve: (field) => resolution({ kind: 'decimal', scale: (field.scale as number | undefined) ?? 2, money: true }),
  check: checkRange,
}
