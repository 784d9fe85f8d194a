import { Router, type Request } from 'express'
import multer from 'multer'
import type { AppContext } from '../../context'
import { MAX_UPLOAD_BYTES } from '../../files/store'
import { badRequest } from '../../lib/errors'
import { installBundledByKey, listBundledPacks } from '../../packs/bundled'
import { exportPack, planExport, type ExportOptions } from '../../packs/export'
import { parsePackFile, writePackFile, type PackFile } from '../../packs/format'
import { installPackFile } from '../../packs/install-file'

/**
 * The template centre's API (capability packs.manage; mounted under /packs behind requireCapability):
 * bundled packs, installing a pack file with a preview first, and exporting forms as a pack.
 */
export function packFileRoutes(ctx: AppContext): Router {
  const router = Router()
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 } })

  router.get('/bundled', async (_req, res) => {
    res.json({ data: await listBundledPacks(ctx) })
  })
  /** `{dry_run?, with_data?}`: installs (or upgrades) a pack shipped with Zhanggui. */
  router.post('/bundled/:key/install', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>
    const result = await installBundledByKey(ctx, String(req.params.key), { dryRun: flag(body.dry_run, 'dry_run'), withData: flag(body.with_data ?? true, 'with_data') })
    res.json({ data: result })
  })
  /**
   * A pack file as multipart ("file": .zgpack.json or .zgpack.zip) or as JSON (the pack itself):
   * `?dry_run=true` answers the preview and changes nothing; `?with_data=false` skips its records.
   */
  router.post('/file', upload.single('file'), async (req, res) => {
    const file = await packFileOf(req)
    const result = await installPackFile(ctx, file, { dryRun: queryFlag(req, 'dry_run'), withData: req.query.with_data === undefined ? true : queryFlag(req, 'with_data') })
    res.json({ data: result })
  })
  /** `{forms, with_data?, include_linked?, dry_run?, key?, name?, version?, author?, description?}` → the pack file. */
  router.post('/export', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>
    const options: ExportOptions = {
      forms: body.forms as string[],
      withData: flag(body.with_data, 'with_data'),
      includeLinked: flag(body.include_linked, 'include_linked'),
      ...Object.fromEntries(['key', 'name', 'version', 'author', 'description'].filter((k) => typeof body[k] === 'string' && body[k]).map((k) => [k, body[k] as string])),
    }
    if (flag(body.dry_run, 'dry_run')) {
      res.json({ data: await planExport(ctx, options) })
      return
    }
    const { buffer, extension } = await writePackFile(await exportPack(ctx, options))
    const name = `${options.key ?? 'my_forms'}-${options.version ?? '1.0.0'}${extension}`
    res.setHeader('Content-Type', extension === '.zgpack.json' ? 'application/json' : 'application/zip')
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`)
    res.send(buffer)
  })
  return router
}

async function packFileOf(req: Request): Promise<PackFile> {
  if (req.file) return parsePackFile(req.file.buffer, Buffer.from(req.file.originalname, 'latin1').toString('utf8'))
  const body = req.body as unknown
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !Object.keys(body).length) {
    throw badRequest('send a pack file as multipart/form-data in a field named "file", or the pack as JSON').because('pack_file_expected')
  }
  return { pack: body as Record<string, unknown>, files: new Map() }
}

function flag(value: unknown, name: string): boolean {
  if (value === undefined || value === null) return false
  if (typeof value !== 'boolean') throw badRequest(`${name} must be true or false`).because('pack_flag_boolean', { name })
  return value
}

function queryFlag(req: Request, name: string): boolean {
  const value = req.query[name]
  if (value === undefined) return false
  if (value !== 'true' && value !== 'false') throw badRequest(`${name} must be true or false`).because('pack_flag_boolean', { name })
  return value === 'true'
}
