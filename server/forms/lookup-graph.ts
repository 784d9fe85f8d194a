import type { FieldModel, FormModel, TableModel } from '../../schema/model/types'

/**
 * Lookups of one table through one link that read fields of another table (a form or sub-form):
 * when those fields change on some records, the rows of `table` whose `link` points at them see
 * new values in `lookups`.
 */
export interface LookupRead {
  /** the form holding `table`: its records are what gets refreshed */
  form: FormModel
  /** the table of the link and its lookups: the form itself or one of its sub-forms */
  table: TableModel
  /** the link field in `table` */
  link: string
  /** the lookup fields in `table` (through `link`) that read the changed field */
  lookups: string[]
  /** stored values of `form` (formulas, rollups over lines, formulas over those) read these lookups */
  refresh: boolean
}

const node = (path: string, key: string) => `${path}#${key}`

/**
 * The dependency graph across forms for values computed from linked records: which table's field
 * is read by which lookups, through which link, and whether stored values are computed from them.
 * Built once per registry load. Lookups themselves are read live; what goes stale without this is
 * a stored formula (or a rollup over such formulas, and formulas over that rollup…) that reads one.
 * A lookup that reads another lookup is a chain: the middle table's link and the far field both
 * count as changes of the middle lookup.
 */
export class LookupGraph {
  private readonly reads = new Map<string, LookupRead[]>()
  private readonly through = new Map<string, string[]>()
  private readonly watchedFields = new Map<string, Set<string>>()

  constructor(forms: Iterable<FormModel>) {
    const tables = [...forms].flatMap((form) => [form, ...form.fields.flatMap((f) => (f.lines ? [f.lines] : []))].map((table) => ({ form, table })))
    const all: { key: string; read: LookupRead; target: string; field: string }[] = []
    for (const { form, table } of tables) {
      const feeds = storedReaders(form)
      const groups = new Map<string, LookupRead & { target: string; field: string }>()
      for (const lookup of table.fields.filter((f) => f.computed === 'lookup')) {
        const link = table.field(lookup.def.link as string)
        if (!link?.value.target) continue
        const field = lookup.def.field as string
        const group = `${link.key}#${field}`
        const read = groups.get(group) ?? { form, table, link: link.key, lookups: [], refresh: false, target: link.value.target, field }
        read.lookups.push(lookup.key)
        read.refresh ||= feeds(table, lookup.key)
        groups.set(group, read)
        const via = node(table.path, link.key)
        this.through.set(via, [...(this.through.get(via) ?? []), lookup.key])
      }
      for (const { target, field, ...read } of groups.values()) all.push({ key: node(target, field), read, target, field })
    }
    // Keep only reads that end in a refresh, directly or further down a chain of lookups.
    const byKey = new Map<string, LookupRead[]>()
    for (const { key, read } of all) byKey.set(key, [...(byKey.get(key) ?? []), read])
    const useful = new Map<string, boolean>()
    const matters = (read: LookupRead, seen: Set<string>): boolean =>
      read.refresh || read.lookups.some((l) => leadsToRefresh(node(read.table.path, l), seen))
    const leadsToRefresh = (key: string, seen: Set<string>): boolean => {
      if (useful.has(key)) return useful.get(key)!
      if (seen.has(key)) return false // lookups cannot form cycles (the compiler refuses them); be safe
      seen.add(key)
      const result = (byKey.get(key) ?? []).some((read) => matters(read, seen))
      useful.set(key, result)
      return result
    }
    for (const { key, read, target, field } of all) {
      if (!matters(read, new Set([key]))) continue
      this.reads.set(key, [...(this.reads.get(key) ?? []), read])
      this.watch(target, field)
    }
    // A link whose lookups are read somewhere: re-linking the record changes what they read.
    for (const [via, lookups] of this.through) {
      const [path, link] = via.split('#')
      if (lookups.some((l) => this.reads.has(node(path, l)))) this.watch(path, link)
    }
  }

  private watch(path: string, field: string) {
    const set = this.watchedFields.get(path) ?? new Set()
    set.add(field)
    this.watchedFields.set(path, set)
  }

  /** Who reads `path`.`field` (a stored field, or a lookup read by another lookup) in a way that matters. */
  readersOf(path: string, field: string): LookupRead[] {
    return this.reads.get(node(path, field)) ?? []
  }

  /** Lookups of `path` that go through its link field `link`: they change when the link does. */
  lookupsThrough(path: string, link: string): string[] {
    return this.through.get(node(path, link)) ?? []
  }

  /** Fields of `path` (a form or 'form.sub_form') whose change must be passed on; empty for most tables. */
  watched(path: string): ReadonlySet<string> {
    return this.watchedFields.get(path) ?? EMPTY
  }
}

const EMPTY: ReadonlySet<string> = new Set()

/**
 * For one form: does some stored value of it depend on a given field of one of its tables? Follows
 * formulas (own fields, `lines.x` columns, `parent.x`) and rollups over lines (their field and
 * filter) across the form and its sub-forms.
 */
function storedReaders(form: FormModel): (table: TableModel, key: string) => boolean {
  const dependents = new Map<string, { table: TableModel; field: FieldModel }[]>()
  const add = (from: string, table: TableModel, field: FieldModel) => dependents.set(from, [...(dependents.get(from) ?? []), { table, field }])
  const tables = [form, ...form.fields.flatMap((f) => (f.lines ? [f.lines] : []))]
  for (const table of tables) {
    for (const field of table.fields) {
      if (field.computed === 'formula') {
        for (const dependency of field.formula?.dependencies ?? []) {
          const [head, member] = dependency.split('.')
          if (member === undefined) add(node(table.path, head), table, field)
          else if (head === 'parent' && table.parent) add(node(table.parent.path, member), table, field)
          else add(node(`${table.path}.${head}`, member), table, field)
        }
      } else if (field.computed === 'rollup' && typeof field.def.source === 'string') {
        const lines = `${table.path}.${field.def.source}`
        for (const key of [field.def.field as string | undefined, ...filterFields(field.def.filter)]) if (key) add(node(lines, key), table, field)
      }
    }
  }
  const memo = new Map<string, boolean>()
  const reaches = (key: string, seen: Set<string>): boolean => {
    if (memo.has(key)) return memo.get(key)!
    if (seen.has(key)) return false
    seen.add(key)
    const result = (dependents.get(key) ?? []).some(
      ({ table, field }) => field.storage.kind !== 'none' || reaches(node(table.path, field.key), seen),
    )
    memo.set(key, result)
    return result
  }
  return (table, key) => reaches(node(table.path, key), new Set())
}

/** Field keys a filter names (the first part of `link.field`). */
function filterFields(filter: unknown): string[] {
  if (!filter || typeof filter !== 'object') return []
  const f = filter as Record<string, unknown>
  const own = typeof f.field === 'string' ? [f.field.split('.')[0]] : []
  const nested = [f.and, f.or].flatMap((list) => (Array.isArray(list) ? list.flatMap(filterFields) : []))
  return [...own, ...nested, ...(f.not ? filterFields(f.not) : [])]
}
