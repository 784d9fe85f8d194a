import type { WorkingRecord, ComputeProblem } from './compute'
import { problem } from '../messages/problem'
import type { TableModel } from './types'

/**
 * Checks of a record's own values after compute: required fields and each type's rules (length,
 * range, options, pattern…). Database checks (unique, links exist) are the server's.
 */
export function checkRecord(table: TableModel, record: WorkingRecord, path = ''): ComputeProblem[] {
  const problems: ComputeProblem[] = []
  for (const field of table.fields) {
    const at = `${path}${field.key}`
    const value = field.lines ? (record.lines[field.key] ?? []) : record.values[field.key]
    if (field.def.required && !field.computed && field.codec.isEmpty(value)) {
      problems.push({ field: at, ...problem('required', 'is required') })
      continue
    }
    if (field.codec.isEmpty(value) && !field.lines) continue
    const invalid = field.type.check?.(value, field.def)
    if (invalid) problems.push({ field: at, ...invalid })
    if (field.lines) {
      ;(record.lines[field.key] ?? []).forEach((line, i) => problems.push(...checkRecord(field.lines!, line, `${at}[${i}].`)))
    }
  }
  return problems
}
