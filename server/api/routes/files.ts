import { Router } from 'express'
import multer from 'multer'
import type { AppContext } from '../../context'
import { MAX_UPLOAD_BYTES, FileStore } from '../../files/store'
import { badRequest } from '../../lib/errors'
import { recordId } from '../params'

export function fileRoutes(ctx: AppContext): Router {
  const router = Router()
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 } })

  /** Upload a file for a form's attachment field: POST /api/files?form=quotes (multipart "file"). */
  router.post('/', upload.single('file'), async (req, res) => {
    const file = req.file
    if (!file) throw badRequest('send the file as multipart/form-data in a field named "file"')
    const formKey = typeof req.query.form === 'string' ? req.query.form : null
    if (formKey) ctx.access.check(req.actor!, 'create', ctx.registry.require(formKey))
    // Browsers send UTF-8 names that multer reads as latin1.
    const name = Buffer.from(file.originalname, 'latin1').toString('utf8')
    const stored = await ctx.files.save({ name, mime: file.mimetype, buffer: file.buffer, form: formKey, userId: req.actor!.userId })
    res.status(201).json({ data: { id: stored.id, name: stored.name, mime: stored.mime, size: stored.size, url: `/api/files/${stored.id}` } })
  })

  router.get('/:id', async (req, res) => {
    const file = await ctx.files.find(recordId(req))
    if (file.form) ctx.access.check(req.actor!, 'read', ctx.registry.require(file.form))
    res.setHeader('Content-Type', file.mime)
    res.setHeader('Content-Disposition', FileStore.disposition(file))
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('Cache-Control', 'private, max-age=86400')
    res.sendFile(file.path)
  })
  return router
}
