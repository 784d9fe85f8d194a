import { Type } from '@sinclair/typebox'
import { fieldSchema } from '../common'
import { resolution } from '../storage'
import type { FieldTypeDefinition } from '../types'
import { parseAutoNumberPattern } from '../../lib/auto-number'

export const autoNumber: FieldTypeDefinition = {
  type: 'auto_number',
  label: { 'zh-CN': '自动编号', en: 'Auto number' },
  computed: true,
  schema: fieldSchema('auto_number', {
    pattern: Type.String({ minLength: 1, description: 'e.g. RK{YYYYMMDD}{0000}: the counter restarts each period the date part names' }),
  }),
  resolve(field) {
    const parsed = parseAutoNumberPattern(field.pattern as string)
    const problems = 'error' in parsed ? [{ at: 'pattern', message: parsed.error }] : []
    return { ...resolution({ kind: 'text' }, { computed: 'auto_number' }), problems }
  },
}
