import type { FilterOperator } from '@schema/values/types'
import type { LocalizedText } from '@schema/lib/localized'
import type { FieldDefinition, FieldInfo, FormInfo } from '@/api/types'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'
import type { FieldContext } from '@/fields/types'

const ORDERED: FilterOperator[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'between', 'is_empty', 'is_not_empty']
const TEXT: FilterOperator[] = ['eq', 'ne', 'in', 'not_in', 'contains', 'not_contains', 'starts_with', 'ends_with', 'is_empty', 'is_not_empty']
const REFERENCE: FilterOperator[] = ['eq', 'ne', 'in', 'not_in', 'is_empty', 'is_not_empty']

const both = (pick: (m: typeof zhCN) => string): LocalizedText => ({ 'zh-CN': pick(zhCN), en: pick(en) })

type SystemColumn = 'id' | 'created_at' | 'updated_at' | 'created_by' | 'updated_by' | 'doc_status'

const SYSTEM: Record<SystemColumn, { def: Omit<FieldDefinition, 'key' | 'label'> & { type: string }; info: FieldInfo }> = {
  id: { def: { type: 'number' }, info: { kind: 'decimal', scale: 0, computed: null, stored: true, filter_operators: ORDERED } },
  created_at: { def: { type: 'datetime' }, info: { kind: 'datetime', computed: null, stored: true, filter_operators: ORDERED } },
  updated_at: { def: { type: 'datetime' }, info: { kind: 'datetime', computed: null, stored: true, filter_operators: ORDERED } },
  created_by: { def: { type: 'user' }, info: { kind: 'user', computed: null, stored: true, filter_operators: REFERENCE } },
  updated_by: { def: { type: 'user' }, info: { kind: 'user', computed: null, stored: true, filter_operators: REFERENCE } },
  doc_status: {
    def: {
      type: 'select',
      options: (['draft', 'submitted', 'void'] as const).map((value, i) => ({
        value,
        label: both((m) => m.doc.status[value]),
        color: ['#909399', '#67c23a', '#f56c6c'][i],
      })),
    },
    info: { kind: 'text', computed: null, stored: true, filter_operators: ['eq', 'ne', 'in', 'not_in'] },
  },
}

/**
 * What a grid column shows: a field, a part of an address (`address.province`), or a system
 * column (`doc_status`, `created_at`…). Returns null for names the form does not have.
 */
export function columnContext(form: FormInfo, id: string, sourceField: (def: FieldDefinition) => FieldDefinition | undefined): FieldContext | null {
  const system = SYSTEM[id as SystemColumn]
  if (system && (id !== 'doc_status' || form.document)) {
    const label = both((m) => m.system[id as SystemColumn])
    return { key: id, def: { ...system.def, key: id, label }, info: system.info, form, label }
  }
  const [key, part] = id.split('.')
  const def = form.definition.fields.find((f) => f.key === key)
  const info = form.fields[key]
  if (!def || !info) return null
  if (part) {
    if (info.kind !== 'address' || !['province', 'city', 'district', 'detail'].includes(part)) return null
    const p = part as keyof typeof zhCN.field.addressPart
    const base = typeof def.label === 'string' ? { 'zh-CN': def.label } : def.label
    const label: LocalizedText = { 'zh-CN': `${base['zh-CN']}·${zhCN.field.addressPart[p]}`, en: `${base.en ?? base['zh-CN']} (${en.field.addressPart[p]})` }
    return { key: id, def: { key: id, type: 'text', label }, info: { kind: 'text', computed: null, stored: true, filter_operators: TEXT }, form, label }
  }
  return { key, def, info, form, label: def.label, source: sourceField(def) }
}
