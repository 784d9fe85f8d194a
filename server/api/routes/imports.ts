import { Router, type RequestHandler } from 'express'
import multer from 'multer'
import type { AppContext } from '../../context'
import { MAX_UPLOAD_BYTES } from '../../files/store'
import { badRequest } from '../../lib/errors'
import { importAlipayStatement } from '../../erp/alipay-statement'
import { SellerCenterImport, type ImportFiles } from '../../sync/seller-center'
import { requireCapability } from '../auth'

/**
 * Imports of files exported elsewhere. Seller center (已卖出的宝贝 → 批量导出):
 * - `POST /seller-center/preview` multipart `orders` (订单报表), optional `items` (宝贝报表), `shop`
 *   → `{data: {trades, lines, new, existing, kept, errors, error_count, warnings, sample, files, token, expires_at}}`; writes nothing
 * - `POST /seller-center/commit` `{token}` (or the same multipart as the preview)
 *   → `{data: {created, updated, unchanged, failed, orders_created, …, errors}}`
 */
export function importRoutes(ctx: AppContext): Router {
  const router = Router()
  const sellerCenter = new SellerCenterImport(ctx)
  const upload = uploads()
  // seller-center reports write orders and trades in bulk: the capability stock.upload (docs/permissions.md)
  router.use('/seller-center', requireCapability(ctx, 'stock.upload'))

  router.post('/seller-center/preview', upload, async (req, res) => {
    res.json({ data: await sellerCenter.preview(req.actor!, filesOf(req)) })
  })

  router.post('/seller-center/commit', upload, async (req, res) => {
    const body = (req.body ?? {}) as { token?: unknown }
    const uploaded = req.files && !Array.isArray(req.files) && Object.keys(req.files).length > 0
    if (uploaded) {
      res.json({ data: await sellerCenter.commitFiles(req.actor!, filesOf(req)) })
      return
    }
    if (typeof body.token !== 'string' || !body.token) throw badRequest('send {"token"} from the preview, or the files again').because('import_token_required')
    res.json({ data: await sellerCenter.commit(req.actor!, body.token) })
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

/** multipart `orders` and `items` files (in memory); other requests pass through untouched. */
function uploads(): RequestHandler {
  const fields = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_UPLOAD_BYTES, files: 2 } }).fields([
    { name: 'orders', maxCount: 1 },
    { name: 'items', maxCount: 1 },
  ])
  return (req, res, next) => {
    fields(req, res, (error?: unknown) => {
      if (error instanceof multer.MulterError && error.code !== 'LIMIT_FILE_SIZE') {
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

function filesOf(req: Parameters<RequestHandler>[0]): ImportFiles {
  const files = (req.files ?? {}) as Record<string, Express.Multer.File[]>
  const file = (name: string) => {
    const f = files[name]?.[0]
    // Browsers send UTF-8 names that multer reads as latin1.
    return f ? { name: Buffer.from(f.originalname, 'latin1').toString('utf8'), buffer: f.buffer } : undefined
  }
  return { shop: (req.body ?? {}).shop, orders: file('orders'), items: file('items') }
}
