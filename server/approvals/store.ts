import type { Knex } from 'knex'
import type { Dialect } from '../db/dialects/types'
import type { ApprovalStepDefinition } from '../../schema/template/approval'

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn'
export type Decision = 'request' | 'approve' | 'reject' | 'transfer' | 'withdraw'

/** A row of zg_approvals, read. */
export interface ApprovalRow {
  id: number
  form: string
  record_id: number
  title: string | null
  action: string
  params: Record<string, unknown>
  steps: ApprovalStepDefinition[]
  step: number
  status: ApprovalStatus
  requested_by: number
  requested_at: number
  decided_at: number | null
  result: unknown
  requester_seen: boolean
}

export function readApproval(row: Record<string, unknown>): ApprovalRow {
  return {
    id: Number(row.id),
    form: String(row.form),
    record_id: Number(row.record_id),
    title: row.title == null ? null : String(row.title),
    action: String(row.action),
    params: JSON.parse(String(row.params)),
    steps: JSON.parse(String(row.steps)),
    step: Number(row.step),
    status: row.status as ApprovalStatus,
    requested_by: Number(row.requested_by),
    requested_at: Number(row.requested_at),
    decided_at: row.decided_at == null ? null : Number(row.decided_at),
    result: row.result == null ? null : JSON.parse(String(row.result)),
    requester_seen: Boolean(row.requester_seen),
  }
}

export const pendingKey = (form: string, recordId: number) => `${form}:${recordId}`

/** Reads an approval for deciding on it; on PostgreSQL its row stays locked until the transaction ends. */
export async function lockApproval(trx: Knex.Transaction, dialect: Dialect, id: number): Promise<ApprovalRow | null> {
  const query = trx('zg_approvals').where({ id }).first()
  const row = dialect.name === 'postgres' ? await query.forUpdate() : await query
  return row ? readApproval(row) : null
}

export async function recordEvent(
  trx: Knex.Transaction,
  event: { approval_id: number; step: number; user_id: number; decision: Decision; reason?: string | null; to_user_id?: number | null; at: number },
): Promise<void> {
  await trx('zg_approval_events').insert({ reason: null, to_user_id: null, ...event })
}

/** Users who may see an approval besides admins: the requester and everyone assigned or cc'd at any step. */
export async function involved(knex: Knex, approval: ApprovalRow, userId: number): Promise<boolean> {
  if (approval.requested_by === userId) return true
  const row = await knex('zg_approval_assignees').where({ approval_id: approval.id, user_id: userId }).first('user_id')
  if (row) return true
  // someone who decided a step and then handed it over is still part of its history
  const acted = await knex('zg_approval_events').where({ approval_id: approval.id, user_id: userId }).first('id')
  return Boolean(acted)
}

export async function isCurrentApprover(knex: Knex, approval: ApprovalRow, userId: number): Promise<boolean> {
  const row = await knex('zg_approval_assignees').where({ approval_id: approval.id, step: approval.step, kind: 'approver', user_id: userId }).first('user_id')
  return Boolean(row)
}
