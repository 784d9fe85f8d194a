import type { WorkingRecord, ComputeProblem } from './compute'
import { problem } from '../messages/problem'
import { isRequired } from './conditions'
import type { TableModel } from './types'

/**
 * Checks of a record's own values after compute: required fields (also `required_when`, not while
 * `visible_when` hides them) and each type's rules (length,
 * range, options, pattern…). Database checks (unique, links exist) are the server's.
 */
/**
 * Text that shows nothing: only whitespace (including the ideographic space and NBSP), control
 * and invisible format characters (zero-width space…). A required field refuses it like empty.
 */
const INVISIBLE = /^[\s\p{Cc}\p{Cf}]*$/u
const looksEmpty = (value: unknown) => typeof value === 'string' && INVISIBLE.test(value)

export function checkRecord(table: TableModel, record: WorkingRecord, path = ''): ComputeProblem[] {
  const problems: ComputeProblem[] = []
  for (const field of table.fields) {
    const at = `${path}${field.key}`
    const value = field.lines ? (record.lines[field.key] ?? []) : record.values[field.key]
    if (!field.computed && (field.codec.isEmpty(value) || looksEmpty(value)) && isRequired(field.def, record.values)) {
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
