import { Router } from 'express'
import type { AppContext } from '../../context'
import { runAutoAudit } from '../../erp/auto-audit'
import { draftPurchaseOrders, purchaseSuggestions } from '../../erp/purchase-suggestions'
import { requireCapability } from '../auth'

/** Taobao ERP operations that are not one record's action. */
export function erpRoutes(ctx: AppContext): Router {
  const router = Router()
  /** Runs the auto-audit rule now (it also runs every minute when enabled in 系统参数). */
  router.post('/auto-audit', requireCapability(ctx, 'settings.manage'), async (req, res) => {
    res.json({ data: await runAutoAudit(ctx, { force: req.body?.force === true }) })
  })
  /** 采购建议: what to buy per SKU from the pace of sales, lead time and safety stock. */
  router.get('/purchase-suggestions', async (req, res) => {
    res.json(await purchaseSuggestions(ctx.records.as(req.actor!)))
  })
  /** The chosen suggestions as draft 采购单, one per supplier. */
  router.post('/purchase-suggestions/orders', async (req, res) => {
    res.status(201).json({ data: await draftPurchaseOrders(ctx.records.as(req.actor!), req.body ?? {}) })
  })
  return router
}
