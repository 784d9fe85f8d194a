import { Router } from 'express'
import type { DecisionInput } from '../../approvals/decisions'
import { approvalError } from '../../approvals/errors'
import type { AppContext } from '../../context'
import { queryString, recordId } from '../params'

const DECISIONS = ['approve', 'reject', 'transfer', 'withdraw'] as const

/** /api/approvals — thin: the inbox, a record's history, one approval, decisions. */
export function approvalRoutes(ctx: AppContext): Router {
  const router = Router()
  const { reads, decisions } = ctx.approvals

  router.get('/inbox', async (req, res) => {
    res.json({ data: await reads.inbox(req.actor!) })
  })
  router.get('/counts', async (req, res) => {
    res.json({ data: await reads.counts(req.actor!) })
  })
  /** people a step can be handed to (转交): active users, by name */
  router.get('/people', async (_req, res) => {
    const rows = await ctx.db.knex('zg_users').where({ disabled: false }).orderBy('id').select('id', 'username', 'display_name')
    res.json({ data: rows.map((r) => ({ id: Number(r.id), username: r.username, display: r.display_name })) })
  })
  router.get('/', async (req, res) => {
    const form = queryString(req.query.form)
    const record = queryString(req.query.record)
    if (!form || !record || !/^\d{1,15}$/.test(record)) throw approvalError(400, 'approval_record_query', 'send ?form=<form key>&record=<record id>')
    res.json({ data: await reads.ofRecord(req.actor!, form, Number(record)) })
  })
  router.get('/:id', async (req, res) => {
    res.json({ data: await reads.one(req.actor!, recordId(req)) })
  })
  router.post('/:id/:decision', async (req, res) => {
    const decision = String(req.params.decision)
    if (!(DECISIONS as readonly string[]).includes(decision)) throw approvalError(404, 'approval_bad_decision', `no decision "${decision}"; use approve, reject, transfer or withdraw`)
    const body = (req.body ?? {}) as { reason?: unknown; to?: unknown }
    if (body.reason !== undefined && body.reason !== null && typeof body.reason !== 'string') throw approvalError(422, 'approval_reason_text', 'reason must be text', { field: 'reason' })
    const input = { decision, reason: body.reason ?? undefined, to: Number(body.to) } as DecisionInput
    const id = recordId(req)
    const { result } = await decisions.decide(req.actor!, id, input)
    res.json({ data: await reads.one(req.actor!, id), result: result ?? null })
  })
  return router
}
