import fs from 'node:fs'
import { Router, type Request, type RequestHandler } from 'express'
import multer from 'multer'
import type { Locale } from '../../../schema/lib/localized'
import type { AppContext } from '../../context'
import { AppError, badRequest } from '../../lib/errors'
import { SpreadsheetImports } from '../../imports'
import { reportCsv, reportXlsx } from '../../imports/report'

/**
 * Spreadsheet import of any form (docs/import-export.md), mounted at /api/forms/:form:
 * - `POST import/preview` multipart `file` → headers, sample, proposed mapping, what can be mapped
 * - `POST import` multipart `file` + `options` (JSON), or JSON `{upload, mapping?, key?, skip_bad?}` → 202 `{job}`
 * - `GET import/:job` → state, progress, counts, the first 1000 errors
 * - `GET import/:job/report?format=csv|xlsx&locale=zh-CN|en` → the per-row report as a file
 * - `GET import-mapping` → the mapping saved by the last successful import
 */
export function formImportRoutes(ctx: AppContext): Router {
  const router = Router({ mergeParams: true })
  const imports = new SpreadsheetImports(ctx)
  const upload = fileUpload(imports)
  const formOf = async (req: Request) => {
    await ctx.registry.refreshIfChanged()
    return imports.form(req.actor!, String(req.params.form))
  }
  const keep = (req: Request, form: string) => {
    if (!req.file) throw badRequest('send the spreadsheet as multipart field "file"').because('import_file_required')
    // Browsers send UTF-8 names that multer reads as latin1.
    return imports.uploads.keep(req.file.path, Buffer.from(req.file.originalname, 'latin1').toString('utf8'), form, req.actor!.userId)
  }

  router.post('/import/preview', upload, async (req, res) => {
    const form = await formOf(req)
    res.json({ data: await imports.preview(req.actor!, form, keep(req, form.key)) })
  })

  router.post('/import', upload, async (req, res) => {
    const form = await formOf(req)
    const body = (req.body ?? {}) as Record<string, unknown>
    const file = req.file ? keep(req, form.key).file : imports.uploads.get(body.upload, form.key, req.actor!.userId).file
    const options = imports.options(req.file ? (body.options ?? {}) : body)
    const job = await imports.start(req.actor!, form, file, options)
    res.status(202).json({ data: { job: job.id } })
  })

  router.get('/import/:job', async (req, res) => {
    const form = await formOf(req)
    res.json({ data: imports.job(req.actor!, form, String(req.params.job)).view() })
  })

  router.get('/import/:job/report', async (req, res) => {
    const form = await formOf(req)
    const job = imports.job(req.actor!, form, String(req.params.job))
    const format = String(req.query.format ?? 'xlsx')
    if (format !== 'csv' && format !== 'xlsx') throw badRequest(`the report format is csv or xlsx, not "${format}"`).because('import_report_format', { format })
    const locale: Locale = req.query.locale === 'en' ? 'en' : 'zh-CN'
    const name = `${form.key}-import-report.${format}`
    res.setHeader('content-disposition', `attachment; filename="${name}"`)
    if (format === 'csv') res.type('text/csv; charset=utf-8').send(reportCsv(job.errors, locale))
    else res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await reportXlsx(job.errors, locale))
  })

  router.get('/import-mapping', async (req, res) => {
    const form = await formOf(req)
    res.json({ data: (await imports.mappings.get(form.key)) ?? { mapping: {}, key: null } })
  })
  return router
}

/** multipart `file` (and `options`) straight to disk, within the size cap; JSON bodies pass through. */
function fileUpload(imports: SpreadsheetImports): RequestHandler {
  const maxMb = Math.round(imports.limits.maxFileBytes / 1024 / 1024)
  return (req, res, next) => {
    const single = multer({ dest: imports.uploads.incoming(), limits: { fileSize: imports.limits.maxFileBytes, files: 1, fieldSize: 1024 * 1024 } }).single('file')
    single(req, res, (error?: unknown) => {
      if (!error) return next()
      if (req.file?.path) fs.rmSync(req.file.path, { force: true })
      if (error instanceof multer.MulterError) {
        if (error.code === 'LIMIT_FILE_SIZE') return next(new AppError(413, 'too_large', `the file is larger than ${maxMb} MB`).because('import_file_too_large', { max_mb: maxMb }))
        return next(badRequest(error.message).because('import_file_required'))
      }
      next(error)
    })
  }
}
