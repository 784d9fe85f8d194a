import type { Knex } from 'knex'
import { prepareFilter, type FilterEnv, type PreparedFilter } from '../../schema/filter/prepare'
import type { MessageCode } from '../../schema/messages/catalog'
import type { MessageParams } from '../../schema/messages/problem'
import type { Dialect } from '../db/dialects/types'
import type { FormRegistry } from '../forms/registry'
import { badRequest, fieldProblem, ValidationError } from '../lib/errors'
import { MAX_GROUP_KEYS, MAX_GROUPS, MAX_MEASURES, Plan, Problems, type AggregateSource } from '../query/aggregate-plan'
import { aggregateSql } from '../query/buckets'
import { compileFilter } from '../query/filter-sql'
import { TableScope } from '../query/scope'
import { Sql } from '../query/sql'
import { aggregateRows } from '../query/count-cache'
import { visibleTargets } from '../query/visible'
import { parseFilterParam } from './lister'
import type { AggregateOptions, AggregateResult } from './types'

export { MAX_GROUPS, type AggregateSource }

/**
 * Compiles an aggregate request to one SQL statement and runs it. Three levels, one statement:
 * the rows are grouped by cheap raw keys (a datetime's day number, a link's id) with partial
 * measures; the outer level turns those keys into labels (month text, a link's display, a linked
 * record's field) and combines the partials; the outermost applies `having`, sort and limit.
 */
export async function aggregateRecords(
  knex: Knex,
  dialect: Dialect,
  registry: FormRegistry,
  source: AggregateSource,
  options: AggregateOptions,
  env: FilterEnv,
): Promise<AggregateResult> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw badRequest('send {filter, group_by, measures, having, sort, limit}').because('aggregate_bad_request')
  const sql = aggregateSql(dialect)
  const problems = new Problems()
  const scope = new TableScope(source.table, 't', registry)
  const plan = new Plan(sql, registry, source, scope, problems)

  const where = whereClause(source, scope, options.filter, env, dialect, registry)
  const groupBy = options.group_by ?? []
  if (!Array.isArray(groupBy)) problems.add(fieldProblem('group_by', 'aggregate_bad_group', 'group_by must be a list of fields'))
  else if (groupBy.length > MAX_GROUP_KEYS) problems.add(fieldProblem('group_by', 'aggregate_too_many', `group by at most ${MAX_GROUP_KEYS} keys`, { max: MAX_GROUP_KEYS }))
  else groupBy.forEach((item, i) => plan.group(item, `group_by[${i}]`))
  const measures = options.measures
  if (!Array.isArray(measures) || measures.length === 0) problems.add(fieldProblem('measures', 'aggregate_no_measures', 'name at least one measure, e.g. {"fn": "count", "as": "orders"}'))
  else if (measures.length > MAX_MEASURES) problems.add(fieldProblem('measures', 'aggregate_too_many', `at most ${MAX_MEASURES} measures`, { max: MAX_MEASURES }))
  else measures.forEach((item, i) => plan.measure(item, `measures[${i}]`, (filter, at) => measureCondition(source, scope, filter, at, env, dialect, registry, problems)))
  const limit = options.limit ?? MAX_GROUPS
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_GROUPS) problems.add(fieldProblem('limit', 'bad_limit', `limit must be 1 to ${MAX_GROUPS}`, { max: MAX_GROUPS }))
  const offset = options.offset ?? 0
  if (!Number.isSafeInteger(offset) || offset < 0) problems.add(fieldProblem('offset', 'bad_offset', 'offset must be 0 or more'))
  if (problems.list.length) throw new ValidationError(problems.list)

  const sort = plan.sort(options.sort)
  const having = plan.having(parseFilterParam(options.having), env, dialect)
  if (problems.list.length) throw new ValidationError(problems.list)

  const statement = plan.statement(where, having, sort, limit + 1, offset)
  const rows = await aggregateRows(knex, statement.text, statement.bindings)
  const truncated = rows.length > limit
  return { data: rows.slice(0, limit).map((row) => plan.decode(row)), truncated }
}

/** A measure's own filter: the same language and visible fields as the request's, problems named under the measure. */
function measureCondition(source: AggregateSource, scope: TableScope, filter: unknown, at: string, env: FilterEnv, dialect: Dialect, registry: FormRegistry, problems: Problems): Sql | undefined {
  const prepared = prepareFilter(parseFilterParam(filter), source.table, env, at, visibleTargets(source))
  if (!prepared.filter) {
    for (const p of prepared.problems) problems.add(fieldProblem(p.path, p.code ?? 'invalid_filter', p.message, p.code ? p.params : { reason: p.message }))
    return undefined
  }
  refuseParentChildren(prepared.filter)
  return compileFilter(prepared.filter, scope, dialect, registry).group()
}

/** The caller's filter and the row-level permission, as one WHERE over the table's scope. */
function whereClause(source: AggregateSource, scope: TableScope, filter: unknown, env: FilterEnv, dialect: Dialect, registry: FormRegistry): Sql {
  const conditions: Sql[] = []
  const invalid = (problems: { path: string; message: string; code?: MessageCode; params?: MessageParams }[]) =>
    new ValidationError(
      problems.map((p) => fieldProblem(p.path, p.code ?? 'invalid_filter', p.message, p.code ? p.params : { reason: p.message })),
      `invalid filter: ${problems[0].path}: ${problems[0].message}`,
    )
  const parsed = parseFilterParam(filter)
  if (parsed !== undefined) {
    const prepared = prepareFilter(parsed, source.table, env, 'filter', visibleTargets(source))
    if (!prepared.filter) throw invalid(prepared.problems)
    refuseParentChildren(prepared.filter)
    conditions.push(compileFilter(prepared.filter, scope, dialect, registry).group())
  }
  if (source.scope) {
    // lines are seen through their record: its permission filter runs on the joined record
    const target = source.scope.table === source.table ? scope : scope.parentScope()
    const prepared = prepareFilter(source.scope.filter, source.scope.table, env, 'permission')
    if (!prepared.filter) throw invalid(prepared.problems)
    conditions.push(compileFilter(prepared.filter, target, dialect, registry).group())
  }
  return conditions.length ? Sql.join(conditions, ' AND ') : new Sql('1 = 1')
}

/** `parent.<sub-form or list>` conditions on lines would need a second correlation: refused plainly. */
function refuseParentChildren(filter: PreparedFilter): void {
  if ('and' in filter) return filter.and.forEach(refuseParentChildren)
  if ('or' in filter) return filter.or.forEach(refuseParentChildren)
  if ('not' in filter) return refuseParentChildren(filter.not)
  const target = filter.condition.target
  if (target.kind === 'parent' && target.target.kind === 'field' && target.target.field.storage.kind !== 'column') {
    throw badRequest(`"${target.column}" cannot be filtered on from the lines`).because('not_filterable', { field: target.column })
  }
}

