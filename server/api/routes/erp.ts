import { Router } from 'express'
import type { AppContext } from '../../context'
import { runAutoAudit } from '../../erp/auto-audit'
import { requireAdmin } from '../auth'

/** Taobao ERP operations that are not one record's action. */
export function erpRoutes(ctx: AppContext): Router {
  const router = Router()
  /** Runs the auto-audit rule now (it also runs every minute when enabled in 系统参数). */
  router.post('/auto-audit', requireAdmin, async (req, res) => {
    res.json({ data: await runAutoAudit(ctx, { force: req.body?.force === true }) })
  })
  return router
}
