import type { Knex } from 'knex'
import type { WorkingRecord } from '../../schema/model/compute'
import type { FormModel, TableModel } from '../../schema/model/types'
import type { LookupGraph, LookupRead } from '../forms/lookup-graph'
import { refreshComputed, type RollupContext } from './rollups'

/** Per table path ('skus', 'orders.lines'): changed field → ids of the rows where it changed. */
export type ChangedFields = Map<string, Map<string, Set<number>>>

/** Records refreshed per call of refreshComputed: bounds memory when one SKU is on 100,000 lines. */
const REFRESH_CHUNK = 1000

export function noteChanged(changed: ChangedFields, path: string, field: string, id: number): void {
  const fields = changed.get(path) ?? new Map<string, Set<number>>()
  const ids = fields.get(field) ?? new Set<number>()
  ids.add(id)
  fields.set(field, ids)
  changed.set(path, fields)
}

/**
 * Fields that lookups elsewhere read, changed by a user's write of `form` (records and their
 * lines). New records and lines have no readers yet; deleted ones are refused or unlinked first.
 */
export function watchedChanges(graph: LookupGraph, form: FormModel, changes: { before: WorkingRecord | null; after: WorkingRecord | null }[]): ChangedFields {
  const changed: ChangedFields = new Map()
  const differs = (a: unknown, b: unknown) => JSON.stringify(a ?? null) !== JSON.stringify(b ?? null)
  const compare = (path: string, before: WorkingRecord, after: WorkingRecord, id: number) => {
    for (const key of graph.watched(path)) if (differs(before.values[key], after.values[key])) noteChanged(changed, path, key, id)
  }
  for (const { before, after } of changes) {
    if (!before || !after || typeof before.id !== 'number') continue
    compare(form.key, before, after, before.id)
    for (const field of form.fields) {
      if (!field.lines || graph.watched(field.lines.path).size === 0) continue
      const old = new Map((before.lines[field.key] ?? []).map((line) => [line.id, line]))
      for (const line of after.lines[field.key] ?? []) {
        const previous = typeof line.id === 'number' ? old.get(line.id) : undefined
        if (previous) compare(field.lines.path, previous, line, line.id!)
      }
    }
  }
  return changed
}

/**
 * Some rows' fields changed (a SKU's weight, an order line's stored formula, a re-linked record):
 * the records whose stored values read them through lookups — directly, or along a chain of
 * lookups — are recomputed in this transaction, without a version bump, and what that changes is
 * passed on again (rollups and lookups further down, by refreshComputed).
 */
export async function refreshLookupReaders(ctx: RollupContext, changed: ChangedFields, depth = 0): Promise<void> {
  const graph = ctx.registry.lookups
  const toRefresh = new Map<FormModel, Set<number>>()
  const queue = [...changed]
  while (queue.length) {
    const [path, fields] = queue.shift()!
    // A re-linked row reads other values through every lookup of that link.
    const expanded = new Map(fields)
    for (const [key, ids] of fields) for (const lookup of graph.lookupsThrough(path, key)) expanded.set(lookup, new Set([...(expanded.get(lookup) ?? []), ...ids]))

    // One query per (table, link) read: the rows whose link points at changed records.
    const groups = new Map<string, { read: LookupRead; ids: Set<number> }>()
    for (const [key, ids] of expanded) {
      for (const read of graph.readersOf(path, key)) {
        const group = `${read.table.path}#${read.link}#${read.refresh}`
        const entry = groups.get(group) ?? { read: { ...read, lookups: [] }, ids: new Set<number>() }
        entry.read.lookups = [...new Set([...entry.read.lookups, ...read.lookups])]
        ids.forEach((id) => entry.ids.add(id))
        groups.set(group, entry)
      }
    }
    for (const { read, ids } of groups.values()) {
      const rows = await rowsLinkingTo(ctx.trx, read.table, read.link, [...ids])
      if (rows.length === 0) continue
      if (read.refresh) {
        const owners = toRefresh.get(read.form) ?? new Set<number>()
        for (const row of rows) owners.add(row.owner)
        toRefresh.set(read.form, owners)
      }
      // A lookup of these rows read by lookups further on: their rows see a new value too.
      const further = new Map<string, Set<number>>()
      for (const lookup of read.lookups) if (graph.readersOf(read.table.path, lookup).length) further.set(lookup, new Set(rows.map((r) => r.id)))
      if (further.size) queue.push([read.table.path, further])
    }
  }
  for (const [form, ids] of toRefresh) {
    const sorted = [...ids].sort((a, b) => a - b)
    for (let i = 0; i < sorted.length; i += REFRESH_CHUNK) await refreshComputed(ctx, form, sorted.slice(i, i + REFRESH_CHUNK), depth + 1)
  }
}

/** Rows of `table` whose `link` holds one of `ids`, with the record each belongs to (itself, or a line's parent). */
async function rowsLinkingTo(trx: Knex.Transaction, table: TableModel, link: string, ids: number[]): Promise<{ id: number; owner: number }[]> {
  const lines = Boolean(table.parent)
  const rows: { id: number; owner: number }[] = []
  for (let i = 0; i < ids.length; i += 500) {
    const found = await trx(table.table).whereIn(link, ids.slice(i, i + 500)).select(lines ? ['id', 'parent_id'] : ['id'])
    for (const row of found) rows.push({ id: Number(row.id), owner: Number(lines ? row.parent_id : row.id) })
  }
  return rows
}
