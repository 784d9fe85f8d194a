import { Type } from '@sinclair/typebox'
import { problem } from '../../messages/problem'
import { fieldSchema } from '../common'
import { resolution } from '../storage'
import type { FieldTypeDefinition } from '../types'

export const address: FieldTypeDefinition = {
  type: 'address',
  label: { 'zh-CN': '地址', en: 'Address' },
  schema: fieldSchema('address', {
    require_detail: Type.Optional(Type.Boolean({ description: 'the street address is required too' })),
  }),
  resolve: () => resolution({ kind: 'address' }),
  check(value, field) {
    const address = value as { province: string | null; detail: string | null } | null
    if (!address) return null
    if (field.required && !address.province) return problem('province_required', 'province is required')
    if (field.require_detail && !address.detail) return problem('street_required', 'street address is required')
    return null
  },
}
