import fs from 'node:fs'
import path from 'node:path'
import { Router, type Request, type RequestHandler } from 'express'
import multer from 'multer'
import type { AppContext } from '../../context'
import { MAX_UPLOAD_BYTES } from '../../files/store'
import { AppError, badRequest } from '../../lib/errors'
import { importAlipayStatement } from '../../erp/alipay-statement'
import { importLimits } from '../../imports/limits'
import { SellerCenterImport, type ImportFiles } from '../../sync/seller-center'
import { requireCapability } from '../auth'

/**
 * Imports of files exported elsewhere. Seller center (已卖出的宝贝 → 批量导出):
 * - `POST /seller-center/preview` multipart `orders` (订单报表), optional `items` (宝贝报表), `shop`
 *   → `{data: {trades, lines, new, existing, kept, errors, error_count, warnings, sample, files, token, expires_at}}`; writes nothing
 * - `POST /seller-center/commit` `{token}` (or the same multipart as the preview)
 *   → `{data: {created, updated, unchanged, failed, orders_created, …, errors}}`
 * Uploads are written to disk within the size cap (ZG_IMPORT_MAX_MB) and read as a stream within
 * the row cap (ZG_IMPORT_MAX_ROWS). A big upload (over ZG_SELLER_IMPORT_JOB_KB, both files) or a
 * big commit (over ZG_SELLER_IMPORT_JOB_TRADES trades) answers 202 `{data: {job}}` at once and runs
 * in the background: `GET /seller-center/jobs/:job` → `{data: {job, kind, state: running|done|failed,
 * progress: {phase, done, total}, result, error}}` (result: what the preview or commit answers).
 */
export function importRoutes(ctx: AppContext): Router {
  const router = Router()
  const limits = importLimits()
  const number = (name: string, fallback: number) => (Number(process.env[name]) > 0 ? Number(process.env[name]) : fallback)
  const sellerCenter = new SellerCenterImport(ctx, {
    maxRows: limits.maxRows,
    jobBytes: number('ZG_SELLER_IMPORT_JOB_KB', 256) * 1024,
    jobTrades: number('ZG_SELLER_IMPORT_JOB_TRADES', 1000),
  })
  const upload = uploads(path.join(ctx.config.dataDir, 'imports', 'seller-center'), limits.maxFileBytes)
  // seller-center reports write orders and trades in bulk: the capability stock.upload (docs/permissions.md)
  router.use('/seller-center', requireCapability(ctx, 'stock.upload'))

  router.post('/seller-center/preview', upload, async (req, res) => {
    const files = filesOf(req)
    const started = await sellerCenter.previewOrJob(req.actor!, files).catch((error) => {
      removeUploads(files)
      throw error
    })
    if ('job' in started) {
      void started.job.done.then(() => removeUploads(files))
      res.status(202).json({ data: started.job.view() })
    } else {
      removeUploads(files)
      res.json({ data: started.preview })
    }
  })

  router.post('/seller-center/commit', upload, async (req, res) => {
    const body = (req.body ?? {}) as { token?: unknown }
    const uploaded = req.files && !Array.isArray(req.files) && Object.keys(req.files).length > 0
    const files = filesOf(req)
    let started
    try {
      if (uploaded) started = await sellerCenter.commitFilesOrJob(req.actor!, files)
      else {
        if (typeof body.token !== 'string' || !body.token) throw badRequest('send {"token"} from the preview, or the files again').because('import_token_required')
        started = await sellerCenter.commitOrJob(req.actor!, body.token)
      }
    } catch (error) {
      removeUploads(files)
      throw error
    }
    if ('job' in started) {
      void started.job.done.then(() => removeUploads(files))
      res.status(202).json({ data: started.job.view() })
    } else {
      removeUploads(files)
      res.json({ data: started.result })
    }
  })

  router.get('/seller-center/jobs/:job', async (req, res) => {
    res.json({ data: sellerCenter.job(req.actor!, String(req.params.job)).view() })
  })

  /**
   * 支付宝 账务明细 → 平台结算: multipart `statement` (CSV in GBK or UTF-8, or XLSX), `shop`, and
   * `dry_run` ("true": the plan only) → `{data: {settlements, existing, created, skipped}}`.
   */
  const statement = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 } }).single('statement')
  router.post('/alipay-statement', statement, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>
    const dryRun = body.dry_run === true || body.dry_run === 'true'
    res.json({ data: await importAlipayStatement(ctx, req.actor!, { shop: body.shop, file: req.file?.buffer, dryRun }) })
  })
  return router
}

/** multipart `orders` and `items` files, written to disk (owner-only) within the size cap; other requests pass through untouched. */
function uploads(dir: string, maxBytes: number): RequestHandler {
  const maxMb = Math.round(maxBytes / 1024 / 1024)
  return (req, res, next) => {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
    const fields = multer({ dest: dir, limits: { fileSize: maxBytes, files: 2, fieldSize: 64 * 1024 } }).fields([
      { name: 'orders', maxCount: 1 },
      { name: 'items', maxCount: 1 },
    ])
    fields(req, res, (error?: unknown) => {
      if (error) removeUploads(filesOf(req))
      if (error instanceof multer.MulterError && error.code === 'LIMIT_FILE_SIZE') {
        next(new AppError(413, 'too_large', `the file is larger than ${maxMb} MB`).because('seller_import_file_too_large', { max_mb: maxMb }))
        return
      }
      if (error instanceof multer.MulterError) {
        next(
          error.code === 'LIMIT_UNEXPECTED_FILE'
            ? badRequest(`unexpected file field "${error.field}"; send "orders" and optionally "items"`).because('import_unexpected_file', { field: String(error.field) })
            : badRequest(error.message),
        )
        return
      }
      next(error)
    })
  }
}

function filesOf(req: Request): ImportFiles {
  const files = (req.files && !Array.isArray(req.files) ? req.files : {}) as Record<string, Express.Multer.File[]>
  const file = (name: string) => {
    const f = files[name]?.[0]
    // Browsers send UTF-8 names that multer reads as latin1.
    return f ? { name: Buffer.from(f.originalname, 'latin1').toString('utf8'), path: f.path, size: f.size } : undefined
  }
  return { shop: (req.body ?? {}).shop, orders: file('orders'), items: file('items') }
}

function removeUploads(files: ImportFiles): void {
  for (const file of [files.orders, files.items]) if (file?.path) fs.rmSync(file.path, { force: true })
}
