import type { Knex } from 'knex'

/**
 * WHERE (a, b) IN ((…), (…)) in a form both databases run with their composite index: tuples are
 * grouped by their leading columns, each group is `a = ? AND b IN (…)`, the groups OR-ed. A batch
 * of one shop's trades becomes `shop = ? AND tid IN (…)` instead of a hundred ORs.
 */
export function whereTuples(query: Knex.QueryBuilder, columns: string[], tuples: unknown[][]): Knex.QueryBuilder {
  if (columns.length === 0) throw new Error('whereTuples needs at least one column')
  if (columns.length === 1) return query.whereIn(columns[0], tuples.map((t) => t[0]) as Knex.Value[])
  const groups = new Map<string, { lead: unknown[]; last: unknown[] }>()
  for (const tuple of tuples) {
    const lead = tuple.slice(0, -1)
    const key = JSON.stringify(lead)
    const group = groups.get(key) ?? { lead, last: [] }
    group.last.push(tuple[tuple.length - 1])
    groups.set(key, group)
  }
  return query.where((outer) => {
    for (const { lead, last } of groups.values()) {
      outer.orWhere((inner) => {
        columns.slice(0, -1).forEach((column, i) => inner.where(column, lead[i] as Knex.Value))
        inner.whereIn(columns[columns.length - 1], last as Knex.Value[])
      })
    }
  })
}
