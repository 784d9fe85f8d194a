import { FormulaError } from '../formula'
import { prepareFilter, type FilterEnv } from '../filter/prepare'
import { matchesFilter } from '../filter/match'
import { Decimal } from '../lib/decimal'
import { parseDateTimeText } from '../lib/time'
import { problem, type Problem } from '../messages/problem'
import { evaluateInto } from './formula-values'
import type { FieldModel, TableModel } from './types'

/** A record (or a line) while it is being written: canonical values plus its lines. */
export interface WorkingRecord {
  values: Record<string, unknown>
  lines: Record<string, WorkingRecord[]>
  /** keys given in this write, for copy fields: a given value is kept when the copy is editable */
  provided?: ReadonlySet<string>
  /** values before this write (updates), to tell whether a link changed */
  previous?: Readonly<Record<string, unknown>>
  /** existing line id, for lines */
  id?: number
}

/** A problem with one field of a record being written (`field`: its path, `lines[1].qty`). */
export interface ComputeProblem extends Problem {
  field: string
}

export interface ComputeOptions {
  /** the canonical values of a linked record (for copies and lookups), if it exists */
  linked(targetPath: string, id: number): Record<string, unknown> | undefined
  env: FilterEnv
}

/**
 * Applies copies, line formulas, rollups over own lines and formulas, in dependency order. Pure:
 * the server runs it before every write and the form renderer runs it as the user types.
 */
export function computeRecord(table: TableModel, record: WorkingRecord, options: ComputeOptions, path = ''): ComputeProblem[] {
  const problems: ComputeProblem[] = []
  // Lines first: the record's rollups and formulas read them. Lines read the parent's inputs.
  for (const field of table.fields) {
    if (!field.lines) continue
    ;(record.lines[field.key] ?? []).forEach((line, i) => {
      problems.push(...computeTable(field.lines!, line, options, `${path}${field.key}[${i}].`, record))
    })
  }
  problems.push(...computeTable(table, record, options, path, undefined))
  return problems
}

function computeTable(
  table: TableModel,
  record: WorkingRecord,
  options: ComputeOptions,
  path: string,
  parent: WorkingRecord | undefined,
): ComputeProblem[] {
  const problems: ComputeProblem[] = []
  for (const field of table.computeOrder) {
    try {
      const value = computeField(table, field, record, options, parent)
      if (value !== KEEP) record.values[field.key] = value
    } catch (error) {
      if (!(error instanceof FormulaError)) throw error
      record.values[field.key] = null
      problems.push({ field: `${path}${field.key}`, ...problem('not_computable', `cannot be computed: ${error.message}`, { reason: error.message }) })
    }
  }
  return problems
}

const KEEP = Symbol('keep')

function computeField(
  table: TableModel,
  field: FieldModel,
  record: WorkingRecord,
  options: ComputeOptions,
  parent: WorkingRecord | undefined,
): unknown {
  switch (field.computed) {
    case 'copy':
      return copyValue(table, field, record, options)
    case 'lookup': {
      const link = table.field(field.def.link as string)
      const id = record.values[field.def.link as string]
      if (!link || typeof id !== 'number') return null
      return options.linked(link.value.target!, id)?.[field.def.field as string] ?? null
    }
    case 'rollup':
      if (typeof field.def.source === 'string') return rollupOverLines(table, field, record, options)
      // Rollups over other forms are kept up to date by the server; a new record starts empty.
      return record.values[field.key] === undefined ? aggregate(field.def.aggregate as string, [], field, undefined) : KEEP
    case 'formula': {
      if (field.storage.kind === 'none') return KEEP // clock-dependent: computed when read
      return evaluateInto(field.formula!, dependencyReader(table, record, parent), field.value, new Date(options.env.now))
    }
    default:
      return KEEP // auto-numbers are assigned when stored
  }
}

/** How formulas read a working record: own fields, sub-form columns, the parent's fields. */
export function dependencyReader(table: TableModel, record: WorkingRecord, parent?: WorkingRecord) {
  return (dependency: string) => {
    const [head, member] = dependency.split('.')
    if (member === undefined) return { value: record.values[head], resolved: table.field(head)?.value }
    if (head === 'parent') return { value: parent?.values[member], resolved: table.parent?.field(member)?.value }
    const lines = table.field(head)?.lines
    return { list: (record.lines[head] ?? []).map((l) => l.values[member]), resolved: lines?.field(member)?.value }
  }
}

function copyValue(table: TableModel, field: FieldModel, record: WorkingRecord, options: ComputeOptions): unknown {
  const linkKey = field.def.link as string
  const id = record.values[linkKey]
  if (typeof id !== 'number') return null
  const editable = field.def.editable !== false
  if (editable && record.provided?.has(field.key)) return KEEP
  const prorate = field.def.prorate as { by: string; of: string } | undefined
  const linkChanged = !record.previous || record.previous[linkKey] !== id
  const shareChanged = Boolean(prorate && record.previous && String(record.previous[prorate.by] ?? '') !== String(record.values[prorate.by] ?? ''))
  if (!linkChanged && !shareChanged && record.values[field.key] !== undefined) return KEEP
  const link = table.field(linkKey)!
  const linked = options.linked(link.value.target!, id)
  const value = linked?.[field.def.field as string] ?? null
  if (!prorate || value === null) return value
  return prorated(String(value), record.values[prorate.by], linked?.[prorate.of], field.value.scale ?? 0)
}

/** `value × by / of` at the field's scale, half away from zero; the whole value when `of` is empty or zero. */
function prorated(value: string, by: unknown, of: unknown, scale: number): string {
  const whole = new Decimal(value)
  if (by === null || by === undefined || of === null || of === undefined || new Decimal(String(of)).isZero()) return whole.toFixed(scale)
  return whole.times(String(by)).div(String(of)).toDecimalPlaces(scale, Decimal.ROUND_HALF_UP).toFixed(scale)
}

function rollupOverLines(table: TableModel, field: FieldModel, record: WorkingRecord, options: ComputeOptions): unknown {
  const source = field.def.source as string
  const lines = table.field(source)?.lines
  if (!lines) return null
  let rows = record.lines[source] ?? []
  if (field.def.filter !== undefined) {
    const { filter } = prepareFilter(field.def.filter, lines, options.env)
    if (filter) rows = rows.filter((row) => matchesFilter(filter, (column) => row.values[column]))
  }
  return aggregate(
    field.def.aggregate as string,
    rows.map((row) => row.values[field.def.field as string]),
    field,
    lines.field(field.def.field as string),
  )
}

/** sum/count/min/max/avg of canonical values, exactly. */
export function aggregate(kind: string, values: unknown[], target: FieldModel, source: FieldModel | undefined): unknown {
  const present = values.filter((v) => v !== null && v !== undefined && v !== '')
  const scale = target.value.scale ?? 0
  if (kind === 'count') return String(values.length)
  if (kind === 'sum' && present.length === 0) return new Decimal(0).toFixed(scale)
  if (source?.value.kind === 'decimal') {
    const numbers = present.map((v) => new Decimal(String(v)))
    if (kind === 'sum') return numbers.reduce((a, b) => a.plus(b), new Decimal(0)).toFixed(scale)
    if (numbers.length === 0) return null
    if (kind === 'avg') return numbers.reduce((a, b) => a.plus(b), new Decimal(0)).div(numbers.length).toDecimalPlaces(scale, Decimal.ROUND_HALF_UP).toFixed(scale)
    const pick = numbers.reduce((a, b) => (kind === 'min' ? Decimal.min(a, b) : Decimal.max(a, b)))
    return pick.toFixed(scale)
  }
  if (present.length === 0) return null
  const key = (v: unknown) => (source?.value.kind === 'datetime' ? (parseDateTimeText(String(v)) ?? 0) : String(v))
  return present.reduce((a, b) => ((kind === 'min' ? key(b) < key(a) : key(b) > key(a)) ? b : a))
}
