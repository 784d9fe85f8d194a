import { Router } from 'express'
import type { DecisionInput } from '../../approvals/decisions'
import { badRequest, fieldProblem, notFound, ValidationError } from '../../lib/errors'
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
    if (!form || !record || !/^\d{1,15}$/.test(record)) throw badRequest('send ?form=<form key>&record=<record id>').because('approval_record_query')
    res.json({ data: await reads.ofRecord(req.actor!, form, Number(record)) })
  })
  router.get('/:id', async (req, res) => {
    res.json({ data: await reads.one(req.actor!, recordId(req)) })
  })
  router.post('/:id/:decision', async (req, res) => {
    const decision = String(req.params.decision)
    if (!(DECISIONS as readonly string[]).includes(decision)) throw notFound(`no decision "${decision}"; use approve, reject, transfer or withdraw`).because('approval_bad_decision', { decision })
    const body = (req.body ?? {}) as { reason?: unknown; to?: unknown }
    if (body.reason !== undefined && body.reason !== null && typeof body.reason !== 'string') throw new ValidationError([fieldProblem('reason', 'must_be_text', 'must be text')])
    const input = { decision, reason: body.reason ?? undefined, to: Number(body.to) } as DecisionInput
    const id = recordId(req)
    const { result } = await decisions.decide(req.actor!, id, input)
    res.json({ data: await reads.one(req.actor!, id), result: result ?? null })
  })
  return router
}
