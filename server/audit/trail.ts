import type { Knex } from 'knex'
import { badRequest } from '../lib/errors'

/** One entry of the audit trail as the API answers it (docs/audit.md). */
export interface AuditEntry {
  id: number
  at: string
  user_id: number | null
  actor_name: string | null
  token_id: number | null
  source: string | null
  ip: string | null
  form: string
  record_id: number
  action: string
  changes: unknown
}

export interface AuditQuery {
  form?: string
  record_id?: number
  user?: number
  action?: string
  source?: string
  /** inclusive bounds, epoch ms */
  from?: number
  to?: number
  /** entries with a smaller id (keyset paging, newest first) */
  before?: number
  limit: number
}

const SOURCES = ['ui', 'api', 'import', 'sync', 'rule', 'cli']
/** batch entries list their records in `changes.ids` under the first one's id */
const BATCH_ACTIONS = ['import', 'undo_import']
/** how many earlier batch entries of a form a record's history looks through for its id */
const BATCHES_SEARCHED = 50

export function readEntry(row: Record<string, unknown>): AuditEntry {
  return {
    id: Number(row.id),
    at: new Date(Number(row.at)).toISOString(),
    user_id: row.user_id == null ? null : Number(row.user_id),
    actor_name: (row.actor_name as string | null) ?? null,
    token_id: row.token_id == null ? null : Number(row.token_id),
    source: (row.source as string | null) ?? null,
    ip: (row.ip as string | null) ?? null,
    form: String(row.form),
    record_id: Number(row.record_id),
    action: String(row.action),
    changes: row.changes == null ? null : JSON.parse(String(row.changes)),
  }
}

/** Reads the query string of GET /api/audit; a bad value is a 400 naming the parameter. */
export function auditQuery(query: Record<string, unknown>): AuditQuery {
  const text = (name: string) => {
    const v = query[name]
    if (v === undefined || v === '') return undefined
    if (typeof v !== 'string' || v.length > 200) throw bad(name)
    return v
  }
  const int = (name: string) => {
    const v = text(name)
    if (v === undefined) return undefined
    if (!/^\d{1,15}$/.test(v)) throw bad(name)
    return Number(v)
  }
  const time = (name: string) => {
    const v = text(name)
    if (v === undefined) return undefined
    const ms = /^\d{1,15}$/.test(v) ? Number(v) : Date.parse(v)
    if (!Number.isFinite(ms)) throw bad(name)
    return ms
  }
  const source = text('source')
  if (source !== undefined && !SOURCES.includes(source)) throw bad('source')
  const limit = int('limit') ?? 50
  if (limit < 1 || limit > 200) throw bad('limit')
  return { form: text('form'), record_id: int('record_id'), user: int('user'), action: text('action'), source, from: time('from'), to: time('to'), before: int('before'), limit }
}

const bad = (name: string) => badRequest(`the audit filter "${name}" is not valid`).because('audit_bad_query', { name })

/** Entries newest first, filtered; `next` is the `before` of the next page (null at the end). */
export async function listEntries(knex: Knex, q: AuditQuery): Promise<{ data: AuditEntry[]; next: number | null }> {
  const query = knex('zg_audit').orderBy('id', 'desc').limit(q.limit + 1)
  if (q.form !== undefined) query.where('form', q.form)
  if (q.record_id !== undefined) query.where('record_id', q.record_id)
  if (q.user !== undefined) query.where('user_id', q.user)
  if (q.action !== undefined) query.where('action', q.action)
  if (q.source !== undefined) query.where('source', q.source)
  if (q.from !== undefined) query.where('at', '>=', q.from)
  if (q.to !== undefined) query.where('at', '<=', q.to)
  if (q.before !== undefined) query.where('id', '<', q.before)
  const rows = await query
  const more = rows.length > q.limit
  const data = rows.slice(0, q.limit).map(readEntry)
  return { data, next: more ? data[data.length - 1].id : null }
}

/**
 * A record's entries newest first: its own, and the batch entries (an import's) that list it. A
 * batch entry sits under its first record's id, so the latest batches of the form at or below the
 * record's id are looked through.
 */
export async function recordEntries(knex: Knex, form: string, recordId: number, limit = 200): Promise<AuditEntry[]> {
  const own = (await knex('zg_audit').where({ form, record_id: recordId }).whereNotIn('action', BATCH_ACTIONS).orderBy('id', 'desc').limit(limit)).map(readEntry)
  const batches = (
    await knex('zg_audit').where({ form }).whereIn('action', BATCH_ACTIONS).where('record_id', '<=', recordId).orderBy('record_id', 'desc').orderBy('id', 'desc').limit(BATCHES_SEARCHED)
  )
    .map(readEntry)
    .filter((e) => Array.isArray((e.changes as { ids?: unknown })?.ids) && (e.changes as { ids: number[] }).ids.includes(recordId))
    .map((e) => ({ ...e, changes: batchPart(e.changes as { ids: number[]; after?: unknown[] }, recordId) }))
  return [...own, ...batches].sort((a, b) => b.id - a.id).slice(0, limit)
}

/** The part of a batch entry about one record: its after-image. */
function batchPart(changes: { ids: number[]; after?: unknown[] }, recordId: number) {
  const i = changes.ids.indexOf(recordId)
  return { ids: [recordId], after: changes.after ? [changes.after[i]] : undefined }
}

/** Deletes entries older than `days` days (0: keep forever); answers how many went. */
export async function pruneAudit(knex: Knex, days: number, now = Date.now()): Promise<number> {
  if (!(days > 0)) return 0
  return knex('zg_audit').where('at', '<', now - days * 86_400_000).delete()
}

/** Prunes at start-up and then daily; the timer does not keep the process alive. */
export function scheduleAuditRetention(knex: Knex, days: number, log: (message: string) => void = console.log): () => void {
  if (!(days > 0)) return () => {}
  const run = () =>
    pruneAudit(knex, days).then(
      (n) => n && log(`[zhanggui] audit retention: ${n} entries older than ${days} days removed`),
      (error: Error) => log(`[zhanggui] audit retention failed: ${error.message}`),
    )
  void run()
  const timer = setInterval(run, 86_400_000)
  timer.unref()
  return () => clearInterval(timer)
}
