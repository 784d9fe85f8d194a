import type { Knex } from 'knex'
import type { WorkingRecord } from '../../schema/model/compute'
import type { FieldModel, FormModel, TableModel } from '../../schema/model/types'
import { localize } from '../../schema/lib/localized'
import type { FormRegistry } from '../forms/registry'
import { fieldProblem, type FieldProblem } from '../lib/errors'
import { whereTuples } from '../query/tuples'

type Values = Record<string, unknown>

/** Decodes the columns of a record from another table into canonical values. */
function decodeRow(table: TableModel, row: Values, keys: Set<string>): Values {
  const values: Values = {}
  for (const key of keys) {
    const field = table.field(key)
    if (!field) continue
    if (field.storage.kind === 'column') values[key] = field.codec.fromStored(row[key], field.value)
    else if (field.storage.kind === 'columns') {
      values[key] = field.codec.fromStored(Object.fromEntries(field.storage.parts.map((p) => [p.part, row[`${key}_${p.part}`]])), field.value)
    }
  }
  return values
}

function columnsOf(table: TableModel, keys: Set<string>): string[] {
  return [...keys].flatMap((key) => {
    const field = table.field(key)
    if (!field) return []
    if (field.storage.kind === 'column') return [key]
    if (field.storage.kind === 'columns') return field.storage.parts.map((p) => `${key}_${p.part}`)
    return []
  })
}

/** Fields of `table` that read through `link`: copies and lookups (or lookups only). */
function readersOf(table: TableModel, link: FieldModel, lookupsOnly = false): string[] {
  const kinds = lookupsOnly ? ['lookup'] : ['copy', 'lookup']
  const readers = table.fields.filter((f) => kinds.includes(f.computed ?? '') && f.def.link === link.key)
  // a prorated copy also reads the linked record's quantity
  return readers.flatMap((f) => [f.def.field as string, ...(f.def.prorate ? [(f.def.prorate as { of: string }).of] : [])])
}

async function selectIn(trx: Knex, table: string, ids: number[], columns: string[], keyShare: boolean): Promise<Values[]> {
  const rows: Values[] = []
  for (let i = 0; i < ids.length; i += 500) {
    const query = trx(table).whereIn('id', ids.slice(i, i + 500)).select(['id', ...columns])
    rows.push(...(await (keyShare ? query.orderBy('id').forKeyShare() : query)))
  }
  return rows
}

/**
 * The canonical values of `keys` of some records of a form or sub-form, by id. A key that is itself
 * a lookup (a lookup of a lookup) is followed through its link, one query per hop.
 */
async function loadValues(trx: Knex, registry: FormRegistry, table: TableModel, ids: number[], keys: Set<string>, keyShare: boolean): Promise<Map<number, Values>> {
  const lookups = [...keys].map((k) => table.field(k)).filter((f): f is FieldModel => f?.computed === 'lookup')
  const own = new Set([...keys, ...lookups.map((f) => f.def.link as string)])
  const rows = await selectIn(trx, table.table, ids, columnsOf(table, own), keyShare)
  const found = new Map(rows.map((row) => [Number(row.id), decodeRow(table, row, own)]))
  const byLink = new Map<string, FieldModel[]>()
  for (const lookup of lookups) byLink.set(lookup.def.link as string, [...(byLink.get(lookup.def.link as string) ?? []), lookup])
  for (const [linkKey, through] of byLink) {
    const target = registry.table(table.field(linkKey)?.value.target ?? '')
    if (!target) continue
    const next = [...new Set([...found.values()].map((v) => v[linkKey]).filter((v): v is number => typeof v === 'number'))]
    const far = next.length ? await loadValues(trx, registry, target, next, new Set(through.map((f) => f.def.field as string)), false) : new Map()
    for (const values of found.values()) {
      const linked = typeof values[linkKey] === 'number' ? far.get(values[linkKey] as number) : undefined
      for (const lookup of through) values[lookup.key] = linked?.[lookup.def.field as string] ?? null
    }
  }
  return found
}

/** What a batch's links point at, per target table: the ids and the fields copies and lookups read. */
function wantedTargets(form: FormModel, records: WorkingRecord[], prefix: (i: number) => string, lookupsOnly: boolean) {
  const wanted = new Map<string, { ids: Set<number>; keys: Set<string> }>()
  const uses: { path: string; target: string; id: number; field: FieldModel }[] = []
  const want = (target: string, id: number, keys: string[]) => {
    const entry = wanted.get(target) ?? { ids: new Set(), keys: new Set() }
    entry.ids.add(id)
    keys.forEach((k) => entry.keys.add(k))
    wanted.set(target, entry)
  }
  // Only reference fields matter: paths are built for them alone (a batch holds thousands of values).
  const referenceFields = (table: TableModel) =>
    table.fields.flatMap((field) => {
      const kind = field.value.kind
      if (kind !== 'link' && kind !== 'user' && kind !== 'link_list' && kind !== 'files') return []
      const keys = kind === 'link' ? readersOf(table, field, lookupsOnly) : []
      if (lookupsOnly && keys.length === 0) return []
      const target = kind === 'user' ? 'zg_users' : kind === 'files' ? 'zg_files' : field.value.target!
      return [{ field, kind, keys, target }]
    })
  const visit = (fields: ReturnType<typeof referenceFields>, values: Values, at: () => string) => {
    for (const { field, kind, keys, target } of fields) {
      const value = values[field.key]
      const ids = kind === 'link' || kind === 'user' ? (typeof value === 'number' ? [value] : []) : ((value as number[] | undefined) ?? [])
      if (ids.length === 0) continue
      const path = `${at()}${field.key}`
      for (const id of ids) {
        want(target, id, keys)
        uses.push({ path, target, id, field })
      }
    }
  }
  const own = referenceFields(form)
  const subs = form.fields.filter((f) => f.lines).map((f) => ({ key: f.key, fields: referenceFields(f.lines!) }))
  for (const [i, record] of records.entries()) {
    visit(own, record.values, () => prefix(i))
    for (const sub of subs) {
      if (sub.fields.length === 0) continue
      for (const [j, line] of (record.lines[sub.key] ?? []).entries()) visit(sub.fields, line.values, () => `${prefix(i)}${sub.key}[${j}].`)
    }
  }
  return { wanted, uses }
}

/**
 * Loads what a batch's links point at — proving each linked record, user and file exists — and
 * the linked values copies and lookups need. One query per linked table (and per further hop of a
 * lookup of a lookup). With `keyShare` (PostgreSQL) the linked rows stay locked against deletion
 * until the write commits, so a record cannot be deleted while another transaction links to it.
 */
export async function fetchLinked(
  trx: Knex,
  registry: FormRegistry,
  form: FormModel,
  records: WorkingRecord[],
  prefix: (i: number) => string,
  keyShare = false,
): Promise<{ linked: (path: string, id: number) => Values | undefined; problems: FieldProblem[]; found: LinkedValues }> {
  const { wanted, uses } = wantedTargets(form, records, prefix, false)
  const found = new Map<string, Map<number, Values>>()
  for (const [target, { ids, keys }] of wanted) {
    const table = target.startsWith('zg_') ? null : registry.table(target)
    if (table) found.set(target, await loadValues(trx, registry, table, [...ids], keys, keyShare))
    else found.set(target, new Map((await selectIn(trx, target, [...ids], [], keyShare)).map((row) => [Number(row.id), {}])))
  }

  const problems: FieldProblem[] = []
  for (const use of uses) {
    if (found.get(use.target)?.has(use.id)) continue
    const { id } = use
    if (use.target === 'zg_users') problems.push(fieldProblem(use.path, 'user_not_found', `there is no user with id ${id}`, { id }))
    else if (use.target === 'zg_files') problems.push(fieldProblem(use.path, 'file_not_found', `there is no file with id ${id}`, { id }))
    else {
      const label = registry.get(use.target.split('.')[0])?.def.label ?? use.target
      problems.push(fieldProblem(use.path, 'link_not_found', `there is no "${localize(label)}" record with id ${id}`, { form: label, id }))
    }
  }
  return { linked: (path, id) => found.get(path)?.get(id), problems, found }
}

/** What a batch's links pointed at when it was checked: target table → id → the values copies and lookups read. */
export type LinkedValues = Map<string, Map<number, Values>>

/** Whether a linked record both snapshots hold reads differently now (its copies and lookups would change). */
export function linkedValuesDiffer(then: LinkedValues, now: LinkedValues): boolean {
  for (const [target, records] of now) {
    const before = then.get(target)
    if (!before) continue
    for (const [id, values] of records) {
      const old = before.get(id)
      if (old && JSON.stringify(old) !== JSON.stringify(values)) return true
    }
  }
  return false
}

/** The linked values lookups read, for records recomputed by the system (their links are known to hold). */
export async function fetchLookedUp(trx: Knex, registry: FormRegistry, form: FormModel, records: WorkingRecord[]): Promise<(path: string, id: number) => Values | undefined> {
  const { wanted } = wantedTargets(form, records, () => '', true)
  const found = new Map<string, Map<number, Values>>()
  for (const [target, { ids, keys }] of wanted) {
    const table = registry.table(target)
    if (table) found.set(target, await loadValues(trx, registry, table, [...ids], keys, false))
  }
  return (path, id) => found.get(path)?.get(id)
}

/**
 * Unique fields and unique indexes: no other stored row and no other record of the batch may hold
 * the same value. (The database's unique index is the final guard against races.)
 */
export async function checkUnique(
  trx: Knex,
  form: FormModel,
  records: WorkingRecord[],
  prefix: (i: number) => string,
): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = []
  const constraints: string[][] = [
    ...form.fields.filter((f) => f.def.unique && f.storage.kind === 'column').map((f) => [f.key]),
    ...(form.def.indexes ?? []).filter((i) => i.unique).map((i) => i.fields),
  ]
  const ownIds = records.map((r) => r.id).filter((id): id is number => typeof id === 'number')
  for (const columns of constraints) {
    const seen = new Map<string, number>()
    const tuples: { key: string; values: unknown[]; index: number }[] = []
    for (const [i, record] of records.entries()) {
      const values = columns.map((c) => form.field(c)!.codec.toStored(record.values[c], form.field(c)!.value))
      if (values.some((v) => v === null || v === undefined)) continue
      const key = JSON.stringify(values.map(String))
      const label = columns.join(' + ')
      if (seen.has(key)) problems.push(fieldProblem(`${prefix(i)}${columns[0]}`, 'unique_in_batch', `${label} must be unique; record ${seen.get(key)! + 1} of this batch has the same value`, { field: label, row: seen.get(key)! + 1 }))
      else seen.set(key, i)
      tuples.push({ key, values, index: i })
    }
    for (let start = 0; start < tuples.length; start += 200) {
      const chunk = tuples.slice(start, start + 200)
      const query = whereTuples(trx(form.table).select(['id', ...columns]), columns, chunk.map((t) => t.values))
      if (ownIds.length) query.whereNotIn('id', ownIds)
      for (const row of await query) {
        const key = JSON.stringify(columns.map((c) => String(row[c])))
        const hit = chunk.find((t) => t.key === key)
        if (!hit) continue
        const shown = columns.map((c) => String(form.field(c)!.codec.fromStored(row[c], form.field(c)!.value))).join(' + ')
        problems.push(fieldProblem(`${prefix(hit.index)}${columns[0]}`, 'unique', `"${shown}" is already used by record ${row.id}`, { value: shown, id: Number(row.id) }))
      }
    }
  }
  return problems
}
