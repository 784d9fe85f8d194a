import type { Knex } from 'knex'
import type { FilterEnv } from '../../schema/filter/prepare'
import { computeRecord, type WorkingRecord } from '../../schema/model/compute'
import { checkRecord } from '../../schema/model/check-record'
import { checkRules } from '../../schema/model/rules'
import type { FormModel, TableModel } from '../../schema/model/types'
import { businessDate, formatDateTime } from '../../schema/lib/time'
import type { FormRegistry } from '../forms/registry'
import { ValidationError, type FieldProblem } from '../lib/errors'
import type { Actor } from '../access/actor'
import { checkUnique, fetchLinked, linkedValuesDiffer, type LinkedValues } from './checks'

/** Where a record sits in a batch, for messages: '' for a single record, '[3].' in a batch. */
export type PathPrefix = (index: number) => string
export const single: PathPrefix = () => ''
export const inBatch: PathPrefix = (i) => `[${i}].`

/** Fills fields a new record or line was not given from their template defaults. */
export function applyDefaults(table: TableModel, record: WorkingRecord, actor: Actor, now: number, scope: 'record' | 'new_lines' = 'record'): void {
  for (const field of table.fields) {
    if (field.lines) {
      for (const line of record.lines[field.key] ?? []) if (line.id === undefined) applyDefaults(field.lines, line, actor, now)
      continue
    }
    if (scope === 'new_lines' || record.provided?.has(field.key) || field.def.default === undefined || field.computed) continue
    const value = field.def.default
    if (value === '$current_user') record.values[field.key] = actor.userId
    else if (value === '$today') record.values[field.key] = businessDate(now)
    else if (value === '$now') record.values[field.key] = formatDateTime(now)
    else {
      const normalized = field.codec.normalize(value, field.value)
      if (normalized.ok) record.values[field.key] = normalized.value
    }
  }
}

/**
 * Everything a write checks before it touches a row, for a whole batch at once: links exist,
 * copies and formulas computed, required/type/range rules, form rules, unique values. Throws one
 * ValidationError listing every problem with its path.
 */
export async function prepareBatch(
  trx: Knex,
  registry: FormRegistry,
  form: FormModel,
  records: WorkingRecord[],
  prefix: PathPrefix,
  env: FilterEnv,
  earlier: FieldProblem[] = [],
  lockLinked = false,
  seen: { linked?: LinkedValues } = {},
): Promise<void> {
  const problems: FieldProblem[] = [...earlier]
  const { linked, problems: linkProblems, found } = await fetchLinked(trx, registry, form, records, prefix, lockLinked)
  seen.linked = found
  problems.push(...linkProblems)
  // A value refused when read (e.g. too many decimals) is not also reported as missing.
  const refused = new Set(earlier.map((p) => p.field))
  for (const [i, record] of records.entries()) {
    const at = prefix(i)
    const prefixed = (list: FieldProblem[]) => list.map((p) => ({ ...p, field: `${at}${p.field}` }))
    problems.push(...prefixed(computeRecord(form, record, { linked, env })))
    problems.push(...prefixed(checkRecord(form, record)).filter((p) => !(p.code === 'required' && refused.has(p.field))))
    problems.push(...prefixed(checkRules(form, record, 'save', env.now)))
  }
  if (problems.length === 0) problems.push(...(await checkUnique(trx, form, records, prefix)))
  if (problems.length) throw new ValidationError(problems)
}

/**
 * The write-time checks of new records a check already prepared (computed and validated against
 * `then`, the linked values it read): links still exist (locked on PostgreSQL), unique values.
 * Answers false, checking nothing, when a linked record now reads differently: the caller then
 * prepares the records again from their input.
 */
export async function recheckPrepared(
  trx: Knex,
  registry: FormRegistry,
  form: FormModel,
  records: WorkingRecord[],
  prefix: PathPrefix,
  then: LinkedValues[],
  lockLinked = false,
): Promise<boolean> {
  const { problems, found } = await fetchLinked(trx, registry, form, records, prefix, lockLinked)
  if (problems.length) throw new ValidationError(problems)
  if (then.some((snapshot) => linkedValuesDiffer(snapshot, found))) return false
  const unique = await checkUnique(trx, form, records, prefix)
  if (unique.length) throw new ValidationError(unique)
  return true
}
