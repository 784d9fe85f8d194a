import { recordsApi } from '@/api/records'
import type { FieldDefinition, FormInfo, RecordData, Reference } from '@/api/types'
import { useFormsStore } from '@/stores/forms'

/** How a link field finds records of the form it points at: by the field it displays. */
export function linkTarget(def: FieldDefinition, target: string | undefined) {
  const forms = useFormsStore()
  const form: FormInfo | undefined = target && !target.includes('.') ? forms.get(target) : undefined
  const displayField = (typeof def.display_field === 'string' ? def.display_field : undefined) ?? form?.title_field ?? 'id'
  return { form, displayField }
}

export function displayOf(record: RecordData, displayField: string): string {
  const value = record[displayField]
  if (value && typeof value === 'object' && 'display' in value) return String((value as Reference).display ?? record.id)
  return value === null || value === undefined || value === '' ? `#${record.id}` : String(value)
}

export async function searchRecords(form: FormInfo, displayField: string, query: string, limit = 20): Promise<RecordData[]> {
  const info = form.fields[displayField]
  const canContain = info?.filter_operators.includes('contains')
  const text = query.trim()
  const filter = text && canContain ? { field: displayField, op: 'contains' as const, value: text } : undefined
  const sortable = info && ['text', 'decimal', 'date', 'datetime'].includes(info.kind)
  const result = await recordsApi.query(form.key, { filter, sort: sortable ? displayField : undefined, limit })
  return result.data
}

export async function fetchByIds(form: FormInfo, ids: number[]): Promise<RecordData[]> {
  if (!ids.length) return []
  const result = await recordsApi.query(form.key, { filter: { field: 'id', op: 'in', value: ids }, limit: Math.min(ids.length, 500) })
  return result.data
}
