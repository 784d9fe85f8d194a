import { badRequest } from '../lib/errors'
import type { SortKey, SortValueType } from './sort'
import { Sql } from './sql'

/**
 * Keyset ("cursor") paging: the cursor holds the last row's sort values; the next page is every
 * row after it in the same order. Deep pages cost the same as the first (unlike OFFSET).
 */
interface CursorPayload {
  /** the sort it was made for; a cursor is only valid with the same sort */
  s: string
  v: unknown[]
}

export function encodeCursor(keys: SortKey[], values: unknown[]): string {
  const payload: CursorPayload = { s: keys.map((k) => (k.desc ? '-' : '') + k.name).join(','), v: values }
  return Buffer.from(JSON.stringify(payload)).toString('base64url')
}

export function decodeCursor(cursor: string, keys: SortKey[]): unknown[] {
  let payload: CursorPayload
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw badRequest('cursor is not valid').because('bad_cursor')
  }
  const sort = keys.map((k) => (k.desc ? '-' : '') + k.name).join(',')
  if (!payload || payload.s !== sort || !Array.isArray(payload.v) || payload.v.length !== keys.length) {
    throw badRequest('cursor does not belong to this sort order; start again without a cursor').because('cursor_other_sort')
  }
  // A hand-made cursor must not reach the database with a value its column cannot hold.
  if (payload.v.some((v, i) => v !== null && !fits(v, keys[i].type))) throw badRequest('cursor is not valid').because('bad_cursor')
  return payload.v
}

const BIGINT_MAX = 2n ** 63n - 1n

function fits(value: unknown, type: SortValueType): boolean {
  switch (type) {
    case 'integer':
      if (typeof value === 'number') return Number.isSafeInteger(value)
      return typeof value === 'string' && /^-?\d{1,19}$/.test(value) && BigInt(value) <= BIGINT_MAX && BigInt(value) >= -BIGINT_MAX
    case 'text':
      return typeof value === 'string'
    case 'boolean':
      return typeof value === 'boolean' || value === 0 || value === 1
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString().startsWith(value)
  }
}

/**
 * Rows strictly after `values` in the order of `keys` (NULLs smallest, see orderBy), as disjoint
 * branches for a UNION ALL. Each branch is a condition an index on the sort columns answers by a
 * range scan: a row-value comparison `(created, id) < (?, ?)` over each run of keys that share a
 * direction, and NULLs in their own branch (`created IS NULL`) — never `… OR created IS NULL`,
 * which makes the database read the index from its start. The usual `-created` page is two
 * branches, `-id` one.
 */
export function afterBranches(keys: SortKey[], values: unknown[]): Sql[] {
  const branches: Sql[] = []
  const equal = (k: SortKey, v: unknown) => (v === null ? new Sql(`${k.expr} IS NULL`) : new Sql(`${k.expr} = ?`, [v]))
  const prefix: Sql[] = []
  let i = 0
  while (i < keys.length) {
    const key = keys[i]
    if (values[i] === null) {
      // After a NULL (the smallest value) ascending comes every non-NULL value; descending, nothing.
      if (!key.desc) branches.push(Sql.join([...prefix, new Sql(`${key.expr} IS NOT NULL`)], ' AND '))
      prefix.push(equal(key, null))
      i++
      continue
    }
    // A run of keys in one direction with non-NULL cursor values: one row-value comparison.
    let end = i + 1
    while (end < keys.length && keys[end].desc === key.desc && values[end] !== null) end++
    const run = keys.slice(i, end)
    const exprs = run.map((k) => k.expr)
    const bindings = values.slice(i, end)
    const op = key.desc ? '<' : '>'
    const compare = run.length === 1 ? new Sql(`${exprs[0]} ${op} ?`, bindings) : new Sql(`(${exprs.join(', ')}) ${op} (${bindings.map(() => '?').join(', ')})`, bindings)
    branches.push(Sql.join([...prefix, compare], ' AND '))
    // Descending, NULLs come after every value, but the comparison yields NULL for them: each
    // nullable key of the run gets a branch of its own (the keys before it equal to the cursor's).
    if (key.desc) {
      run.forEach((k, j) => {
        if (k.nullable) branches.push(Sql.join([...prefix, ...run.slice(0, j).map((r, m) => equal(r, values[i + m])), new Sql(`${k.expr} IS NULL`)], ' AND '))
      })
    }
    prefix.push(...run.map((k, m) => equal(k, values[i + m])))
    i = end
  }
  return branches
}
