import { Router } from 'express'
import multer from 'multer'
import type { AppContext } from '../../context'
import { MAX_UPLOAD_BYTES, FileStore } from '../../files/store'
import { badRequest, notFound } from '../../lib/errors'
import { recordId } from '../params'
import type { Actor } from '../../access/actor'
import { isAll, linesHidden } from '../../access/policy'
import type { StoredFile } from '../../files/store'
import type { TableModel } from '../../../schema/model/types'

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
    await assertMayRead(ctx, req.actor!, file)
    res.setHeader('Content-Type', file.mime)
    res.setHeader('Content-Disposition', FileStore.disposition(file))
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('Cache-Control', 'private, max-age=86400')
    res.sendFile(file.path)
  })
  return router
}

/**
 * A file is readable by whoever may read a record holding it (row scope and hidden fields
 * included); a file no record holds yet, by who uploaded it (and administrators).
 */
async function assertMayRead(ctx: AppContext, actor: Actor, file: StoredFile): Promise<void> {
  if (!file.form) return
  const form = ctx.registry.require(file.form)
  ctx.access.check(actor, 'read', form)
  if (isAll(actor, ctx.roles)) return
  const knex = ctx.db.knex
  const hidden = ctx.access.hiddenFields(actor, form)
  const holders = new Set<number>()
  let held = false
  const visit = async (table: TableModel, hiddenHere: ReadonlySet<string>, lines: boolean) => {
    for (const field of table.fields) {
      if (field.lines && !lines) {
        await visit(field.lines, hiddenHere.has(field.key) ? new Set(field.lines.fields.map((f) => f.key)) : linesHidden(hiddenHere, field.key), true)
        continue
      }
      if (field.value.kind !== 'files') continue
      const parents = (await knex(`${table.table}__${field.key}`).where({ value: file.id }).pluck('parent_id')).map(Number)
      if (!parents.length) continue
      held = true
      if (hiddenHere.has(field.key)) continue
      const ids = lines ? (await knex(table.table).whereIn('id', parents).pluck('parent_id')).map(Number) : parents
      for (const id of ids) holders.add(id)
    }
  }
  await visit(form, hidden, false)
  const row = await knex('zg_files').where({ id: file.id }).first('created_by')
  if (!held && row && row.created_by != null && Number(row.created_by) === actor.userId) return
  if (holders.size) {
    const visible = await ctx.records.as(actor).list(form.key, { filter: { field: 'id', op: 'in', value: [...holders].slice(0, 1000) }, limit: 1, total: false })
    if (visible.data.length) return
  }
  throw notFound(`file ${file.id} does not exist`).because('file_not_found', { id: file.id })
}
