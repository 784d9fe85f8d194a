import { badRequest } from '../lib/errors'
import type { SortKey } from './sort'
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
    throw badRequest('cursor is not valid')
  }
  const sort = keys.map((k) => (k.desc ? '-' : '') + k.name).join(',')
  if (!payload || payload.s !== sort || !Array.isArray(payload.v) || payload.v.length !== keys.length) {
    throw badRequest('cursor does not belong to this sort order; start again without a cursor')
  }
  if (payload.v.some((v) => v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')) {
    throw badRequest('cursor is not valid')
  }
  return payload.v
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
