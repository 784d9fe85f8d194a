import { Type } from '@sinclair/typebox'
import { problem } from '../../messages/problem'
import { Key, fieldSchema } from '../common'
import { resolution } from '../storage'
import type { FieldTypeDefinition } from '../types'

/**
 * Line items: a child table of their own fields. The fields are checked one by one against their
 * own types by the template validator, so they are plain objects in this schema.
 */
export const subForm: FieldTypeDefinition = {
  type: 'sub_form',
  label: { 'zh-CN': '子表单', en: 'Sub-form (lines)' },
  schema: fieldSchema('sub_form', {
    fields: Type.Array(Type.Object({ key: Type.String(), type: Type.String() }), { minItems: 1 }),
    min_lines: Type.Optional(Type.Integer({ minimum: 0 })),
    max_lines: Type.Optional(Type.Integer({ minimum: 1 })),
    line_key: Type.Optional(Key),
    /** composite indexes of the lines' table, e.g. a covering one: [{"fields": ["parent_id", "sku", "qty"]}] */
    indexes: Type.Optional(
      Type.Array(Type.Object({ fields: Type.Array(Key, { minItems: 1, maxItems: 16 }), unique: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
    ),
  }),
  resolve(field) {
    const problems = []
    if (field.line_key && !(field.fields as { key: string }[]).some((f) => f.key === field.line_key)) {
      problems.push({ at: 'line_key', message: `no line field "${String(field.line_key)}"` })
    }
    return { ...resolution({ kind: 'lines' }), problems }
  },
  check(value, field) {
    if (!Array.isArray(value)) return null
    if (typeof field.min_lines === 'number' && value.length < field.min_lines) return problem('min_lines', `needs at least ${field.min_lines} line${field.min_lines === 1 ? '' : 's'}`, { min: field.min_lines })
    if (typeof field.max_lines === 'number' && value.length > field.max_lines) return problem('max_lines', `allows at most ${field.max_lines} lines`, { max: field.max_lines })
    return null
  },
}
