import type { Knex } from 'knex'
import { localize } from '../../schema/lib/localized'
import type { FormModel } from '../../schema/model/types'
import type { ActionGate, GateContext } from '../records/service'
import { conditionHolds } from '../records/service'
import type { ApiRecord } from '../records/types'
import { resolvePeople, userNames } from './approvers'
import { conflict } from '../lib/errors'
import { pendingKey, readApproval, recordEvent, type ApprovalRow } from './store'

/** The record's title as text, for the inbox (links come as {id, display}). */
export function recordTitle(form: FormModel, record: ApiRecord): string {
  const value = record[form.titleField]
  if (value && typeof value === 'object' && 'display' in value) return String((value as { display: unknown }).display ?? `#${record.id}`)
  return value == null || value === '' ? `#${record.id}` : String(value)
}

/**
 * Makes the step the current one: its approvers (and cc'd people) are resolved now, from the
 * record as it is, and written down; they alone may decide it.
 */
export async function enterStep(trx: Knex.Transaction, approval: ApprovalRow, step: number, record: ApiRecord): Promise<number[]> {
  const def = approval.steps[step]
  const approvers = await resolvePeople(trx, def.approvers, record, true)
  const cc = (await resolvePeople(trx, def.cc, record, false)).filter((id) => !approvers.includes(id))
  const rows = [...approvers.map((user_id) => ({ user_id, kind: 'approver' })), ...cc.map((user_id) => ({ user_id, kind: 'cc' }))]
  if (rows.length) await trx('zg_approval_assignees').insert(rows.map((r) => ({ ...r, approval_id: approval.id, step, seen: false })))
  return approvers
}

/**
 * The gate in front of the records service's actions: an action whose approval applies becomes a
 * pending request (answered with `{approval: {...}}`), and a record with a pending request cannot
 * be edited, deleted or acted on until it is decided or withdrawn.
 */
export class ApprovalGate implements ActionGate {
  constructor(private readonly clock: () => number = Date.now) {}

  async intercept({ trx, form, action, record, params, actor }: GateContext): Promise<unknown | null> {
    const approval = action.approval!
    // the system (sync, rules, sample data) is not held back: approval is for people
    if (actor.userId === null) return null
    if (action.approvalCondition && !conditionHolds(form, action.approvalCondition, record, this.clock())) return null
    const now = this.clock()
    const [inserted] = await trx('zg_approvals')
      .insert({
        form: form.key,
        record_id: record.id,
        title: recordTitle(form, record),
        action: action.key,
        params: JSON.stringify(params),
        steps: JSON.stringify(approval.steps),
        step: 0,
        status: 'pending',
        pending_key: pendingKey(form.key, record.id),
        requested_by: actor.userId,
        requested_at: now,
        requester_seen: true,
      })
      .returning('*')
    const row = readApproval(inserted)
    await recordEvent(trx, { approval_id: row.id, step: 0, user_id: actor.userId, decision: 'request', at: now })
    const approvers = await enterStep(trx, row, 0, record)
    const names = await userNames(trx, approvers)
    return {
      approval: {
        id: row.id,
        status: 'pending',
        step: approval.steps[0].label,
        approvers: approvers.map((id) => names.get(id)!.display),
      },
    }
  }

  async assertUnlocked(trx: Knex.Transaction, form: FormModel, ids: number[]): Promise<void> {
    for (let start = 0; start < ids.length; start += 500) {
      const keys = ids.slice(start, start + 500).map((id) => pendingKey(form.key, id))
      const pending = await trx('zg_approvals').whereIn('pending_key', keys).first('id', 'record_id', 'title', 'step', 'steps')
      if (!pending) continue
      const step = JSON.parse(String(pending.steps))[Number(pending.step)]
      throw conflict(`${form.key} record ${pending.record_id} is waiting for approval (${localize(step?.label)}); it cannot change until the approval is decided or withdrawn`).because('approval_pending', {
        form: form.def.label,
        record: Number(pending.record_id),
        title: pending.title,
        approval: Number(pending.id),
        step: step?.label ?? '',
      })
    }
  }
}
