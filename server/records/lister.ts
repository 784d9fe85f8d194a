import type { Knex } from 'knex'
import { prepareFilter, type FilterEnv, type PreparedFilter } from '../../schema/filter/prepare'
import type { FormModel } from '../../schema/model/types'
import type { Dialect } from '../db/dialects/types'
import type { FormRegistry } from '../forms/registry'
import { badRequest, fieldProblem, ValidationError } from '../lib/errors'
import { compileFilter } from '../query/filter-sql'
import { countRows } from '../query/count-cache'
import { afterBranches, decodeCursor, encodeCursor } from '../query/keyset'
import { TableScope } from '../query/scope'
import { visibleTargets } from '../query/visible'
import { orderBy, parseSort } from '../query/sort'
import { id, selectRows, Sql, TRUE } from '../query/sql'
import type { Filter } from '../../schema/filter/types'
import { RecordReader } from './reader'
import type { ListOptions, ListResult } from './types'

export const MAX_PAGE = 500
export const DEFAULT_PAGE = 50

export function parseFilterParam(filter: unknown): unknown {
  if (filter === undefined || filter === null || filter === '') return undefined
  if (typeof filter !== 'string') return filter
  try {
    return JSON.parse(filter)
  } catch {
    throw badRequest('filter must be JSON (see docs/filters.md)').because('filter_not_json')
  }
}

/** Lists a form's records: filter, sort, offset or keyset paging, and an exact total (cached, see count-cache). */
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
  // The count joins only what the filter needs; sorting by a link adds its join after this.
  const countFrom = scope.from()
  const keys = parseSort(options.sort, form, scope, visibleTargets({ table: form, hidden }))
  const where = conditions.length ? Sql.join(conditions, ' AND ') : TRUE

  // First the page's ids and sort values (from the sort index, no joins for display), then
  // its records by id: a deep offset skips index entries, not joined rows.
  const sortValues = keys.map((k, i) => `${k.expr} AS ${id(`__s${i}`)}`).join(', ')
  const pageQuery = (extra: Sql | null, pageLimit: number, pageOffset: number) => {
    const condition = extra ? Sql.join([where, extra.group()], ' AND ') : where
    return new Sql(`SELECT ${sortValues} FROM ${scope.from()} WHERE ${condition.text} ORDER BY ${orderBy(keys)} LIMIT ? OFFSET ?`, [...condition.bindings, pageLimit, pageOffset])
  }
  let page: Sql
  if (options.cursor) {
    const branches = afterBranches(keys, decodeCursor(options.cursor, keys))
    if (branches.length === 1) page = pageQuery(branches[0], limit + 1, 0)
    else {
      // Each branch reads its own index range; the union of a few pages is sorted once more.
      const parts = branches.map((b, i) => {
        const q = pageQuery(b, limit + 1, 0)
        return new Sql(`SELECT * FROM (${q.text}) ${id(`b${i}`)}`, q.bindings)
      })
      const union = Sql.join(parts, ' UNION ALL ')
      page = new Sql(`${union.text} ORDER BY ${orderBy(keys, (_, i) => id(`__s${i}`))} LIMIT ?`, [...union.bindings, limit + 1])
    }
  } else page = pageQuery(null, limit + 1, offset)

  const rows = await selectRows(knex, page.text, page.bindings)
  const hasMore = rows.length > limit
  const pageRows = rows.slice(0, limit)
  const idKey = `__s${keys.length - 1}`
  const data = await new RecordReader(knex, registry).load(
    form,
    pageRows.map((r) => Number(r[idKey])),
    { lines: Boolean(options.lines), hidden },
  )
  const last = pageRows[pageRows.length - 1]
  const next_cursor = hasMore && last ? encodeCursor(keys, keys.map((_, i) => normalizeCursorValue(last[`__s${i}`]))) : null

  if (options.total === false) return { data, next_cursor }
  const total = await countRows(knex, `SELECT COUNT(*) AS n FROM ${countFrom}${conditions.length ? ` WHERE ${where.text}` : ''}`, where.bindings)
  return { data, next_cursor, total, total_is_estimate: false }
}

function normalizeCursorValue(value: unknown): unknown {
  if (value === undefined) return null
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Date) return value.toISOString().slice(0, 10)
  return value
}
