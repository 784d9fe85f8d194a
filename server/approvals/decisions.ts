import type { Knex } from 'knex'
import { SYSTEM_ACTOR, type Actor } from '../access/actor'
import { resolveActor } from '../access/resolve'
import type { Database } from '../db/connect'
import type { RecordsService } from '../records/service'
import { badRequest, conflict, fieldProblem, forbidden, notFound, ValidationError } from '../lib/errors'
import { enterStep } from './requests'
import { involved, isCurrentApprover, lockApproval, recordEvent, type ApprovalRow } from './store'

export type DecisionInput =
  | { decision: 'approve'; reason?: string }
  | { decision: 'reject'; reason: string }
  | { decision: 'transfer'; to: number; reason?: string }
  | { decision: 'withdraw'; reason?: string }

const MAX_REASON = 500

/**
 * Deciding on an approval, each decision one transaction of the records service: approve (the
 * last step runs the action as the requester, in the same transaction, so the approval is
 * approved exactly when the action has run), reject (with a reason), 转交 (hand the step to
 * someone else) and withdraw (the requester). Every decision is an event with who, when and why.
 */
export class ApprovalDecisions {
  constructor(
    private readonly db: Database,
    private readonly records: RecordsService,
    private readonly clock: () => number = Date.now,
  ) {}

  async decide(actor: Actor, id: number, input: DecisionInput): Promise<{ approval: ApprovalRow; result?: unknown }> {
    if (actor.userId === null) throw forbidden('approvals are decided by people').because('approval_not_approver', { id })
    const reason = typeof input.reason === 'string' ? input.reason.trim() : ''
    if (reason.length > MAX_REASON) throw new ValidationError([fieldProblem('reason', 'approval_reason_too_long', `is at most ${MAX_REASON} characters`, { max: MAX_REASON })])
    if (input.decision === 'reject' && !reason) throw new ValidationError([fieldProblem('reason', 'approval_reason_required', 'say why you reject it')])
    const userId = actor.userId
    return this.records.as(actor).transaction(async (service, trx) => {
      const approval = await lockApproval(trx, this.db.dialect, id)
      if (!approval || (actor.role !== 'admin' && !(await involved(trx, approval, userId)))) throw notFound(`approval ${id} does not exist`).because('approval_not_found', { id })
      if (approval.status !== 'pending') throw conflict(`approval ${id} is already ${approval.status}`).because('approval_decided', { id })
      const now = this.clock()
      const event = { approval_id: id, step: approval.step, user_id: userId, reason: reason || null, at: now }
      switch (input.decision) {
        case 'withdraw':
          if (approval.requested_by !== userId) throw forbidden('only who asked for the approval may withdraw it').because('approval_not_requester', { id })
          await recordEvent(trx, { ...event, decision: 'withdraw' })
          return { approval: await this.finish(trx, approval, 'withdrawn', userId) }
        case 'reject':
          await this.assertApprover(trx, approval, userId)
          await recordEvent(trx, { ...event, decision: 'reject' })
          return { approval: await this.finish(trx, approval, 'rejected', userId) }
        case 'transfer':
          await this.assertApprover(trx, approval, userId)
          await this.transfer(trx, approval, userId, input.to)
          await recordEvent(trx, { ...event, decision: 'transfer', to_user_id: input.to })
          return { approval: { ...approval } }
        case 'approve': {
          await this.assertApprover(trx, approval, userId)
          await recordEvent(trx, { ...event, decision: 'approve' })
          const next = approval.step + 1
          if (next < approval.steps.length) {
            await trx('zg_approvals').where({ id }).update({ step: next })
            const moved = { ...approval, step: next }
            // the next step's people are resolved from the record whatever the decider may read
            const record = await service.as(SYSTEM_ACTOR).get(approval.form, approval.record_id)
            await enterStep(trx, moved, next, record)
            return { approval: moved }
          }
          // Approved first (the record is unlocked), then the action runs as the requester; if it
          // fails (its condition no longer holds, stock is short…) all of it rolls back and the step waits.
          const approved = await this.finish(trx, approval, 'approved', userId)
          const requester = await this.requesterActor(trx, approval)
          const { result } = await service.as(requester).runAction(approval.form, approval.record_id, approval.action, approval.params, { approved: true })
          await trx('zg_approvals').where({ id }).update({ result: JSON.stringify(result ?? null) })
          return { approval: { ...approved, result }, result }
        }
        default:
          throw badRequest('decide with approve, reject, transfer or withdraw').because('approval_bad_decision', { decision: String((input as { decision: unknown }).decision) })
      }
    })
  }

  private async assertApprover(trx: Knex.Transaction, approval: ApprovalRow, userId: number) {
    if (!(await isCurrentApprover(trx, approval, userId))) throw forbidden(`you are not an approver of this step of approval ${approval.id}`).because('approval_not_approver', { id: approval.id })
  }

  /** Hands the current step from `from` to another active user (who must not already hold it). */
  private async transfer(trx: Knex.Transaction, approval: ApprovalRow, from: number, to: number) {
    if (!Number.isSafeInteger(to) || to <= 0) throw new ValidationError([fieldProblem('to', 'approval_transfer_to', 'name the user to hand the step to')])
    const target = await trx('zg_users').where({ id: to, disabled: false }).first('id')
    if (!target) throw new ValidationError([fieldProblem('to', 'approval_transfer_to', `user ${to} does not exist or is disabled`)])
    const where = { approval_id: approval.id, step: approval.step, kind: 'approver' }
    if (await trx('zg_approval_assignees').where({ ...where, user_id: to }).first('user_id')) {
      throw new ValidationError([fieldProblem('to', 'approval_transfer_same', 'that user already approves this step')])
    }
    await trx('zg_approval_assignees').where({ ...where, user_id: from }).delete()
    // someone cc'd on the step who now decides it is an approver only
    await trx('zg_approval_assignees').where({ approval_id: approval.id, step: approval.step, kind: 'cc', user_id: to }).delete()
    await trx('zg_approval_assignees').insert({ ...where, user_id: to, seen: false })
  }

  private async finish(trx: Knex.Transaction, approval: ApprovalRow, status: 'approved' | 'rejected' | 'withdrawn', by: number): Promise<ApprovalRow> {
    const now = this.clock()
    // the requester is told of an outcome someone else decided
    const requesterSeen = by === approval.requested_by
    const updated = await trx('zg_approvals').where({ id: approval.id, status: 'pending' }).update({ status, pending_key: null, decided_at: now, requester_seen: requesterSeen })
    if (updated !== 1) throw conflict(`approval ${approval.id} was decided meanwhile`).because('approval_decided', { id: approval.id })
    return { ...approval, status, decided_at: now, requester_seen: requesterSeen }
  }

  private async requesterActor(trx: Knex.Transaction, approval: ApprovalRow): Promise<Actor> {
    const user = await trx('zg_users').where({ id: approval.requested_by }).first('id', 'username', 'role', 'disabled')
    if (!user || user.disabled) throw conflict('who asked for this approval can no longer sign in; reject it instead').because('approval_requester_gone', { id: approval.id })
    return resolveActor({ db: { knex: trx } }, { id: Number(user.id), username: String(user.username), role: String(user.role) }, { source: 'ui' })
  }
}
