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
 * Rows strictly after `values` in the order of `keys`, with NULLs sorting last:
 * (k1 after v1) OR (k1 = v1 AND k2 after v2) OR …
 */
export function afterPredicate(keys: SortKey[], values: unknown[]): Sql {
  const terms: Sql[] = []
  for (let i = 0; i < keys.length; i++) {
    const equalities: Sql[] = keys.slice(0, i).map((k, j) => (values[j] === null ? new Sql(`${k.expr} IS NULL`) : new Sql(`${k.expr} = ?`, [values[j]])))
    const key = keys[i]
    const value = values[i]
    let after: Sql | null
    if (value === null) after = null // nothing sorts after NULL, NULLs being last
    else {
      const cmp = new Sql(`${key.expr} ${key.desc ? '<' : '>'} ?`, [value])
      after = key.nullable ? new Sql(`(${cmp.text} OR ${key.expr} IS NULL)`, cmp.bindings) : cmp
    }
    if (!after) continue
    terms.push(Sql.join([...equalities, after], ' AND ').group())
  }
  return terms.length ? Sql.join(terms, ' OR ') : new Sql('1 = 0')
}
