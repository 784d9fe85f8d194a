import type { TableModel } from '../../schema/model/types'
import type { WorkingRecord } from '../../schema/model/compute'
import { fieldProblem, type FieldProblem } from '../lib/errors'

/** Keys a client may send back unchanged from a read; they are not field values. */
const SYSTEM_KEYS = new Set(['id', 'version', 'created_at', 'updated_at', 'created_by', 'updated_by', 'doc_status', 'line_no', 'parent_id'])

export interface NormalizedInput {
  record: WorkingRecord
  problems: FieldProblem[]
}

/**
 * Reads a request body into canonical values, field by field, collecting every problem with its
 * path. Computed fields sent back from a read are ignored (they are recomputed). Read-only fields
 * in a user's input are set aside: actions and rules own them (an order's status, a stocktake's
 * frozen book quantity); `readonlyProblems` later refuses them unless they equal what the record
 * holds anyway, so a client may send a whole record back. Unknown keys are an error, so a typo is
 * never silently dropped.
 */
export function normalizeInput(table: TableModel, input: unknown, path = '', fromUser = false): NormalizedInput {
  const problems: FieldProblem[] = []
  const record: WorkingRecord = { values: {}, lines: {}, provided: new Set<string>() }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    problems.push(fieldProblem(path || '(record)', 'record_must_be_object', 'must be an object of field values'))
    return { record, problems }
  }
  const provided = record.provided as Set<string>
  const given: GivenReadonly[] = []
  givenReadonly.set(record, given)
  for (const [key, raw] of Object.entries(input as Record<string, unknown>)) {
    if (SYSTEM_KEYS.has(key)) continue
    const field = table.field(key)
    const at = `${path}${key}`
    if (!field) {
      problems.push(fieldProblem(at, 'unknown_field', `unknown field "${key}"`, { field: key }))
      continue
    }
    if (field.computed && field.computed !== 'copy') continue
    if (field.computed === 'copy' && field.def.editable === false) continue
    if (fromUser && field.def.readonly && !field.lines) {
      const result = field.codec.normalize(raw, field.value)
      given.push({ at, key, value: result.ok ? result.value : raw })
      continue
    }
    if (field.lines) {
      const result = field.codec.normalize(raw, field.value)
      if (!result.ok) {
        problems.push({ field: at, ...result.error })
        continue
      }
      record.lines[key] = (result.value as unknown[]).map((line, i) => {
        const normalized = normalizeInput(field.lines!, line, `${at}[${i}].`, fromUser)
        problems.push(...normalized.problems)
        const lineId = (line as { id?: unknown }).id
        if (lineId !== undefined && lineId !== null && !(typeof lineId === 'number' && Number.isSafeInteger(lineId) && lineId > 0)) {
          problems.push(fieldProblem(`${at}[${i}].id`, 'unknown_line', 'must be the id of an existing line'))
        }
        const working = { ...normalized.record, id: typeof lineId === 'number' ? lineId : undefined }
        givenReadonly.set(working, givenReadonly.get(normalized.record) ?? [])
        return working
      })
      provided.add(key)
      continue
    }
    const result = field.codec.normalize(raw, field.value)
    if (!result.ok) problems.push({ field: at, ...result.error })
    else {
      record.values[key] = result.value
      provided.add(key)
    }
  }
  return { record, problems }
}

interface GivenReadonly {
  at: string
  key: string
  value: unknown
}
const givenReadonly = new WeakMap<WorkingRecord, GivenReadonly[]>()

/**
 * Read-only values a user sent that differ from what the record ends up with (`result`: the input
 * merged with the stored record, or with defaults for a new one; lines in the input's order).
 */
export function readonlyProblems(input: WorkingRecord, result: WorkingRecord): FieldProblem[] {
  const problems: FieldProblem[] = []
  for (const { at, key, value } of givenReadonly.get(input) ?? []) {
    if (JSON.stringify(value ?? null) !== JSON.stringify(result.values[key] ?? null)) {
      problems.push(fieldProblem(at, 'readonly', 'is read-only: the form\'s actions and rules set it'))
    }
  }
  for (const [key, lines] of Object.entries(input.lines)) {
    lines.forEach((line, i) => {
      const merged = result.lines[key]?.[i]
      if (merged) problems.push(...readonlyProblems(line, merged))
    })
  }
  return problems
}
