import { prepareFilter, type FilterEnv, type TargetResolver } from '../../schema/filter/prepare'
import { resolveTarget, type FilterTarget } from '../../schema/filter/targets'
import type { Filter } from '../../schema/filter/types'
import type { ResolvedValue, ValueKind } from '../../schema/fields/types'
import { codecFor } from '../../schema/values'
import type { FieldModel, TableModel } from '../../schema/model/types'
import type { Dialect } from '../db/dialects/types'
import type { FormRegistry } from '../forms/registry'
import { AppError, fieldProblem, type FieldProblem } from '../lib/errors'
import { BUCKETS, roundedQuotient, type AggregateSql, type Bucket } from './buckets'
import { compileFilter } from './filter-sql'
import { displayFieldOf, TableScope } from './scope'
import { id, Sql } from './sql'
import { visibleTargets } from './visible'

/**
 * An aggregate request compiled to SQL: group keys, measures, having and sort checked against the
 * form and turned into one three-level statement (see Plan.statement); how its rows read back.
 */
export const AGGREGATE_FUNCTIONS = ['count', 'sum', 'avg', 'min', 'max', 'count_distinct'] as const
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number]
/** Without a limit, up to this many groups are returned (`truncated: true` when there are more). */
export const MAX_GROUPS = 10_000
export const MAX_GROUP_KEYS = 6
export const MAX_MEASURES = 20
const ALIAS = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/** Kinds a row has one value of, in one column: what can be grouped by and counted. */
const SCALAR: ReadonlySet<ValueKind> = new Set(['text', 'decimal', 'boolean', 'date', 'datetime', 'link', 'user'])
const ORDERED: ReadonlySet<ValueKind> = new Set(['text', 'decimal', 'date', 'datetime'])
/** system columns that are whole numbers in the API (not decimal strings) */
const COUNTERS = new Set(['id', 'version', 'line_no', 'parent_id'])

/** What the aggregated table is and who may see what of it (from the access policy). */
export interface AggregateSource {
  table: TableModel
  /** row-level permission: applied to the table, or for sub-form lines to their record */
  scope: { filter: Filter; table: TableModel } | null
  /** fields hidden from the caller in this table, and in the record lines belong to */
  hidden: ReadonlySet<string>
  parentHidden: ReadonlySet<string>
  /** checks that a linked form may be read (throws) and returns its hidden fields */
  linked(table: TableModel): ReadonlySet<string>
}

/** One column of the answer: a group key or a measure. */
interface Output {
  name: string
  /** the column of the grouped query that holds it */
  column: string
  /** how `having` reads values compared with it (bucket labels are text) */
  value: ResolvedValue
  /** the column sorting by it uses (a link sorts by its display) */
  sortColumn: string
  decode(row: Record<string, unknown>): unknown
}

/** Every problem of a request, reported together (422 with one detail per path). */
export class Problems {
  readonly list: FieldProblem[] = []
  add(problem: FieldProblem): undefined {
    this.list.push(problem)
    return undefined
  }
}

interface InnerKey {
  expr: string
  column: string
}

/** The three levels of the statement, filled in as the request's keys and measures are read. */
export class Plan {
  /** level 1: raw group keys and partial measures per group of rows */
  private readonly innerKeys: InnerKey[] = []
  private readonly partials: string[] = []
  /** bindings of filtered measures' conditions, in the order of `partials` */
  private readonly partialBindings: unknown[] = []
  /** count_distinct values become level-1 keys, so level 2 can count them */
  private readonly distinct = new Map<string, string>()
  /** level 2: joins, keys, measures */
  private readonly joins: string[] = []
  private readonly outerKeys: string[] = []
  private readonly outerColumns: string[] = []
  private readonly outputs: Output[] = []
  private readonly names = new Set<string>()
  private counter = 0

  constructor(
    private readonly sql: AggregateSql,
    private readonly registry: FormRegistry,
    private readonly source: AggregateSource,
    private readonly scope: TableScope,
    private readonly problems: Problems,
  ) {}

  private claim(name: string, at: string): boolean {
    if (this.names.has(name)) {
      this.problems.add(fieldProblem(at, 'aggregate_duplicate_name', `"${name}" names two columns of the answer`, { name }))
      return false
    }
    this.names.add(name)
    return true
  }

  /** resolves a field path of the aggregated table, as the filter language does; hidden = unknown */
  private target(path: string, at: string): FilterTarget | undefined {
    const target = visibleTargets(this.source)(this.source.table, path)
    if ('error' in target) return this.problems.add(fieldProblem(at, 'unknown_field', target.error, { field: path }))
    return target
  }

  private column(target: FilterTarget, at: string, path: string): string | undefined {
    try {
      return this.scope.columnFor(target)
    } catch (error) {
      if (error instanceof AppError) return this.problems.add(fieldProblem(at, 'aggregate_cannot_use', `"${path}" is computed when read and cannot be aggregated`, { field: path }))
      throw error
    }
  }

  group(item: unknown, at: string): void {
    const spec = typeof item === 'string' ? { field: item } : item
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec) || typeof (spec as { field?: unknown }).field !== 'string') {
      return void this.problems.add(fieldProblem(at, 'aggregate_bad_group', 'a group key is a field key, "link.field" or {"field", "by"}'))
    }
    const { field: path, by, ...rest } = spec as { field: string; by?: unknown }
    if (Object.keys(rest).length) return void this.problems.add(fieldProblem(`${at}.${Object.keys(rest)[0]}`, 'aggregate_bad_group', 'a group key is a field key, "link.field" or {"field", "by"}'))
    if (by !== undefined && !BUCKETS.includes(by as Bucket)) {
      return void this.problems.add(fieldProblem(`${at}.by`, 'aggregate_bad_bucket', `"by" is one of ${BUCKETS.join(', ')}`, { by: String(by), choices: BUCKETS.join(', ') }))
    }
    if (!this.claim(path, at)) return
    const direct = resolveTarget(this.source.table, path)
    const link = 'error' in direct ? this.linkPath(path) : undefined
    if (link) return this.groupThroughLink(path, link, by as Bucket | undefined, at)
    const target = this.target(path, at)
    if (!target) return
    const kind = target.value.kind
    if (!SCALAR.has(kind)) return void this.problems.add(fieldProblem(at, 'aggregate_cannot_group', `cannot group by "${path}"`, { field: path }))
    if (by && kind !== 'date' && kind !== 'datetime') return void this.problems.add(fieldProblem(`${at}.by`, 'aggregate_bucket_needs_date', `"by" needs a date or datetime field; "${path}" is not`, { field: path }))
    const expr = this.column(target, at, path)
    if (!expr) return
    // datetimes are grouped by day number per row; dates by their own column
    const inner = this.inner(by && kind === 'datetime' ? this.sql.dayOfEpochMs(expr) : expr)
    if (by) return this.bucketKey(path, kind === 'datetime' ? inner : this.sql.dayOfDate(inner), by as Bucket)
    const own = target.kind === 'parent' ? target.target : target
    this.plainKey(path, inner, target.value, own.kind === 'field' ? own.field : undefined, own.kind === 'system' && COUNTERS.has(own.name))
  }

  /** "shop.platform": a link field of this table and a stored field of the linked form */
  private linkPath(path: string): { link: FieldModel; table: TableModel; field: FieldModel } | undefined {
    const dot = path.indexOf('.')
    if (dot < 0) return undefined
    const link = this.source.table.field(path.slice(0, dot))
    if (!link || link.value.kind !== 'link' || link.storage.kind !== 'column' || this.source.hidden.has(link.key)) return undefined
    const table = this.registry.table(link.value.target!)
    const field = table?.field(path.slice(dot + 1))
    if (!table || !field || this.source.linked(table).has(field.key)) return undefined
    return { link, table, field }
  }

  private groupThroughLink(path: string, { link, table, field }: { link: FieldModel; table: TableModel; field: FieldModel }, by: Bucket | undefined, at: string) {
    const kind = field.value.kind
    if (!SCALAR.has(kind) || field.storage.kind !== 'column') return void this.problems.add(fieldProblem(at, 'aggregate_cannot_group', `cannot group by "${path}"`, { field: path }))
    if (by && kind !== 'date' && kind !== 'datetime') return void this.problems.add(fieldProblem(`${at}.by`, 'aggregate_bucket_needs_date', `"by" needs a date or datetime field; "${path}" is not`, { field: path }))
    // level 1 groups by the link's id; the linked record is joined once per group
    const inner = this.inner(id(this.scope.alias, link.key))
    const alias = this.alias('j')
    this.joins.push(`LEFT JOIN ${id(table.table)} ${id(alias)} ON ${id(alias, 'id')} = ${inner}`)
    const expr = id(alias, field.key)
    if (by) return this.bucketKey(path, kind === 'datetime' ? this.sql.dayOfEpochMs(expr) : this.sql.dayOfDate(expr), by)
    this.plainKey(path, expr, field.value, field, false)
  }

  private inner(expr: string): string {
    const column = `k${this.innerKeys.length}`
    this.innerKeys.push({ expr, column })
    return id('g', column)
  }

  private alias(prefix: string): string {
    return `${prefix}${++this.counter}`
  }

  private bucketKey(name: string, day: string, by: Bucket) {
    const column = this.outerKey(this.sql.label(by, day))
    this.outputs.push({ name, column, value: { kind: 'text' }, sortColumn: column, decode: (row) => (row[column] == null ? null : String(row[column])) })
  }

  private plainKey(name: string, expr: string, value: ResolvedValue, field: FieldModel | undefined, counter: boolean) {
    const column = this.outerKey(expr)
    if (value.kind === 'link' || value.kind === 'user') {
      const display = this.display(expr, value, field)
      const displayColumn = this.outerKey(display.expr)
      this.outputs.push({
        name,
        column,
        value,
        sortColumn: displayColumn,
        decode: (row) => (row[column] == null ? null : { id: Number(row[column]), display: display.decode(row[displayColumn]) }),
      })
      return
    }
    const codec = codecFor(value.kind)
    this.outputs.push({
      name,
      column,
      value,
      sortColumn: column,
      decode: (row) => (row[column] == null ? null : counter ? Number(row[column]) : codec.fromStored(row[column], value)),
    })
  }

  /** a link's or user's name, joined at level 2 (once per group, not per row) */
  private display(expr: string, value: ResolvedValue, field: FieldModel | undefined): { expr: string; decode: (v: unknown) => string | null } {
    const alias = this.alias('d')
    if (value.kind === 'user') {
      this.joins.push(`LEFT JOIN ${id('zg_users')} ${id(alias)} ON ${id(alias, 'id')} = ${expr}`)
      return { expr: id(alias, 'display_name'), decode: (v) => (v == null ? null : String(v)) }
    }
    const table = this.registry.table(value.target!)
    const shown = table && field ? displayFieldOf(field, table) : undefined
    this.joins.push(`LEFT JOIN ${id(table!.table)} ${id(alias)} ON ${id(alias, 'id')} = ${expr}`)
    if (!shown) return { expr: id(alias, 'id'), decode: (v) => (v == null ? null : String(v)) }
    return {
      expr: id(alias, shown.key),
      decode: (v) => {
        const decoded = v == null ? null : shown.codec.fromStored(v, shown.value)
        return decoded == null ? null : typeof decoded === 'object' ? JSON.stringify(decoded) : String(decoded)
      },
    }
  }

  private outerKey(expr: string): string {
    const column = `o${this.outerKeys.length}`
    this.outerKeys.push(expr)
    this.outerColumns.push(`${expr} AS ${id(column)}`)
    return column
  }

  /**
   * One measure; `filter` (the filter language) counts or sums only the rows it matches, so a rate
   * needs no second query: `{fn: "count", as: "repeat", filter: {field: "order_count", op: "gte", value: 2}}`.
   */
  measure(item: unknown, at: string, condition?: (filter: unknown, at: string) => Sql | undefined): void {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return void this.problems.add(fieldProblem(at, 'aggregate_bad_measure', 'a measure is {"fn", "field", "as"}'))
    const { fn, field: path, as, filter, ...rest } = item as { fn?: unknown; field?: unknown; as?: unknown; filter?: unknown }
    if (Object.keys(rest).length) return void this.problems.add(fieldProblem(`${at}.${Object.keys(rest)[0]}`, 'aggregate_bad_measure', 'a measure is {"fn", "field", "as"}'))
    if (as === undefined || as === null || as === '') return void this.problems.add(fieldProblem(`${at}.as`, 'aggregate_alias_required', 'name the measure with "as"'))
    if (typeof as !== 'string' || !ALIAS.test(as)) return void this.problems.add(fieldProblem(`${at}.as`, 'aggregate_bad_alias', '"as" is a name of letters, digits and _ (not starting with a digit)', { as: String(as) }))
    if (!AGGREGATE_FUNCTIONS.includes(fn as AggregateFunction)) {
      return void this.problems.add(fieldProblem(`${at}.fn`, 'aggregate_bad_function', `"fn" is one of ${AGGREGATE_FUNCTIONS.join(', ')}`, { fn: String(fn), choices: AGGREGATE_FUNCTIONS.join(', ') }))
    }
    if (path !== undefined && typeof path !== 'string') return void this.problems.add(fieldProblem(`${at}.field`, 'unknown_field', '"field" must be a field key', { field: String(path) }))
    if (path === undefined && fn !== 'count') return void this.problems.add(fieldProblem(`${at}.field`, 'aggregate_measure_needs_field', `"${String(fn)}" needs a field`, { fn: String(fn) }))
    if (filter !== undefined && fn === 'count_distinct') return void this.problems.add(fieldProblem(`${at}.filter`, 'aggregate_filter_not_for', `"filter" does not apply to count_distinct`, { fn: 'count_distinct' }))
    const when = filter === undefined ? undefined : condition?.(filter, `${at}.filter`)
    if (filter !== undefined && !when) return
    if (!this.claim(as, `${at}.as`)) return
    const name = as
    if (path === undefined) return this.addMeasure(name, 'count', null, { kind: 'decimal', scale: 0 }, false, when)
    const target = this.target(path, `${at}.field`)
    if (!target) return
    const kind = target.value.kind
    const fits =
      fn === 'sum' || fn === 'avg' ? kind === 'decimal' : fn === 'min' || fn === 'max' ? ORDERED.has(kind) : SCALAR.has(kind)
    if (!fits) return void this.problems.add(fieldProblem(`${at}.field`, 'aggregate_not_for_field', `"${String(fn)}" does not apply to "${path}"`, { fn: String(fn), field: path }))
    const expr = this.column(target, `${at}.field`, path)
    if (!expr) return
    this.addMeasure(name, fn as AggregateFunction, expr, target.value, target.kind === 'system' && COUNTERS.has(target.name), when)
  }

  private addMeasure(name: string, fn: AggregateFunction, field: string | null, value: ResolvedValue, counter = false, when?: Sql) {
    // a filtered measure reads its field only on the rows the filter matches
    const expr = when ? `CASE WHEN ${when.text} THEN ${field ?? '1'} END` : field
    const partial = (sql: string) => {
      const column = `p${this.partials.length}`
      this.partials.push(`${sql} AS ${id(column)}`)
      // each use of the condition in the SELECT list takes its bindings, in order
      if (when) this.partialBindings.push(...when.bindings)
      return id('g', column)
    }
    const column = `m${this.outputs.length}`
    let outer: string
    let result: ResolvedValue = value
    switch (fn) {
      case 'count':
        outer = `COALESCE(SUM(${partial(expr ? `COUNT(${expr})` : 'COUNT(*)')}), 0)`
        result = { kind: 'decimal', scale: 0 }
        break
      case 'count_distinct': {
        let key = this.distinct.get(expr!)
        if (!key) {
          key = `q${this.distinct.size}`
          this.distinct.set(expr!, key)
        }
        outer = `COUNT(DISTINCT ${id('g', key)})`
        result = { kind: 'decimal', scale: 0 }
        break
      }
      case 'sum':
        outer = `SUM(${partial(`SUM(${expr})`)})`
        break
      case 'min':
      case 'max':
        outer = `${fn.toUpperCase()}(${partial(`${fn.toUpperCase()}(${expr})`)})`
        break
      case 'avg': {
        const s = `SUM(${partial(`SUM(${expr})`)})`
        const c = `SUM(${partial(`COUNT(${expr})`)})`
        outer = roundedQuotient(this.sql, s, c)
        break
      }
    }
    this.outerColumns.push(`${outer} AS ${id(column)}`)
    const whole = fn === 'count' || fn === 'count_distinct' || counter
    const exact = result.kind === 'decimal' && !whole
    const codec = codecFor(result.kind)
    this.outputs.push({
      name,
      column,
      value: result,
      sortColumn: column,
      decode: (row) => {
        const v = row[exact ? `${column}_text` : column]
        if (whole) return v == null ? null : Number(v)
        return v == null ? null : codec.fromStored(v, result)
      },
    })
  }

  /** "name,-name" or a list; names are the answer's keys. Group keys break ties, in order. */
  sort(spec: unknown): string[] {
    if (spec !== undefined && spec !== null && typeof spec !== 'string' && !(Array.isArray(spec) && spec.every((s) => typeof s === 'string'))) {
      this.problems.add(fieldProblem('sort', 'bad_sort', 'sort is "key,-key" or a list of keys'))
      return []
    }
    const parts = (Array.isArray(spec) ? spec : String(spec ?? '').split(','))
      .map((p: string) => p.trim())
      .filter(Boolean)
    const terms: string[] = []
    const used = new Set<string>()
    for (const [i, part] of parts.entries()) {
      const desc = part.startsWith('-')
      const name = desc ? part.slice(1) : part.replace(/^\+/, '')
      const output = this.outputs.find((o) => o.name === name)
      if (!output) {
        this.problems.add(fieldProblem(`sort[${i}]`, 'aggregate_unknown_name', `"${name}" is not a group key or a measure of this query`, { name }))
        continue
      }
      used.add(output.name)
      terms.push(`${id('r', output.sortColumn)} ${desc ? 'DESC' : 'ASC'} NULLS LAST`)
    }
    for (const output of this.outputs.filter((o) => o.column.startsWith('o') && !used.has(o.name))) terms.push(`${id('r', output.sortColumn)} ASC NULLS LAST`)
    // a link's display may repeat: its id settles the order
    for (const output of this.outputs.filter((o) => o.sortColumn !== o.column)) terms.push(`${id('r', output.column)} ASC`)
    return terms
  }

  /** `having`: the filter language over the answer's keys and measures. */
  having(parsed: unknown, env: FilterEnv, dialect: Dialect): Sql | null {
    if (parsed === undefined) return null
    const columns: TableModel = { path: 'aggregate', table: 'aggregate', fields: [], field: () => undefined, computeOrder: [] }
    const resolve: TargetResolver = (_table, path) => {
      const output = this.outputs.find((o) => o.name === path)
      if (!output) return { error: `"${path}" is not a group key or a measure of this query` }
      return { kind: 'system', name: path, value: output.value, column: output.column }
    }
    const prepared = prepareFilter(parsed, columns, env, 'having', resolve)
    if (!prepared.filter) {
      for (const p of prepared.problems) this.problems.add(fieldProblem(p.path, p.code ?? 'invalid_filter', p.message, p.code ? p.params : { reason: p.message }))
      return null
    }
    return compileFilter(prepared.filter, new TableScope(columns, 'r', this.registry), dialect, this.registry)
  }

  statement(where: Sql, having: Sql | null, sort: string[], limit: number, offset: number): Sql {
    const innerKeys = [...this.innerKeys.map((k) => k.expr), ...this.distinct.keys()]
    const innerSelect = [
      ...this.innerKeys.map((k) => `${k.expr} AS ${id(k.column)}`),
      ...[...this.distinct].map(([expr, column]) => `${expr} AS ${id(column)}`),
      ...this.partials,
    ]
    if (innerSelect.length === 0) innerSelect.push('COUNT(*) AS "n"')
    const level1 =
      `SELECT ${innerSelect.join(', ')} FROM ${this.scope.from()} WHERE ${where.text}` + (innerKeys.length ? ` GROUP BY ${innerKeys.join(', ')}` : '')
    const level2 =
      `SELECT ${this.outerColumns.join(', ')} FROM (${level1}) ${id('g')}${this.joins.length ? ` ${this.joins.join(' ')}` : ''}` +
      (this.outerKeys.length ? ` GROUP BY ${this.outerKeys.join(', ')}` : '')
    const exactText = this.outputs
      .filter((o) => o.column.startsWith('m') && o.value.kind === 'decimal')
      .map((o) => `${this.sql.text(id('r', o.column))} AS ${id(`${o.column}_text`)}`)
    const select = [`${id('r')}.*`, ...exactText].join(', ')
    const text =
      `SELECT ${select} FROM (${level2}) ${id('r')}` +
      (having ? ` WHERE ${having.text}` : '') +
      (sort.length ? ` ORDER BY ${sort.join(', ')}` : '') +
      ` LIMIT ? OFFSET ?`
    return new Sql(text, [...this.partialBindings, ...where.bindings, ...(having?.bindings ?? []), limit, offset])
  }

  decode(row: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(this.outputs.map((o) => [o.name, o.decode(row)]))
  }
}
