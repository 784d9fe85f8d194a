import type { WorkingRecord } from '../../schema/model/compute'
import type { TableModel } from '../../schema/model/types'

/**
 * What an audit entry's `changes` holds (docs/audit.md#changes), by action:
 * - create: `{after: image}`; delete: `{before: image}` — an image is the record's field values
 *   (canonical: money and decimals as strings, links as ids) with its lines as arrays of line images;
 * - update: `{field: [before, after], lines: {added: [image…], removed: [image…], changed: [{id, changes: {field: [before, after]}}]}}`
 *   (only what changed; a line's image carries its id);
 * - an action (submit, void, audit…): `{params, result, fields: {field: [before, after]}}`;
 * - import (one per batch of created records): `{ids, after: [image…]}`; undo_import: `{ids}`.
 */
export type ValueChange = [unknown, unknown]
export interface LinesChange {
  added?: Record<string, unknown>[]
  removed?: Record<string, unknown>[]
  changed?: { id: number; changes: Record<string, ValueChange> }[]
}
export type RecordChanges = Record<string, ValueChange | LinesChange>

/** A record's values with its lines (each line's values and id). */
export function imageOf(table: TableModel, record: WorkingRecord): Record<string, unknown> {
  const image: Record<string, unknown> = {}
  for (const field of table.fields) {
    if (field.lines) image[field.key] = (record.lines[field.key] ?? []).map((line) => lineImage(line))
    else if (field.key in record.values) image[field.key] = record.values[field.key] ?? null
  }
  return image
}

function lineImage(line: WorkingRecord): Record<string, unknown> {
  return line.id === undefined ? { ...line.values } : { id: line.id, ...line.values }
}

export function diffValues(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, ValueChange> {
  const diff: Record<string, ValueChange> = {}
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null)) diff[key] = [before[key] ?? null, after[key] ?? null]
  }
  return diff
}

/** Field-level changes between two versions of a record, lines compared by their ids. */
export function diffRecords(table: TableModel, before: WorkingRecord, after: WorkingRecord): RecordChanges {
  const changes: RecordChanges = {}
  const lineKeys = new Set(table.fields.filter((f) => f.lines).map((f) => f.key))
  const values = (v: Record<string, unknown>) => Object.fromEntries(Object.entries(v).filter(([k]) => !lineKeys.has(k)))
  Object.assign(changes, diffValues(values(before.values), values(after.values)))
  for (const key of lineKeys) {
    if (!(key in after.lines)) continue
    const previous = new Map((before.lines[key] ?? []).map((l) => [l.id, l]))
    const kept = new Set<number>()
    const lines: LinesChange = {}
    for (const line of after.lines[key]) {
      const old = line.id === undefined ? undefined : previous.get(line.id)
      if (!old) {
        ;(lines.added ??= []).push(lineImage(line))
        continue
      }
      kept.add(line.id!)
      const diff = diffValues(old.values, line.values)
      if (Object.keys(diff).length) (lines.changed ??= []).push({ id: line.id!, changes: diff })
    }
    for (const old of before.lines[key] ?? []) if (!kept.has(old.id!)) (lines.removed ??= []).push(lineImage(old))
    if (Object.keys(lines).length) changes[key] = lines
  }
  return changes
}

/**
 * An entry's changes without what the reader may not see: `hidden` holds field keys of the form
 * and `lines.field` paths of its line fields (a hidden line field goes as a whole).
 */
export function stripHidden(action: string, changes: unknown, hidden: ReadonlySet<string>): unknown {
  if (hidden.size === 0 || changes === null || typeof changes !== 'object') return changes
  const c = changes as Record<string, unknown>
  switch (action) {
    case 'create':
      return { ...c, after: stripImage(c.after, hidden) }
    case 'delete':
      return { ...c, before: stripImage(c.before, hidden) }
    case 'import':
      return { ...c, after: Array.isArray(c.after) ? c.after.map((image) => stripImage(image, hidden)) : c.after }
    case 'update':
      return stripDiff(c, hidden)
    case 'undo_import':
      return c
    default:
      // an action: what it was given and answered may carry hidden values too
      return { fields: c.fields ? stripDiff(c.fields as Record<string, unknown>, hidden) : undefined }
  }
}

function stripImage(image: unknown, hidden: ReadonlySet<string>): unknown {
  if (!image || typeof image !== 'object') return image
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(image)) {
    if (hidden.has(key)) continue
    out[key] = Array.isArray(value) && value.every((v) => v && typeof v === 'object') ? value.map((line) => stripLine(key, line, hidden)) : value
  }
  return out
}

function stripLine(lines: string, line: Record<string, unknown>, hidden: ReadonlySet<string>) {
  return Object.fromEntries(Object.entries(line).filter(([k]) => !hidden.has(`${lines}.${k}`)))
}

function stripDiff(diff: Record<string, unknown>, hidden: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(diff)) {
    if (hidden.has(key)) continue
    if (Array.isArray(value) || !value || typeof value !== 'object') {
      out[key] = value
      continue
    }
    const lines = value as LinesChange
    out[key] = {
      ...(lines.added ? { added: lines.added.map((l) => stripLine(key, l, hidden)) } : {}),
      ...(lines.removed ? { removed: lines.removed.map((l) => stripLine(key, l, hidden)) } : {}),
      ...(lines.changed ? { changed: lines.changed.map((l) => ({ id: l.id, changes: stripLine(key, l.changes, hidden) })) } : {}),
    }
  }
  return out
}
