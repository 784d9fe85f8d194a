import { Type } from '@sinclair/typebox'
import { problem, type Problem } from '../../messages/problem'
import { fieldSchema } from '../common'
import { resolution } from '../storage'
import type { FieldDefinition, FieldTypeDefinition } from '../types'

const fileOptions = {
  max_files: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
  max_size_mb: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 200 })),
}

function checkCount(value: unknown, field: FieldDefinition): Problem | null {
  if (Array.isArray(value) && typeof field.max_files === 'number' && value.length > field.max_files) {
    return problem('max_files', `at most ${field.max_files} file${field.max_files === 1 ? '' : 's'}`, { max: field.max_files })
  }
  return null
}

export const attachment: FieldTypeDefinition = {
  type: 'attachment',
  label: { 'zh-CN': '附件', en: 'Attachment' },
  schema: fieldSchema('attachment', {
    ...fileOptions,
    accept: Type.Optional(Type.String({ description: 'file types the picker offers, like ".pdf,.xlsx,image/*"' })),
  }),
  resolve: () => resolution({ kind: 'files' }),
  check: checkCount,
}

export const image: FieldTypeDefinition = {
  type: 'image',
  label: { 'zh-CN': '图片', en: 'Image' },
  schema: fieldSchema('image', fileOptions),
  resolve: () => resolution({ kind: 'files' }),
  check: checkCount,
}
