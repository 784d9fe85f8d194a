import { Router, type Request, type Response } from 'express'
import type { AppContext } from '../../context'
import { badRequest } from '../../lib/errors'
import { balanceSheet } from '../../reports/balance-sheet'
import { Books, booksForms } from '../../reports/books'
import { cashFlow } from '../../reports/cash-flow'
import { incomeStatement } from '../../reports/income-statement'
import { dateParam, periodParams } from '../../reports/period'
import type { Statement } from '../../reports/statement'
import { statementWorkbook, type SheetTitle } from '../../reports/xlsx'

/**
 * The three statements of 小企业会计准则, read from the journal with the caller's permissions:
 * 利润表 (income-statement), 现金流量表 (cash-flow), 资产负债表 (balance-sheet). `format=xlsx`
 * answers the same statement as an Excel workbook in the standard's layout.
 */
export function reportRoutes(ctx: AppContext): Router {
  const router = Router()
  const books = (req: Request) => new Books(booksForms(ctx.registry), ctx.records.as(req.actor!))
  router.get('/income-statement', async (req, res) => {
    const period = periodParams(req.query)
    const raw = req.query.shop
    let shop: number | null = null
    if (raw !== undefined && raw !== '') {
      if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) throw badRequest(`shop must be a shop id: ${String(raw)}`).because('report_bad_shop', { value: String(raw) })
      shop = Number(raw)
    }
    const statement = await incomeStatement(books(req), period, shop)
    const columns = shop === null ? [] : [{ key: 'unallocated', header: '未分摊' }]
    await answer(req, res, statement, { name: '利润表', form: '会小企02表', period: `${period.from} 至 ${period.to}` }, columns)
  })
  router.get('/cash-flow', async (req, res) => {
    const period = periodParams(req.query)
    const statement = await cashFlow(books(req), period)
    const months = (statement.months as string[]).length > 1 ? (statement.months as string[]).map((m) => ({ key: `by_month.${m}`, header: m })) : []
    await answer(req, res, statement, { name: '现金流量表', form: '会小企03表', period: `${period.from} 至 ${period.to}` }, months)
  })
  router.get('/balance-sheet', async (req, res) => {
    const at = dateParam(req.query, 'at')
    await answer(req, res, await balanceSheet(books(req), at), { name: '资产负债表', form: '会小企01表', period: at })
  })
  return router
}

async function answer(req: Request, res: Response, statement: Statement, title: SheetTitle, columns: { key: string; header: string }[] = []) {
  const format = req.query.format
  if (format === undefined || format === 'json') {
    res.json({ data: statement })
    return
  }
  if (format !== 'xlsx') throw badRequest(`format must be json or xlsx: ${String(format)}`).because('report_bad_format', { value: String(format) })
  const file = `${title.name}_${title.period.replace(' 至 ', '_')}.xlsx`
  res.setHeader('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  res.setHeader('content-disposition', `attachment; filename="statement.xlsx"; filename*=UTF-8''${encodeURIComponent(file)}`)
  res.send(await statementWorkbook(title, statement, columns))
}
