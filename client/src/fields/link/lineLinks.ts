import { recordsApi } from '@/api/records'
import type { FieldDefinition, FormInfo, RecordData } from '@/api/types'
import { idOf } from '../shared/format'

/*
 * A link to the lines of another form (`purchase_orders.lines`: which PO line a receipt line
 * fills; `orders.lines`: which order line comes back) picks among the lines of the one record the
 * form already links to (the stock-in's 采购单, the after-sales' 订单).
 */

export interface LineSource {
  /** the top-level link field of the form that names the record (purchase_order) */
  parentField: string
  parentForm: string
  subForm: string
}

export function lineSource(form: FormInfo, target: string): LineSource | null {
  const [parentForm, subForm] = target.split('.')
  if (!subForm) return null
  const parentField = Object.entries(form.fields).find(([, info]) => info.kind === 'link' && info.target === parentForm)?.[0]
  return parentField ? { parentField, parentForm, subForm } : null
}

/** The lines of the linked record, or null while the form names none. */
export async function linesOf(source: LineSource, values: Record<string, unknown> | undefined): Promise<RecordData[] | null> {
  const id = idOf(values?.[source.parentField])
  if (typeof id !== 'number') return null
  const record = await recordsApi.get(source.parentForm, id)
  return (record[source.subForm] as RecordData[] | undefined) ?? []
}

/** "1 · TX001-01": the line number and the field the link displays. */
export function lineDisplay(def: FieldDefinition, line: RecordData): string {
  const field = typeof def.display_field === 'string' ? def.display_field : undefined
  const value = field ? line[field] : undefined
  const text = value && typeof value === 'object' && 'display' in value ? (value as { display: unknown }).display : value
  return [line.line_no, text].filter((v) => v !== undefined && v !== null && v !== '').join(' · ') || `#${line.id}`
}
