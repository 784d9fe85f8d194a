import type { Knex } from 'knex'
import { prepareFilter, type FilterEnv, type PreparedFilter } from '../../schema/filter/prepare'
import type { FormModel } from '../../schema/model/types'
import type { Dialect } from '../db/dialects/types'
import type { FormRegistry } from '../forms/registry'
import { badRequest, fieldProblem, ValidationError } from '../lib/errors'
import { compileFilter } from '../query/filter-sql'
import { afterPredicate, decodeCursor, encodeCursor } from '../query/keyset'
import { TableScope } from '../query/scope'
import { visibleTargets } from '../query/visible'
import { orderBy, parseSort } from '../query/sort'
import { id, selectRows, Sql, TRUE } from '../query/sql'
import type { Filter } from '../../schema/filter/types'
import { RecordReader } from './reader'
import type { ListOptions, ListResult } from './types'

export const MAX_PAGE = 500
export const DEFAULT_PAGE = 50
/** Counting stops here; beyond it `total` is an estimate. */
export const COUNT_CAP = 100_000

export function parseFilterParam(filter: unknown): unknown {
  if (filter === undefined || filter === null || filter === '') return undefined
  if (typeof filter !== 'string') return filter
  try {
    return JSON.parse(filter)
  } catch {
    throw badRequest('filter must be JSON (see docs/filters.md)').because('filter_not_json')
  }
}

/** Lists a form's records: filter, sort, offset or keyset paging, and a cheap total. */
export async function listRecords(
  knex: Knex,
  dialect: Dialect,
  registry: FormRegistry,
  form: FormModel,
  options: ListOptions,
  env: FilterEnv,
  scopeFilter: Filter | null,
  hidden: ReadonlySet<string>,
): Promise<ListResult> {
  const limit = options.limit ?? DEFAULT_PAGE
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw badRequest(`limit must be 1 to ${MAX_PAGE}`).because('bad_limit', { max: MAX_PAGE })
  const offset = options.offset ?? 0
  if (!Number.isInteger(offset) || offset < 0) throw badRequest('offset must be 0 or more').because('bad_offset')
  if (options.cursor && offset) throw badRequest('use either offset or cursor, not both').because('offset_and_cursor')

  const scope = new TableScope(form, 't', registry)
  const conditions: Sql[] = []
  for (const [filter, at] of [
    [parseFilterParam(options.filter), 'filter'],
    [scopeFilter ?? undefined, 'permission'],
  ] as const) {
    if (filter === undefined) continue
    // the caller's filter cannot test fields hidden from them (the permission filter may)
    const prepared = prepareFilter(filter, form, env, at, at === 'filter' ? visibleTargets({ table: form, hidden }) : undefined)
    if (!prepared.filter) {
      throw new ValidationError(
        prepared.problems.map((p) =>
          fieldProblem(p.path, p.code ?? 'invalid_filter', p.message, p.code ? p.params : { reason: p.message }),
        ),
        `invalid filter: ${prepared.problems[0].path}: ${prepared.problems[0].message}`,
      )
    }
    conditions.push(compileFilter(prepared.filter as PreparedFilter, scope, dialect, registry).group())
  }
  const keys = parseSort(options.sort, form, scope)
  const where = conditions.length ? Sql.join(conditions, ' AND ') : TRUE

  let pageWhere = where
  if (options.cursor) pageWhere = Sql.join([where.group(), afterPredicate(keys, decodeCursor(options.cursor, keys)).group()], ' AND ')

  const reader = new RecordReader(knex, registry)
  const select = [...reader.selectList(scope, form), ...keys.map((k, i) => `${k.expr} AS ${id(`__s${i}`)}`)]
  const sql = `SELECT ${select.join(', ')} FROM ${scope.from()} WHERE ${pageWhere.text} ORDER BY ${orderBy(keys)} LIMIT ? OFFSET ?`
  const rows = await selectRows(knex, sql, [...pageWhere.bindings, limit + 1, offset])
  const hasMore = rows.length > limit
  const page = rows.slice(0, limit)
  const data = await reader.decode(form, page, { lines: Boolean(options.lines), hidden })
  const last = page[page.length - 1]
  const next_cursor = hasMore && last ? encodeCursor(keys, keys.map((_, i) => normalizeCursorValue(last[`__s${i}`]))) : null

  if (options.total === false) return { data, next_cursor, total: offset + data.length + (hasMore ? 1 : 0), total_is_estimate: true }
  const counted = await selectRows(knex, `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${scope.from()} WHERE ${where.text} LIMIT ?) counted`, [...where.bindings, COUNT_CAP + 1])
  let total = Number(counted[0]?.n ?? 0)
  let total_is_estimate = false
  if (total > COUNT_CAP) {
    total_is_estimate = true
    const estimate = conditions.length ? null : await dialect.estimateRows(knex, form.table)
    total = Math.max(estimate ?? COUNT_CAP, COUNT_CAP)
  }
  return { data, next_cursor, total, total_is_estimate }
}

function normalizeCursorValue(value: unknown): unknown {
  if (value === undefined) return null
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Date) return value.toISOString().slice(0, 10)
  return value
}
