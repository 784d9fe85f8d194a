import { Router } from 'express'
import type { AppContext } from '../../context'
import { badRequest } from '../../lib/errors'
import { balanceSheet } from '../../reports/balance-sheet'
import { Books, booksForms } from '../../reports/books'
import { cashFlow } from '../../reports/cash-flow'
import { incomeStatement } from '../../reports/income-statement'
import { dateParam, periodParams } from '../../reports/period'

/**
 * The three statements of 小企业会计准则, read from the journal with the caller's permissions:
 * 利润表 (income-statement), 现金流量表 (cash-flow), 资产负债表 (balance-sheet).
 */
export function reportRoutes(ctx: AppContext): Router {
  const router = Router()
  const books = (req: Parameters<Parameters<Router['get']>[1]>[0]) => new Books(booksForms(ctx.registry), ctx.records.as(req.actor!))
  router.get('/income-statement', async (req, res) => {
    const period = periodParams(req.query)
    const raw = req.query.shop
    let shop: number | null = null
    if (raw !== undefined && raw !== '') {
      if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) throw badRequest(`shop must be a shop id: ${String(raw)}`).because('report_bad_shop', { value: String(raw) })
      shop = Number(raw)
    }
    res.json({ data: await incomeStatement(books(req), period, shop) })
  })
  router.get('/cash-flow', async (req, res) => {
    res.json({ data: await cashFlow(books(req), periodParams(req.query)) })
  })
  router.get('/balance-sheet', async (req, res) => {
    res.json({ data: await balanceSheet(books(req), dateParam(req.query, 'at')) })
  })
  return router
}
