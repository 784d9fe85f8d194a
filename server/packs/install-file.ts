import type { Knex } from 'knex'
import type { DashboardDefinition } from '../../schema/dashboards/types'
import type { FormModel } from '../../schema/model/types'
import { applyOverlay, diffDefinition } from '../../schema/overlay/overlay'
import type { FormDefinition } from '../../schema/template/form'
import type { PackDefinition } from '../../schema/template/pack'
import { validatePack } from '../../schema/validate/pack'
import type { AppContext } from '../context'
import { rowOf } from '../dashboards/store'
import { recompute, recomputeAfterInstall } from '../forms/customize'
import { SchemaBuilder } from '../forms/ddl'
import { checkHandlers, compareVersions, fieldChanges, installPack, TemplateError, type InstallResult, type PackConflict } from '../forms/installer'
import { migrateForm, type FormImpact } from '../forms/migrate-form'
import { FormRegistry } from '../forms/registry'
import { AppError } from '../lib/errors'
import { createPackRecords } from './data'
import type { PackFile } from './format'

/**
 * Installs a pack file — an export from another instance, or any pack — with a preview first
 * (docs/packs.md). A form whose source pack is installed here becomes the merchant's overlay over
 * that pack's form (the pack upgraded first when the export's version is newer); a form whose key
 * is free is created as a form of the file's own pack; a key held by another pack or by one of the
 * merchant's own forms is a conflict, and a pack with conflicts changes nothing.
 */

type Source = { pack: string; version: string; base?: Record<string, unknown> }

export interface FormPreview {
  key: string
  label: unknown
  /** create: a new form of the file's pack; customize: the exported changes become your overlay over `pack`'s form; update: the file's pack already has it */
  action: 'create' | 'customize' | 'update' | 'conflict'
  /** the pack the form belongs to after the install (null: a conflict) */
  pack: string | null
  fields: { added: string[]; changed: string[]; removed: string[] }
  /** labels of the fields named in `fields` (`lines.qty` for a sub-form's column) */
  labels?: Record<string, unknown>
}

export interface FileConflict {
  form: string
  /** own_form: one of your own forms has the key; other_pack: a form of another pack; retired_form: a retired form keeps it; upgrade: upgrading the source pack conflicts with your changes */
  code: 'own_form' | 'other_pack' | 'retired_form' | 'upgrade'
  pack?: string
  detail?: string
}

export interface FilePreview {
  pack: { key: string; name: unknown; version: string; author?: string; description?: unknown; screenshots?: string[] }
  status: 'planned' | 'installed'
  forms: FormPreview[]
  /** source packs upgraded first (the export's version is newer than the installed one) */
  upgrades: { pack: string; from: string; to: string }[]
  dashboards: { created: string[]; customized: string[]; skipped: string[] }
  /** records the file carries, by form (created when installed with data) */
  records: Record<string, number>
  files: number
  conflicts: FileConflict[]
}

export interface FileInstallOptions {
  dryRun?: boolean
  /** create the records the file carries (default: yes) */
  withData?: boolean
}

interface FormStep {
  key: string
  action: FormPreview['action']
  pack: string | null
  /** the pack's definition after the install (for customize: the source pack's base) */
  base: FormDefinition
  def: FormDefinition
}

/** Everything the file would do, computed without writing; throws on an invalid pack. */
async function plan(ctx: AppContext, input: Record<string, unknown>): Promise<{ steps: FormStep[]; preview: FilePreview; upgrades: PackDefinition[] }> {
  const { registry, db } = ctx
  await registry.refreshIfChanged()
  const packKey = input.key
  const validation = validatePack(input, registry.definitions().filter((d) => registry.packOf(d.key) !== packKey))
  if (!validation.ok) throw new TemplateError(validation.problems)
  const pack = input as PackDefinition
  checkHandlers(pack, ctx.actions.names())
  const sources = (pack.sources?.forms ?? {}) as Record<string, Source>
  const rows = new Map((await db.knex('zg_forms').whereIn('key', pack.forms.map((f) => f.key)).select('key', 'pack_key', 'retired_at')).map((r) => [String(r.key), r]))
  const installed = new Map<string, { version: string; definition: PackDefinition }>(
    (await db.knex('zg_packs').select('key', 'version', 'definition')).map((r) => [String(r.key), { version: String(r.version), definition: JSON.parse(r.definition) }]),
  )

  // Source packs older here than in the export are upgraded first, to the export's pack forms.
  const upgrades = new Map<string, PackDefinition>()
  for (const form of pack.forms) {
    const source = sources[form.key]
    const here = source && installed.get(source.pack)
    if (!here || source.pack === pack.key || rows.get(form.key)?.pack_key !== source.pack) continue
    if (compareVersions(source.version, here.version) <= 0) continue
    const next = upgrades.get(source.pack) ?? { ...here.definition, version: source.version, forms: [...here.definition.forms] }
    const base = (source.base ?? form) as FormDefinition
    const at = next.forms.findIndex((f) => f.key === form.key)
    if (at >= 0) next.forms[at] = base
    else next.forms.push(base)
    upgrades.set(source.pack, next)
  }

  const steps: FormStep[] = []
  const conflicts: FileConflict[] = []
  for (const form of pack.forms) {
    const source = sources[form.key]
    const row = rows.get(form.key)
    if (!row) {
      steps.push({ key: form.key, action: 'create', pack: pack.key, base: form, def: form })
    } else if (row.retired_at) {
      conflicts.push({ form: form.key, code: 'retired_form' })
    } else if (row.pack_key && row.pack_key === pack.key) {
      // The file's own pack is installed here: its form is the new base, under the merchant's overlay.
      steps.push({ key: form.key, action: 'update', pack: pack.key, base: form, def: applyOverlay(form, registry.overlayOf(form.key)) })
    } else if (source && row.pack_key === source.pack) {
      const upgraded = upgrades.get(source.pack)?.forms.find((f) => f.key === form.key)
      const base = upgraded ?? registry.baseOf(form.key)!
      // The exported changes (its form against its pack's base) laid over this instance's form.
      // Without a base the form was its pack's own at that version: the same version here has
      // that base (a hand-edited file then still shows its changes); another version compares with itself.
      const sameVersion = installed.get(source.pack)?.version === source.version
      const exported = diffDefinition(source.base ?? (sameVersion ? registry.baseOf(form.key) : form), form)
      const mine = applyOverlay(base, registry.overlayOf(form.key))
      steps.push({ key: form.key, action: 'customize', pack: source.pack, base, def: applyOverlay(mine, exported) })
    } else {
      conflicts.push({ form: form.key, code: row.pack_key ? 'other_pack' : 'own_form', ...(row.pack_key ? { pack: String(row.pack_key) } : {}) })
    }
  }
  for (const [key, upgrade] of upgrades) {
    const dry = await installPack(db, registry, upgrade, { dryRun: true, handlers: ctx.actions.names() })
    for (const c of dry.conflicts as PackConflict[]) conflicts.push({ form: c.form, code: 'upgrade', pack: key, detail: c.message })
  }

  const forms: FormPreview[] = steps.map((s) => ({
    key: s.key,
    label: s.def.label,
    action: s.action,
    pack: s.pack,
    fields: s.action === 'create' ? { added: s.def.fields.map((f) => f.key), changed: [], removed: [] } : fieldChanges(registry.require(s.key).def, s.def),
    labels: { ...fieldLabels(registry.get(s.key)?.def.fields ?? []), ...fieldLabels(s.def.fields) },
  }))
  for (const c of conflicts) if (!forms.some((f) => f.key === c.form)) forms.push({ key: c.form, label: pack.forms.find((f) => f.key === c.form)?.label, action: 'conflict', pack: null, fields: { added: [], changed: [], removed: [] } })

  const dashboards: FilePreview['dashboards'] = { created: [], customized: [], skipped: [] }
  const boardSources = (pack.sources?.dashboards ?? {}) as Record<string, Source>
  const boardRows = new Map(
    (await db.knex('zg_dashboards').whereIn('key', (pack.dashboards ?? []).map((b) => b.key).concat([''])).select()).map((r) => [String(r.key), rowOf(r)]),
  )
  for (const board of pack.dashboards ?? []) {
    const row = boardRows.get(board.key)
    if (!row) dashboards.created.push(board.key)
    else if (row.pack_key && (row.pack_key === boardSources[board.key]?.pack || row.pack_key === pack.key)) dashboards.customized.push(board.key)
    else dashboards.skipped.push(board.key)
  }
  const sample = (pack.sample_data ?? {}) as Record<string, unknown[]>
  const preview: FilePreview = {
    pack: { key: pack.key, name: pack.name, version: pack.version, author: pack.author, description: pack.description, screenshots: pack.screenshots },
    status: 'planned',
    forms,
    upgrades: [...upgrades.values()].map((u) => ({ pack: u.key, from: installed.get(u.key)!.version, to: u.version })),
    dashboards,
    records: Object.fromEntries(Object.entries(sample).map(([k, v]) => [k, v.length])),
    files: 0,
    conflicts,
  }
  return { steps, preview, upgrades: [...upgrades.values()] }
}

export async function installPackFile(ctx: AppContext, file: PackFile, options: FileInstallOptions = {}): Promise<FilePreview> {
  const installed = await ctx.db.knex('zg_packs').where({ key: String(file.pack.key ?? '') }).first('key')
  if (installed) return upgradeOwnPack(ctx, file, options)
  const { steps, preview, upgrades } = await plan(ctx, file.pack)
  preview.files = file.files.size
  const pack = file.pack as unknown as PackDefinition
  const others = () => ctx.registry.definitions().filter((d) => !steps.some((s) => s.key === d.key))
  // The result as a whole must compile with the forms already here, before anything is written.
  if (steps.length) {
    const check = validatePack({ ...pack, sources: undefined, dashboards: undefined, forms: steps.map((s) => s.def) }, others())
    if (!check.ok || !check.forms) throw new TemplateError(check.problems)
    for (const [i, step] of steps.entries()) {
      const before = ctx.registry.get(step.key)
      if (!before) continue
      const migration = await migrateForm({ builder: null, knex: ctx.db.knex, dialect: ctx.db.dialect }, before, check.forms.get(step.key) as FormModel, ctx.registry.retiredFields(step.key), `forms[${i}]`)
      if (migration.problems.length) throw new TemplateError(migration.problems)
    }
  }
  if (options.dryRun) return preview
  if (preview.conflicts.length) throw conflictError(pack.key, preview)

  for (const upgrade of upgrades) {
    const result = await installPack(ctx.db, ctx.registry, upgrade, { handlers: ctx.actions.names() })
    await recomputeAfterInstall(ctx, result)
  }
  const impacts = await applySteps(ctx, pack, steps)
  await recompute(ctx, impacts)
  // Its seed records (a chart of accounts), as a pack installed any other way gets them.
  if (pack.seed_data && steps.some((s) => s.pack === pack.key)) await recomputeAfterInstall(ctx, { pack: pack.key, status: 'installed', forms: [] } as unknown as InstallResult)
  const sample = pack.sample_data as Record<string, Record<string, unknown>[]> | undefined
  if (sample && options.withData !== false) await createPackRecords(ctx, sample, file.files)
  return { ...preview, status: 'installed' }
}

function fieldLabels(fields: FormDefinition['fields'], prefix = ''): Record<string, unknown> {
  return Object.fromEntries(
    fields.flatMap((f) => [[prefix + f.key, f.label], ...(Array.isArray(f.fields) ? Object.entries(fieldLabels(f.fields as FormDefinition['fields'], `${prefix}${f.key}.`)) : [])]),
  )
}

/**
 * The file's own pack is installed here already (a newer export of the same forms, a pack file
 * installed before): a plain pack upgrade, the merchant's overlay kept, conflicts refused.
 */
async function upgradeOwnPack(ctx: AppContext, file: PackFile, options: FileInstallOptions): Promise<FilePreview> {
  const pack = file.pack as unknown as PackDefinition
  const run = async (dryRun: boolean) => installPack(ctx.db, ctx.registry, pack, { dryRun, handlers: ctx.actions.names() })
  const result = await run(true)
  const preview: FilePreview = {
    pack: { key: pack.key, name: pack.name, version: pack.version, author: pack.author, description: pack.description, screenshots: pack.screenshots },
    status: 'planned',
    forms: result.forms.map((f) => {
      const def = pack.forms.find((x) => x.key === f.key)
      const labels = { ...fieldLabels(ctx.registry.get(f.key)?.def.fields ?? []), ...fieldLabels(def?.fields ?? []) }
      return { key: f.key, label: def?.label ?? f.key, action: f.change === 'added' ? 'create' : 'update', pack: pack.key, fields: f.fields, labels }
    }),
    upgrades: result.from && result.from !== pack.version ? [{ pack: pack.key, from: result.from, to: pack.version }] : [],
    dashboards: { created: [], customized: [], skipped: [] },
    // An upgrade keeps the records here; a file's records arrive only with a first install.
    records: {},
    files: 0,
    conflicts: result.conflicts.map((c) => ({ form: c.form, code: c.code === 'form_key_taken' ? 'own_form' : 'upgrade', pack: pack.key, detail: c.message })),
  }
  if (options.dryRun || result.status === 'unchanged') return preview
  if (preview.conflicts.length) throw conflictError(pack.key, preview)
  const applied = await run(false)
  await recomputeAfterInstall(ctx, applied)
  return { ...preview, status: 'installed' }
}

function conflictError(packKey: string, preview: FilePreview): AppError {
  return new AppError(409, 'conflict', `${packKey}: ${preview.conflicts.length} form(s) conflict with forms here (${preview.conflicts.map((c) => c.form).join(', ')}); nothing was installed`, preview).because(
    'pack_install_conflicts',
    { pack: packKey, count: preview.conflicts.length, forms: [...new Set(preview.conflicts.map((c) => c.form))].join(', ') },
  )
}

/** Creates, migrates and records every form and dashboard in one transaction. */
async function applySteps(ctx: AppContext, pack: PackDefinition, steps: FormStep[]): Promise<{ key: string; impact: FormImpact | null }[]> {
  const { db, registry } = ctx
  await registry.refreshIfChanged()
  const version = registry.version
  const others = registry.definitions().filter((d) => !steps.some((s) => s.key === d.key))
  const compiled = validatePack({ ...pack, sources: undefined, dashboards: undefined, forms: steps.map((s) => s.def) }, others)
  if (!compiled.ok || !compiled.forms) throw new TemplateError(compiled.problems)
  const impacts = await db.knex.transaction(async (trx) => {
    await db.dialect.lockForWrite(trx)
    await FormRegistry.assertVersion(trx, db.dialect, version)
    const builder = new SchemaBuilder(trx, db.dialect)
    const now = Date.now()
    const own = await trx('zg_forms').where({ pack_key: pack.key }).min({ p: 'position' }).first()
    const last = await trx('zg_forms').max({ p: 'position' }).first()
    const start = own?.p != null ? Number(own.p) : last?.p == null ? 0 : Math.ceil((Number(last.p) + 1) / 1000) * 1000
    const out: { key: string; impact: FormImpact | null }[] = []
    for (const [i, step] of steps.entries()) {
      const model = compiled.forms!.get(step.key) as FormModel
      const overlay = diffDefinition(step.base, step.def)
      const row = { definition: JSON.stringify(step.def), base_definition: JSON.stringify(step.base), overlay: overlay ? JSON.stringify(overlay) : null, updated_at: now }
      const before = registry.get(step.key)
      if (!before) {
        await builder.createForm(model)
        await trx('zg_forms').insert({ key: step.key, pack_key: pack.key, retired_fields: '[]', created_at: now, position: start + i, ...row })
        out.push({ key: step.key, impact: null })
        continue
      }
      const migration = await migrateForm({ builder, knex: trx, dialect: db.dialect }, before, model, registry.retiredFields(step.key), `forms[${i}]`)
      if (migration.problems.length) throw new TemplateError(migration.problems)
      await trx('zg_forms').where({ key: step.key }).update({ ...row, retired_fields: JSON.stringify(migration.retired) })
      out.push({ key: step.key, impact: migration.impact })
    }
    await installDashboards(trx, pack)
    // The file's own pack holds the forms it created (a later file of the same pack upgrades them).
    const mine = steps.filter((s) => s.pack === pack.key)
    if (mine.length) {
      const { sample_data: _data, sources: _sources, ...rest } = pack
      const definition = JSON.stringify({ ...rest, forms: mine.map((s) => s.base), dashboards: (pack.dashboards ?? []).filter((b) => !pack.sources?.dashboards?.[b.key]) })
      const existing = await trx('zg_packs').where({ key: pack.key }).first('key')
      if (existing) await trx('zg_packs').where({ key: pack.key }).update({ version: pack.version, definition, updated_at: now })
      else await trx('zg_packs').insert({ key: pack.key, version: pack.version, definition, installed_at: now, updated_at: now })
    }
    await FormRegistry.bumpVersion(trx)
    return out
  })
  await registry.load()
  return impacts
}

/**
 * Exported dashboards: a dashboard of a pack installed here takes the exported one as the
 * merchant's overlay; a new key is created as the file's pack's; a key taken otherwise is skipped.
 */
async function installDashboards(trx: Knex.Transaction, pack: PackDefinition) {
  const now = Date.now()
  const sources = (pack.sources?.dashboards ?? {}) as Record<string, Source>
  for (const [i, board] of (pack.dashboards ?? []).entries()) {
    const raw = await trx('zg_dashboards').where({ key: board.key }).first()
    const row = raw ? rowOf(raw) : null
    if (!row) {
      await trx('zg_dashboards').insert({ key: board.key, pack_key: pack.key, owner_id: null, base_definition: JSON.stringify(board), overlay: null, definition: JSON.stringify(board), position: i, created_at: now, updated_at: now })
    } else if (row.pack_key && row.base && (row.pack_key === sources[board.key]?.pack || row.pack_key === pack.key)) {
      const base = row.pack_key === pack.key ? board : row.base
      const def: DashboardDefinition = row.pack_key === pack.key ? applyOverlay(board, row.overlay) : board
      const overlay = diffDefinition(base, def)
      await trx('zg_dashboards').where({ key: board.key }).update({ base_definition: JSON.stringify(base), overlay: overlay ? JSON.stringify(overlay) : null, definition: JSON.stringify(def), updated_at: now })
    }
  }
}
