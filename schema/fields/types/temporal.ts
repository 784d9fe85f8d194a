import { Type } from '@sinclair/typebox'
import { problem } from '../../messages/problem'
import { fieldSchema } from '../common'
import { resolution } from '../storage'
import type { FieldTypeDefinition } from '../types'

const DateBound = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })

export const date: FieldTypeDefinition = {
  type: 'date',
  label: { 'zh-CN': '日期', en: 'Date' },
  schema: fieldSchema('date', { min: Type.Optional(DateBound), max: Type.Optional(DateBound) }),
  resolve: () => resolution({ kind: 'date' }),
  check(value, field) {
    if (typeof value !== 'string') return null
    if (typeof field.min === 'string' && value < field.min) return problem('date_min', `must be on or after ${field.min}`, { min: field.min })
    if (typeof field.max === 'string' && value > field.max) return problem('date_max', `must be on or before ${field.max}`, { max: field.max })
    return null
  },
}

export const datetime: FieldTypeDefinition = {
  type: 'datetime',
  label: { 'zh-CN': '日期时间', en: 'Date & time' },
  schema: fieldSchema('datetime', {}),
  resolve: () => resolution({ kind: 'datetime' }),
}
