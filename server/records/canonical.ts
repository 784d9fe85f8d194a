import type { TableModel } from '../../schema/model/types'
import type { WorkingRecord } from '../../schema/model/compute'
import type { ApiRecord } from './types'

const idOf = (v: unknown) => (typeof v === 'object' && v !== null && 'id' in v ? (v as { id: unknown }).id : v)

/** A record as read from the API → the working form the compute pipeline takes. */
export function toWorking(table: TableModel, record: Record<string, unknown>): WorkingRecord {
  const working: WorkingRecord = { values: {}, lines: {}, id: typeof record.id === 'number' ? record.id : undefined }
  for (const field of table.fields) {
    const value = record[field.key]
    if (field.lines) {
      working.lines[field.key] = Array.isArray(value) ? value.map((line) => toWorking(field.lines!, line as Record<string, unknown>)) : []
    } else if (field.value.kind === 'link' || field.value.kind === 'user') {
      working.values[field.key] = value == null ? null : idOf(value)
    } else if (field.value.kind === 'link_list' || field.value.kind === 'files') {
      working.values[field.key] = Array.isArray(value) ? value.map(idOf) : []
    } else {
      working.values[field.key] = value === undefined ? null : value
    }
  }
  return working
}

/** Overlays a normalized partial input on an existing record: lines are replaced as given. */
export function mergeInput(table: TableModel, existing: ApiRecord, input: WorkingRecord): { working: WorkingRecord; unknownLineIds: string[] } {
  const base = toWorking(table, existing)
  const unknownLineIds: string[] = []
  // Lines the input does not touch are kept as they are: their copies were taken already.
  const keptLines = Object.fromEntries(Object.entries(base.lines).map(([key, lines]) => [key, lines.map((l) => ({ ...l, previous: l.values }))]))
  const working: WorkingRecord = {
    values: { ...base.values, ...input.values },
    lines: keptLines,
    provided: input.provided,
    previous: base.values,
    id: existing.id,
  }
  for (const [key, lines] of Object.entries(input.lines)) {
    const current = new Map((base.lines[key] ?? []).map((l) => [l.id!, l]))
    working.lines[key] = lines.map((line, i) => {
      if (line.id === undefined) return line
      const old = current.get(line.id)
      if (!old) {
        unknownLineIds.push(`${key}[${i}].id`)
        return line
      }
      // A line sent with its id changes only the fields it carries.
      return { values: { ...old.values, ...line.values }, lines: {}, provided: line.provided, previous: old.values, id: line.id }
    })
  }
  return { working, unknownLineIds }
}
