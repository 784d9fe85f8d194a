import { Router } from 'express'
import { autoNumberPeriod, parseAutoNumberPattern } from '../../../schema/lib/auto-number'
import type { AppContext } from '../../context'
import { badRequest } from '../../lib/errors'
import { requireCapability } from '../auth'

/** What the form designer asks beyond the form definitions: holders of forms.design. */
export function designerRoutes(ctx: AppContext): Router {
  const router = Router()
  router.use(requireCapability(ctx, 'forms.design'))

  /**
   * The counter the next record would get today under `pattern` (which may be a pattern being
   * designed: a new date part starts a new period, hence 1), for the auto-number preview.
   */
  router.get('/:form/next-number', async (req, res) => {
    const form = ctx.registry.require(String(req.params.form))
    const field = String(req.query.field ?? '')
    if (!form.field(field)) throw badRequest(`form "${form.key}" has no field "${field}"`)
    const pattern = parseAutoNumberPattern(String(req.query.pattern ?? form.field(field)!.def.pattern ?? ''))
    if ('error' in pattern) throw badRequest(pattern.error)
    const period = autoNumberPeriod(pattern, Date.now())
    const row = (await ctx.db.knex('zg_sequences').where({ form: form.key, field, period }).first('value')) as { value: number | string } | undefined
    res.json({ data: { period, next: row ? Number(row.value) + 1 : 1 } })
  })
  return router
}
