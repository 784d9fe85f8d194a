import { businessDate } from '../../../schema/lib/time'
import type { TableModel } from '../../../schema/model/types'

/**
 * Values to show a form with in the designer's preview: a real record's where it has them (the
 * form's latest record), made-up ones for fields `invent` names (new fields: `lines.qty` inside
 * lines), nothing for what the system computes.
 */
export function sampleValues(
  table: TableModel,
  record: Record<string, unknown> | null,
  invent: (path: string) => boolean = () => true,
  now = Date.now(),
  prefix = '',
): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const field of table.fields) {
    if (field.computed && field.computed !== 'copy') continue
    const real = record?.[field.key]
    if (field.lines) {
      const lines = Array.isArray(real) ? (real as Record<string, unknown>[]) : [{}]
      values[field.key] = lines.map((line) => sampleValues(field.lines!, line, invent, now, `${field.key}.`))
      continue
    }
    if (real !== undefined && real !== null && !(Array.isArray(real) && !real.length)) {
      values[field.key] = real
      continue
    }
    if (!invent(prefix + field.key)) continue
    const made = madeUp(field.value.kind, field.value.scale, field.def.options as { value: string }[] | undefined, now)
    if (made !== undefined) values[field.key] = made
  }
  return values
}

function madeUp(kind: string, scale: number | undefined, options: { value: string }[] | undefined, now: number): unknown {
  switch (kind) {
    case 'text':
      return options?.length ? options[0].value : '示例'
    case 'text_list':
      return options?.length ? [options[0].value] : undefined
    case 'decimal':
      return (12).toFixed(scale ?? 0)
    case 'boolean':
      return true
    case 'date':
      return businessDate(now)
    default:
      return undefined // links, users, files, addresses, times: left blank
  }
}
