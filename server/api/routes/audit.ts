import { Router } from 'express'
import { stripHidden } from '../../audit/changes'
import { linkedTitles } from '../../audit/titles'
import { auditQuery, listEntries, recordEntries } from '../../audit/trail'
import type { AppContext } from '../../context'
import { requireCapability } from '../auth'
import { recordId } from '../params'

/**
 * The audit trail, read-only (no route changes or deletes an entry; retention prunes):
 * - GET /api/audit — every entry, filtered, newest first, keyset paged (`before`);
 *   capability audit.view;
 * - GET /api/forms/:form/records/:id/history — one record's entries, for whoever may read the record,
 *   without the before/after values of fields they may not see.
 */
export function auditRoutes(ctx: AppContext): Router {
  const router = Router()
  router.get('/audit', requireCapability(ctx, 'audit.view'), async (req, res) => {
    const { data, next } = await listEntries(ctx.db.knex, auditQuery(req.query as Record<string, unknown>))
    const label = (form: string) => {
      const model = ctx.registry.get(form)
      return model ? model.def.label : null
    }
    res.json({ data: data.map((e) => ({ ...e, form_label: label(e.form) })), next_cursor: next })
  })
  router.get('/forms/:form/records/:id/history', async (req, res) => {
    const formKey = String(req.params.form)
    const id = recordId(req)
    const service = ctx.records.as(req.actor!)
    // refused as reading the record is: 403 without permission, 404 outside the row scope
    await service.get(formKey, id)
    const form = ctx.registry.require(formKey)
    const hidden = ctx.access.hiddenFields(req.actor!, form)
    const entries = (await recordEntries(ctx.db.knex, formKey, id)).map((e) => ({ ...e, changes: stripHidden(e.action, e.changes, hidden) }))
    res.json({ data: entries, form_label: form.def.label, titles: await linkedTitles(ctx.db.knex, service, form, entries.map((e) => e.changes)) })
  })
  return router
}
