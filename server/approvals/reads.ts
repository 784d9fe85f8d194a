import type { Knex } from 'knex'
import { formatDateTime } from '../../schema/lib/time'
import type { Actor } from '../access/actor'
import type { FormRegistry } from '../forms/registry'
import type { RecordsService } from '../records/service'
import { userNames } from './approvers'
import { notFound } from '../lib/errors'
import { involved, readApproval, type ApprovalRow } from './store'

const LIST_LIMIT = 100
/** datetimes as everywhere in the API: Asia/Shanghai, like the records' datetime fields */
const iso = (ms: number | null) => (ms === null ? null : formatDateTime(ms))

/**
 * What people see of approvals: the 待办 inbox (waiting for me, cc'd to me, asked by me, with
 * counts for the menu), the history of a record, and one request with its steps and decisions.
 */
export class ApprovalReads {
  constructor(
    private readonly knex: Knex,
    private readonly registry: FormRegistry,
    private readonly records: RecordsService,
  ) {}

  async counts(actor: Actor): Promise<{ waiting: number; unread: number }> {
    const me = actor.userId ?? -1
    const waiting = await this.waitingQuery(me).count({ n: '*' }).first()
    const cc = await this.knex('zg_approval_assignees').where({ user_id: me, kind: 'cc', seen: false }).count({ n: '*' }).first()
    const mine = await this.knex('zg_approvals').where({ requested_by: me, requester_seen: false }).count({ n: '*' }).first()
    return { waiting: Number(waiting?.n ?? 0), unread: Number(cc?.n ?? 0) + Number(mine?.n ?? 0) }
  }

  async inbox(actor: Actor) {
    const me = actor.userId ?? -1
    const waiting = (await this.waitingQuery(me).select('a.*').orderBy('a.id', 'desc').limit(LIST_LIMIT)).map(readApproval)
    const ccRows = await this.knex('zg_approvals as a')
      .join('zg_approval_assignees as s', 's.approval_id', 'a.id')
      .where({ 's.user_id': me, 's.kind': 'cc' })
      .select('a.*', 's.seen as cc_seen')
      .orderBy('a.id', 'desc')
      .limit(LIST_LIMIT)
    const cc = dedupe(ccRows.map((r) => ({ ...readApproval(r), unread: !r.cc_seen })))
    const mine = (await this.knex('zg_approvals').where({ requested_by: me }).orderBy('id', 'desc').limit(LIST_LIMIT)).map((r) => ({ ...readApproval(r), unread: !r.requester_seen }))
    const all = [...waiting, ...cc, ...mine]
    const described = await this.describe(all, actor)
    const pick = (list: (ApprovalRow & { unread?: boolean })[]) => list.map((a) => ({ ...described.get(a.id)!, unread: a.unread ?? false }))
    return { waiting: pick(waiting), cc: pick(cc), mine: pick(mine), counts: await this.counts(actor) }
  }

  /** Every approval of a record, for whoever may read the record. */
  async ofRecord(actor: Actor, form: string, recordId: number) {
    await this.records.as(actor).get(form, recordId)
    const rows = (await this.knex('zg_approvals').where({ form, record_id: recordId }).orderBy('id', 'desc')).map(readApproval)
    const described = await this.describe(rows, actor)
    return rows.map((r) => described.get(r.id)!)
  }

  /** One approval, for its requester, approvers, cc'd people and admins (404 for anyone else); reading it marks it seen. */
  async one(actor: Actor, id: number) {
    const row = await this.knex('zg_approvals').where({ id }).first()
    const approval = row ? readApproval(row) : null
    if (!approval || (actor.role !== 'admin' && !(actor.userId !== null && (await involved(this.knex, approval, actor.userId))))) {
      throw notFound(`approval ${id} does not exist`).because('approval_not_found', { id })
    }
    if (actor.userId !== null) {
      await this.knex('zg_approval_assignees').where({ approval_id: id, user_id: actor.userId, kind: 'cc' }).update({ seen: true })
      if (approval.requested_by === actor.userId && !approval.requester_seen) await this.knex('zg_approvals').where({ id }).update({ requester_seen: true })
    }
    return (await this.describe([approval], actor)).get(id)!
  }

  private waitingQuery(me: number) {
    return this.knex('zg_approvals as a')
      .join('zg_approval_assignees as s', function () {
        this.on('s.approval_id', '=', 'a.id').andOn('s.step', '=', 'a.step')
      })
      .where({ 'a.status': 'pending', 's.user_id': me, 's.kind': 'approver' })
  }

  /** Approvals as the API shows them: labels, steps with their people, every decision. */
  private async describe(approvals: ApprovalRow[], actor?: Actor) {
    const ids = [...new Set(approvals.map((a) => a.id))]
    const assignees = ids.length ? await this.knex('zg_approval_assignees').whereIn('approval_id', ids).select('approval_id', 'step', 'user_id', 'kind') : []
    const events = ids.length ? await this.knex('zg_approval_events').whereIn('approval_id', ids).orderBy('id') : []
    const names = await userNames(this.knex, [
      ...approvals.map((a) => a.requested_by),
      ...assignees.map((s) => Number(s.user_id)),
      ...events.flatMap((e) => [Number(e.user_id), ...(e.to_user_id == null ? [] : [Number(e.to_user_id)])]),
    ])
    const person = (id: number) => {
      const n = names.get(id)!
      return { id: n.id, display: n.display }
    }
    const out = new Map<number, Record<string, unknown>>()
    for (const a of approvals) {
      const form = this.registry.get(a.form)
      const action = form?.actions.find((x) => x.key === a.action)
      const mine = assignees.filter((s) => Number(s.approval_id) === a.id)
      out.set(a.id, {
        id: a.id,
        form: a.form,
        form_label: form?.def.label ?? a.form,
        record_id: a.record_id,
        title: a.title,
        action: a.action,
        action_label: action?.label ?? a.action,
        status: a.status,
        step: a.step,
        steps: a.steps.map((s, i) => ({
          label: s.label,
          approvers: mine.filter((x) => Number(x.step) === i && x.kind === 'approver').map((x) => person(Number(x.user_id))),
          cc: mine.filter((x) => Number(x.step) === i && x.kind === 'cc').map((x) => person(Number(x.user_id))),
        })),
        requested_by: person(a.requested_by),
        requested_at: iso(a.requested_at),
        decided_at: iso(a.decided_at),
        result: a.result,
        events: events
          .filter((e) => Number(e.approval_id) === a.id)
          .map((e) => ({
            decision: e.decision,
            step: Number(e.step),
            user: person(Number(e.user_id)),
            to_user: e.to_user_id == null ? null : person(Number(e.to_user_id)),
            reason: e.reason ?? null,
            at: iso(Number(e.at)),
          })),
        ...(actor
          ? {
              can_decide: a.status === 'pending' && mine.some((x) => Number(x.step) === a.step && x.kind === 'approver' && Number(x.user_id) === actor.userId),
              can_withdraw: a.status === 'pending' && a.requested_by === actor.userId,
            }
          : {}),
      })
    }
    return out
  }
}

/** A person cc'd on two steps sees the request once. */
function dedupe<T extends { id: number; unread?: boolean }>(list: T[]): T[] {
  const seen = new Map<number, T>()
  for (const item of list) {
    const earlier = seen.get(item.id)
    if (!earlier) seen.set(item.id, item)
    else if (item.unread) earlier.unread = true
  }
  return [...seen.values()]
}
