import fs from 'node:fs'
import path from 'node:path'
import { validateDashboard } from '../../schema/dashboards/validate'
import type { DashboardDefinition } from '../../schema/dashboards/types'
import { compileForms } from '../../schema/model/compile'
import type { FormModel, TableModel } from '../../schema/model/types'
import type { FormDefinition } from '../../schema/template/form'
import { PACK_FORMAT } from '../../schema/template/pack'
import { validatePack } from '../../schema/validate/pack'
import type { AppContext } from '../context'
import { rowOf } from '../dashboards/store'
import { TemplateError } from '../forms/installer'
import { AppError, badRequest } from '../lib/errors'
import type { PackFile } from './format'

/**
 * Exports a set of forms as a pack (docs/packs.md): each form's effective definition (the pack's
 * with the merchant's overlay folded in, shared views included), the shared dashboards over those
 * forms, where each came from, and optionally their records as sample data — links as `$ref`s,
 * sub-form lines inline, attached files carried in the zip.
 */
export interface ExportOptions {
  forms: string[]
  withData?: boolean
  /** pull in the forms the chosen ones link to; otherwise those are refused by name */
  includeLinked?: boolean
  key?: string
  name?: string
  version?: string
  author?: string
  description?: string
}

export interface ExportPlan {
  /** the forms exported, the chosen ones first */
  forms: string[]
  /** forms the chosen ones need (links, rollups, postings) that were not chosen */
  missing: string[]
}

const UNKNOWN_FORM = /unknown form "([a-z][a-z0-9_]*)/

/** Installed forms the given definitions refer to but which are not among them. */
function missingForms(ctx: AppContext, keys: string[]): string[] {
  const { problems } = compileForms(keys.map((key) => ({ def: ctx.registry.require(key).def, at: key })))
  const found = new Set<string>()
  for (const p of problems) {
    const key = UNKNOWN_FORM.exec(p.message)?.[1]
    if (key && !keys.includes(key) && ctx.registry.get(key)) found.add(key)
  }
  return [...found]
}

/** Which forms an export holds, and which linked forms it lacks. */
export async function planExport(ctx: AppContext, options: Pick<ExportOptions, 'forms' | 'includeLinked'>): Promise<ExportPlan> {
  await ctx.registry.refreshIfChanged()
  if (!Array.isArray(options.forms) || !options.forms.length || options.forms.some((f) => typeof f !== 'string')) {
    throw badRequest('name the forms to export').because('pack_export_no_forms')
  }
  for (const key of options.forms) ctx.registry.require(key)
  const forms = [...new Set(options.forms)]
  let missing = missingForms(ctx, forms)
  while (options.includeLinked && missing.length) {
    forms.push(...missing)
    missing = missingForms(ctx, forms)
  }
  return { forms, missing }
}

export async function exportPack(ctx: AppContext, options: ExportOptions): Promise<PackFile> {
  const plan = await planExport(ctx, options)
  if (plan.missing.length) {
    throw new AppError(400, 'bad_request', `the chosen forms link to forms not chosen: ${plan.missing.join(', ')}; add them or export with the linked forms`, {
      missing: plan.missing,
    }).because('pack_export_missing_links', { forms: plan.missing.join(', ') })
  }
  const versions = new Map<string, string>((await ctx.db.knex('zg_packs').select('key', 'version')).map((r) => [String(r.key), String(r.version)]))
  const defs: FormDefinition[] = plan.forms.map((key) => ctx.registry.require(key).def)
  const sourceOf = (packKey: string | null | undefined, base: unknown, overlay: unknown) =>
    packKey && versions.has(packKey) ? { pack: packKey, version: versions.get(packKey)!, ...(overlay && base ? { base: base as Record<string, unknown> } : {}) } : null
  const formSources: Record<string, { pack: string; version: string; base?: Record<string, unknown> }> = {}
  for (const key of plan.forms) {
    const source = sourceOf(ctx.registry.packOf(key), ctx.registry.baseOf(key), ctx.registry.overlayOf(key))
    if (source) formSources[key] = source
  }

  // Shared dashboards (not a person's own) that read only the exported forms.
  const compiled = compileForms(defs.map((def) => ({ def, at: def.key }))).forms
  const dashboards: DashboardDefinition[] = []
  const dashboardSources: typeof formSources = {}
  for (const raw of await ctx.db.knex('zg_dashboards').whereNull('owner_id').orderBy(['position', 'key']).select()) {
    const row = rowOf(raw)
    if (!mentionsForm(row.definition, plan.forms) || validateDashboard(row.definition, (key) => compiled.get(key)).length) continue
    dashboards.push(row.definition)
    const source = sourceOf(row.pack_key, row.base, row.overlay)
    if (source) dashboardSources[row.key] = source
  }

  const files = new Map<string, Buffer>()
  const pack: Record<string, unknown> = {
    format: PACK_FORMAT,
    key: options.key ?? 'my_forms',
    name: options.name ?? { 'zh-CN': '我的表单', en: 'My forms' },
    version: options.version ?? '1.0.0',
    ...(options.author ? { author: options.author } : {}),
    ...(options.description ? { description: options.description } : {}),
    forms: defs,
    ...(dashboards.length ? { dashboards } : {}),
    ...(options.withData ? { sample_data: await exportRecords(ctx, plan.forms, files) } : {}),
    sources: { forms: formSources, ...(dashboards.length ? { dashboards: dashboardSources } : {}) },
  }
  const validation = validatePack(pack, [])
  if (!validation.ok) throw new TemplateError(validation.problems)
  return { pack, files }
}

function mentionsForm(value: unknown, forms: string[]): boolean {
  if (Array.isArray(value)) return value.some((v) => mentionsForm(v, forms))
  if (!value || typeof value !== 'object') return false
  return Object.entries(value).some(([k, v]) => (k === 'form' && typeof v === 'string' && forms.includes(v.split('.')[0])) || mentionsForm(v, forms))
}

/** Every record of the forms, in an order where linked-to forms come first. */
async function exportRecords(ctx: AppContext, keys: string[], files: Map<string, Buffer>): Promise<Record<string, Record<string, unknown>[]>> {
  const ordered = dependencyOrder(keys.map((k) => ctx.registry.require(k)))
  const records = new Map<string, Record<string, unknown>[]>()
  const index = new Map<string, Map<number, number>>()
  for (const form of ordered) {
    // System-written forms (ledgers) are rebuilt by the documents that post to them.
    if (form.def.system_written) continue
    const all: Record<string, unknown>[] = []
    let cursor: string | undefined
    do {
      const page = await ctx.records.list(form.key, { limit: 500, cursor, sort: 'id', total: false, lines: true })
      all.push(...page.data)
      cursor = page.next_cursor ?? undefined
    } while (cursor)
    records.set(form.key, all)
    index.set(form.key, new Map(all.map((r, i) => [Number(r.id), i])))
  }
  const ref = (target: string | undefined, value: unknown) => {
    const id = typeof value === 'object' && value !== null ? Number((value as { id?: unknown }).id) : Number(value)
    const at = target ? index.get(target)?.get(id) : undefined
    return at === undefined ? undefined : { $ref: `${target}:${at}` }
  }
  const saveFile = async (value: { id: number; name: string; mime: string }) => {
    const stored = await ctx.files.find(value.id)
    const name = `files/${value.id}-${path.basename(stored.name).replace(/[^\w.\u4e00-\u9fff-]/g, '_')}`
    files.set(name, await fs.promises.readFile(stored.path))
    return { $file: name, name: stored.name, mime: stored.mime }
  }
  const convert = async (table: TableModel, record: Record<string, unknown>) => {
    const out: Record<string, unknown> = {}
    for (const field of table.fields) {
      const value = record[field.key]
      // A copied value is a snapshot taken when the record was written: it travels; the rest is recomputed.
      if ((field.computed && field.computed !== 'copy') || value === undefined || value === null) continue
      const kind = field.value.kind
      if (kind === 'user') continue
      if (field.lines) out[field.key] = await Promise.all((value as Record<string, unknown>[]).map((line) => convert(field.lines!, line)))
      else if (kind === 'link') {
        const linked = ref(field.value.target, value)
        if (linked) out[field.key] = linked
      } else if (kind === 'link_list') out[field.key] = (value as unknown[]).map((v) => ref(field.value.target, v)).filter(Boolean)
      else if (kind === 'files') out[field.key] = await Promise.all((value as { id: number; name: string; mime: string }[]).map(saveFile))
      else out[field.key] = value
    }
    return out
  }
  const sample: Record<string, Record<string, unknown>[]> = {}
  for (const [key, list] of records) {
    const form = ctx.registry.require(key)
    sample[key] = await Promise.all(
      list.map(async (record) => {
        const out = await convert(form, record)
        // When it was created: the importer replays creations in this order across forms.
        const created = Date.parse(String(record.created_at))
        if (Number.isFinite(created)) out.$at = created
        const status = record.doc_status
        if (form.def.document && (status === 'submitted' || status === 'void')) out.$actions = status === 'void' ? ['submit', 'void'] : ['submit']
        return out
      }),
    )
  }
  return sample
}

/** Forms ordered so that a form's link targets come before it where the links allow (cycles keep their order). */
function dependencyOrder(forms: FormModel[]): FormModel[] {
  const keys = new Set(forms.map((f) => f.key))
  const targets = (table: TableModel): string[] =>
    table.fields.flatMap((f) => [...(f.value.target ? [f.value.target.split('.')[0]] : []), ...(f.lines ? targets(f.lines) : [])])
  const out: FormModel[] = []
  const visiting = new Set<string>()
  const visit = (form: FormModel) => {
    if (out.includes(form) || visiting.has(form.key)) return
    visiting.add(form.key)
    for (const target of targets(form)) if (keys.has(target) && target !== form.key) visit(forms.find((f) => f.key === target)!)
    out.push(form)
  }
  forms.forEach(visit)
  return out
}

