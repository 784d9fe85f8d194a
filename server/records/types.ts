import type { Knex } from 'knex'
import type { FormModel } from '../../schema/model/types'
import type { Actor } from '../access/actor'

/** A record as the API shows it: system columns, field values, lines inline. */
export type ApiRecord = Record<string, unknown> & { id: number; version: number }

export interface ListOptions {
  filter?: unknown
  /** "field,-field" or ["field", "-field"] */
  sort?: string | string[]
  limit?: number
  offset?: number
  cursor?: string
  /** include sub-form lines in list results */
  lines?: boolean
  /** count the matching rows (default true); `count=none` in the API and internal lookups skip it */
  total?: boolean
}

export interface ListResult {
  data: ApiRecord[]
  next_cursor: string | null
  /** every matching row, exactly; left out when not asked for (`count=none`) */
  total?: number
  /** always false: kept for clients written when large totals were estimates */
  total_is_estimate?: boolean
}

/** POST /api/forms/:form/records/aggregate (see docs/api.md#aggregates) */
export interface AggregateOptions {
  filter?: unknown
  /** field keys, "link.field", or {field, by: day | week | month | quarter | year} */
  group_by?: unknown[]
  /** {fn: count | sum | avg | min | max | count_distinct, field?, as} */
  measures?: unknown[]
  /** the filter language over the answer's group keys and measure names */
  having?: unknown
  /** "name,-name" or a list, over group keys and measure names */
  sort?: string | string[]
  /** at most this many groups (default and maximum 10,000) */
  limit?: number
  /** skip this many groups (the order is total: every group key breaks ties), to page past 10,000 */
  offset?: number
}

export interface AggregateResult {
  /** one object per group: each group key and each measure by its name */
  data: Record<string, unknown>[]
  /** more groups matched than `limit` */
  truncated: boolean
}

export interface BatchResult {
  created: number
  updated: number
  unchanged: number
  ids: number[]
  /** ids of the records this batch created or changed */
  changed: number[]
}

/** What hooks see of a write, inside its transaction. */
export interface WriteEvent {
  form: FormModel
  action: 'create' | 'update' | 'delete' | string
  /** one entry per record written: its id, and its values before and after */
  records: { id: number; before: ApiRecord | null; after: ApiRecord | null }[]
  trx: Knex.Transaction
  actor: Actor
}
