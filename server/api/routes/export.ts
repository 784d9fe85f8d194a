import { Router, type Request, type Response } from 'express'
import type { AppContext } from '../../context'
import { contentDisposition, prepareExport } from '../../export/exporter'
import { parseExportRequest } from '../../export/request'
import { badRequest } from '../../lib/errors'

/**
 * /api/forms/:form/export — the form's records as .xlsx or .csv (see docs/import-export.md#export):
 * `GET ?format&view&filter&sort&fields&encoding&locale`, or `POST` the same as JSON (long filters).
 */
export function exportRoutes(ctx: AppContext): Router {
  const router = Router({ mergeParams: true })
  const send = async (req: Request, res: Response, source: Record<string, unknown>) => {
    await ctx.registry.refreshIfChanged()
    const prepared = await prepareExport(ctx, req.actor!, String(req.params.form), parseExportRequest(source))
    // From here on the file streams: a failure can only cut it short (the client sees a broken download).
    res.setHeader('Content-Type', prepared.contentType)
    res.setHeader('Content-Disposition', contentDisposition(prepared))
    res.setHeader('Cache-Control', 'no-store')
    try {
      await prepared.write(res)
    } catch (error) {
      // a cancelled download ends here too: only a failure of ours is worth a log line
      if (!res.destroyed) console.error('[zhanggui] export failed midway:', error)
      res.destroy()
    }
  }
  router.get('/', async (req, res) => {
    await send(req, res, req.query as Record<string, unknown>)
  })
  router.post('/', async (req, res) => {
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      throw badRequest('send {format, view, filter, sort, fields, encoding, locale}').because('export_bad_request')
    }
    await send(req, res, req.body as Record<string, unknown>)
  })
  return router
}
