import path from 'node:path'
import type { FormModel } from '../../schema/model/types'
import type { LocalizedText } from '../../schema/lib/localized'
import type { Actor } from '../access/actor'
import type { AppContext } from '../context'
import { badRequest, notFound } from '../lib/errors'
import { cellText } from './cells'
import { ImportJob, ImportJobs, type ImportOptions } from './job'
import { importLimits, type ImportLimits } from './limits'
import { ImportMappings, importTargets, keyCandidates, proposedMapping, type Mapping } from './mapping'
import { checkMapping } from './plan'
import { readSheet, type Sheet } from './read-sheet'
import { ImportUploads, type StoredUpload } from './uploads'

export { ImportJob } from './job'
export type { RowError } from './plan'

/**
 * Spreadsheet import of any form, for the API and the CLI: preview an upload (headers, sample,
 * proposed mapping), then run the import as a background job whose progress and per-row report
 * can be asked for. Every write goes through the records service as the importing user.
 */
export class SpreadsheetImports {
  readonly limits: ImportLimits = importLimits()
  readonly uploads: ImportUploads
  readonly jobs = new ImportJobs()
  readonly mappings: ImportMappings

  constructor(private readonly ctx: AppContext) {
    this.uploads = new ImportUploads(path.join(ctx.config.dataDir, 'imports'))
    this.mappings = new ImportMappings(ctx.db.knex)
  }

  /** The form, if this user may import into it. */
  form(actor: Actor, key: string): FormModel {
    const form = this.ctx.registry.require(key)
    this.ctx.access.check(actor, 'import', form)
    this.ctx.access.check(actor, 'create', form)
    return form
  }

  async preview(actor: Actor, form: FormModel, upload: StoredUpload) {
    const sheet = await readSheet(upload.file, this.limits)
    if (sheet.headers.length === 0) throw badRequest('the file has no header row').because('import_no_headers')
    const saved = await this.mappings.get(form.key)
    return {
      upload: upload.id,
      file_name: upload.name,
      encoding: sheet.encoding,
      headers: sheet.headers,
      sample: sheet.rows.slice(0, 5).map((r) => sheet.headers.map((_, i) => cellText(r.cells[i] ?? null))),
      rows: sheet.rows.length,
      mapping: proposedMapping(form, sheet.headers, saved?.mapping ?? null),
      fields: importTargets(form).map((t) => ({
        path: t.path,
        label: t.sub ? joinLabels(t.sub.def.label, t.field.def.label) : t.field.def.label,
        type: t.type,
        required: t.required,
      })),
      key_candidates: keyCandidates(form),
    }
  }

  /** Reads options sent with an import ({mapping?, key?, skip_bad?}). */
  options(raw: unknown): { mapping: Mapping | null; key: string | null; skipBad: boolean } {
    const body = (typeof raw === 'string' ? parseJson(raw) : (raw ?? {})) as Record<string, unknown>
    const bad = () => badRequest('mapping is {header: field}, key a field, skip_bad true or false').because('import_bad_options')
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad()
    const { mapping, key, skip_bad: skipBad } = body
    if (mapping !== undefined && mapping !== null && (typeof mapping !== 'object' || Array.isArray(mapping) || Object.values(mapping).some((v) => v !== null && typeof v !== 'string'))) throw bad()
    if (key !== undefined && key !== null && typeof key !== 'string') throw bad()
    if (skipBad !== undefined && typeof skipBad !== 'boolean' && skipBad !== 'true' && skipBad !== 'false') throw bad()
    return { mapping: (mapping as Mapping | null | undefined) ?? null, key: (key as string | null | undefined) || null, skipBad: skipBad === true || skipBad === 'true' }
  }

  /** Reads the file and starts the job; bad files and bad mappings are refused before it starts. */
  async start(actor: Actor, form: FormModel, file: string, options: { mapping: Mapping | null; key: string | null; skipBad: boolean }): Promise<ImportJob> {
    const readAt = Date.now()
    const sheet = await readSheet(file, this.limits)
    const resolved = await this.resolve(form, sheet, options)
    const job = new ImportJob(form.key, actor.userId)
    job.timings.read = Date.now() - readAt
    const records = this.ctx.records.as(actor)
    const work = job.run(records, form, sheet, resolved).then(async () => {
      if (job.state === 'done') await this.mappings.save(form.key, resolved.mapping, resolved.key, actor.userId)
    })
    job.done = work.catch((error) => console.error('[zhanggui] import job:', error))
    return this.jobs.start(job)
  }

  /** The mapping to use (sent, or proposed), checked before any work starts. */
  async resolve(form: FormModel, sheet: Sheet, options: { mapping: Mapping | null; key: string | null; skipBad: boolean }): Promise<ImportOptions> {
    if (sheet.headers.length === 0) throw badRequest('the file has no header row').because('import_no_headers')
    if (sheet.rows.length === 0) throw badRequest('the file has a header but no data rows').because('import_no_rows')
    const saved = options.mapping ? null : await this.mappings.get(form.key)
    const mapping = options.mapping ?? proposedMapping(form, sheet.headers, saved?.mapping ?? null)
    const resolved = { mapping, key: options.key, skipBad: options.skipBad }
    checkMapping(form, sheet.headers, resolved)
    return resolved
  }

  job(actor: Actor, form: FormModel, id: string): ImportJob {
    const job = this.jobs.get(id)
    if (!job || job.form !== form.key || (job.userId !== actor.userId && actor.role !== 'admin' && actor.role !== 'system')) {
      throw notFound(`no import job ${id}`).because('import_job_not_found', { job: id })
    }
    return job
  }
}

function joinLabels(a: LocalizedText, b: LocalizedText): LocalizedText {
  const zh = (t: LocalizedText) => (typeof t === 'string' ? t : t['zh-CN'])
  const en = (t: LocalizedText) => (typeof t === 'string' ? t : (t.en ?? t['zh-CN']))
  return { 'zh-CN': `${zh(a)}.${zh(b)}`, en: `${en(a)}.${en(b)}` }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw badRequest('options must be JSON').because('import_bad_options')
  }
}
