import { Router } from 'express'
import type { AppContext } from '../../context'
import { badRequest } from '../../lib/errors'
import { balanceSheet } from '../../reports/balance-sheet'
import { Books, booksForms } from '../../reports/books'
import { cashFlow } from '../../reports/cash-flow'
import { incomeStatement } from '../../reports/income-statement'
import { dateParam, periodParams } from '../../reports/period'
import type { Statement } from '../../reports/statement'
import { statementWorkbook } from '../../reports/xlsx'
import type { Locale } from '../../../schema/lib/localized'

/**
 * The three statements of 小企业会计准则, read from the journal with the caller's permissions:
 * 利润表 (income-statement), 现金流量表 (cash-flow), 资产负债表 (balance-sheet).
 */
type Req = Parameters<Parameters<Router['get']>[1]>[0]

interface Produced {
  data: Statement
  /** the period as the file prints it */
  period: string
  shop: number | null
}

export function reportRoutes(ctx: AppContext): Router {
  const router = Router()
  const books = (req: Req) => new Books(booksForms(ctx.registry), ctx.records.as(req.actor!))
  const statements: Record<string, (req: Req) => Promise<Produced>> = {
    'income-statement': async (req) => {
      const period = periodParams(req.query)
      const shop = shopParam(req.query.shop)
      return { data: await incomeStatement(books(req), period, shop), period: `${period.from} ~ ${period.to}`, shop }
    },
    'cash-flow': async (req) => {
      const period = periodParams(req.query)
      return { data: await cashFlow(books(req), period), period: `${period.from} ~ ${period.to}`, shop: null }
    },
    'balance-sheet': async (req) => {
      const at = dateParam(req.query, 'at')
      return { data: await balanceSheet(books(req), at), period: at, shop: null }
    },
  }
  for (const [name, produce] of Object.entries(statements)) {
    router.get(`/${name}`, async (req, res) => {
      res.json({ data: (await produce(req)).data })
    })
    // The same statement as an .xlsx for the shop's bookkeeper (会小企 layout), worded in `lang`.
    router.get(`/${name}/export`, async (req, res) => {
      const produced = await produce(req)
      const locale: Locale = req.query.lang === 'en' ? 'en' : 'zh-CN'
      const shopForm = booksForms(ctx.registry).journal.field('shop')?.value.target
      const shop = produced.shop && shopForm ? await ctx.records.as(req.actor!).get(shopForm, produced.shop).catch(() => null) : null
      const file = await statementWorkbook({
        statement: name,
        period: name === 'balance-sheet' ? `${locale === 'en' ? 'As at' : '截至'} ${produced.period}` : produced.period,
        shop: shop ? String(shop.name ?? shop.id) : null,
        data: produced.data,
        locale,
      })
      const filename = `${name}-${produced.period.replace(/ ~ /, '_')}.xlsx`
      res.setHeader('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      res.setHeader('Content-Disposition', `attachment; filename="${filename}"`)
      res.send(file)
    })
  }
  return router
}

function shopParam(raw: unknown): number | null {
  if (raw === undefined || raw === '') return null
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) throw badRequest(`shop must be a shop id: ${String(raw)}`).because('report_bad_shop', { value: String(raw) })
  return Number(raw)
}
