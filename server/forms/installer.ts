import type { Knex } from 'knex'
import type { FormModel, ModelProblem } from '../../schema/model/types'
import { problem } from '../../schema/messages/problem'
import { applyOverlay, diffDefinition, rebaseConflicts, resolveConflicts, type OverlayConflict, type Patch, type Resolution } from '../../schema/overlay/overlay'
import type { FormDefinition } from '../../schema/template/form'
import type { PackDefinition } from '../../schema/template/pack'
import { validatePack } from '../../schema/validate/pack'
import type { Database } from '../db/connect'
import { AppError } from '../lib/errors'
import { SchemaBuilder } from './ddl'
import { migrateForm, type FormImpact } from './migrate-form'
import { FormRegistry } from './registry'
import { installPackDashboards, type DashboardInstall } from '../dashboards/store'
import { installPackRoles, type PackRolesResult } from '../access/roles'

/** One conflict between a pack upgrade and the merchant's customisations of one form. */
export interface PackConflict extends Omit<OverlayConflict, 'code'> {
  form: string
  code: OverlayConflict['code'] | 'overlay_invalid' | 'form_key_taken'
  /** `<form>:<path>`: what a resolution names */
  id: string
  message: string
}

export interface FormPlan {
  key: string
  change: 'added' | 'changed' | 'unchanged'
  customized: boolean
  fields: { added: string[]; changed: string[]; removed: string[] }
  impact: FormImpact | null
}

export interface InstallResult {
  pack: string
  version: string
  /** the version installed before, if any */
  from: string | null
  /** planned: a dry run; waiting: refused for conflicts and kept for the merchant; kept: older than the installed version */
  status: 'installed' | 'upgraded' | 'unchanged' | 'planned' | 'waiting' | 'kept'
  created: string[]
  updated: string[]
  forms: FormPlan[]
  conflicts: PackConflict[]
  /** the pack's dashboards created, updated (under the merchant's overlay), removed */
  dashboards?: DashboardInstall
  /** the pack's roles created, replaced (not edited by the merchant), kept (edited) */
  roles?: PackRolesResult
}

export class TemplateError extends AppError {
  constructor(problems: ModelProblem[]) {
    const first = problems[0]
    // A value's problem (a default, an action's set) keeps its code; the rest share one generic code.
    const details = problems.map(({ path, message, code, params }) =>
      code ? { path, code, params: params ?? {}, message } : { path, ...problem('template_problem', message, { path, detail: message }) },
    )
    super(422, 'invalid_template', `${first.path}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, details)
  }
}

/** A pack upgrade that would overwrite the merchant's changes: nothing was changed. */
export class PackConflictError extends AppError {
  constructor(readonly plan: InstallResult) {
    super(409, 'conflict', `upgrading ${plan.pack} to ${plan.version} conflicts with your changes: ${plan.conflicts.map((c) => c.message).join('; ')}`, plan)
    this.because('pack_upgrade_conflicts', { pack: plan.pack, version: plan.version, count: plan.conflicts.length })
  }
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i]
  return 0
}

const CONFLICT_TEXT: Record<PackConflict['code'], (c: OverlayConflict, form: string) => string> = {
  key_taken: (c, form) => `${form}: the pack now defines "${c.params.key}", which you also added`,
  both_changed: (c, form) => `${form}: you and the pack both changed ${c.path}`,
  removed_by_pack: (c, form) => `${form}: the pack removed ${c.path}, which you changed`,
  hidden_now_required: (c, form) => `${form}: you hid "${c.params.key}", which the pack now makes required`,
  overlay_invalid: (c, form) => `${form}: your changes no longer fit the pack at ${c.path}`,
  form_key_taken: (_c, form) => `${form}: the pack now has a form with the key of one of your own forms`,
}

function conflict(form: string, c: OverlayConflict | { path: string; code: 'overlay_invalid' | 'form_key_taken'; params: Record<string, unknown> }): PackConflict {
  return { ...c, form, id: `${form}:${c.path}`, message: CONFLICT_TEXT[c.code](c as OverlayConflict, form) } as PackConflict
}

export interface InstallOptions {
  allowDowngrade?: boolean
  handlers?: string[]
  /** report what the install would do (forms, fields, data, conflicts) and change nothing */
  dryRun?: boolean
  /** per conflict id (`<form>:<path>`): keep the merchant's value or take the pack's */
  resolutions?: Record<string, Resolution>
}

/**
 * Installs or upgrades a template pack. Each form's merchant overlay is laid over the new pack
 * definition; where the upgrade and the overlay both touched something the upgrade is refused
 * (PackConflictError, nothing changed) unless each conflict has a resolution. Validates, then
 * creates or migrates every form's tables and records the definitions, all in one transaction.
 */
export async function installPack(db: Database, registry: FormRegistry, input: unknown, options: InstallOptions = {}): Promise<InstallResult> {
  await registry.refreshIfChanged()
  const version = registry.version
  const packKey = (input as { key?: unknown })?.key
  const others = registry.definitions().filter((def) => registry.packOf(def.key) !== packKey)
  const validation = validatePack(input, others)
  if (!validation.ok || !validation.forms) throw new TemplateError(validation.problems)
  const pack = input as PackDefinition
  checkHandlers(pack, options.handlers)

  const existing = await db.knex('zg_packs').where({ key: pack.key }).first()
  const result: InstallResult = {
    pack: pack.key,
    version: pack.version,
    from: existing?.version ?? null,
    status: 'planned',
    created: [],
    updated: [],
    forms: [],
    conflicts: [],
  }
  if (existing && existing.definition === JSON.stringify(pack)) return { ...result, status: 'unchanged' }
  if (existing && compareVersions(pack.version, existing.version) < 0 && !options.allowDowngrade) {
    throw new AppError(409, 'conflict', `pack "${pack.key}" ${existing.version} is installed; refusing to go back to ${pack.version}`, {
      installed: existing.version,
      offered: pack.version,
    }).because('pack_downgrade', { pack: pack.key, installed: existing.version, offered: pack.version })
  }

  // The effective forms: the new pack definitions with the merchant's overlays laid over them.
  const rows = new Map<string, { pack_key: string; retired_at: unknown }>(
    (await db.knex('zg_forms').whereIn('key', pack.forms.map((f) => f.key)).select('key', 'pack_key', 'retired_at')).map((r) => [r.key, r]),
  )
  const effective: FormDefinition[] = []
  const overlays = new Map<string, Patch | undefined>()
  for (const [i, form] of pack.forms.entries()) {
    const row = rows.get(form.key)
    if (row && row.pack_key !== pack.key) {
      if (row.pack_key) throw new TemplateError([{ path: `forms[${i}].key`, message: `form "${form.key}" belongs to pack "${row.pack_key}"` }])
      result.conflicts.push(conflict(form.key, { path: '', code: 'form_key_taken', params: { key: form.key } }))
      effective.push(form)
      continue
    }
    const oldBase = registry.baseOf(form.key)
    const overlay = registry.overlayOf(form.key)
    const found = oldBase && overlay ? rebaseConflicts(oldBase, form, overlay) : []
    const resolved = resolveConflicts(oldBase, overlay, found, Object.fromEntries(found.map((c) => [c.path, options.resolutions?.[`${form.key}:${c.path}`]]).filter(([, v]) => v)))
    for (const c of found) if (!options.resolutions?.[`${form.key}:${c.path}`]) result.conflicts.push(conflict(form.key, c))
    overlays.set(form.key, resolved)
    effective.push(applyOverlay(form, resolved))
  }
  const compiled = validatePack({ ...pack, forms: effective }, others)
  if (!compiled.ok || !compiled.forms) {
    for (const p of compiled.problems) {
      const index = Number(/^forms\[(\d+)\]/.exec(p.path)?.[1] ?? -1)
      result.conflicts.push(conflict(pack.forms[index]?.key ?? pack.key, { path: p.path.replace(/^forms\[\d+\]\.?/, ''), code: 'overlay_invalid', params: { message: p.message } }))
    }
  }

  const plan = async (knex: Knex, builder: SchemaBuilder | null) => {
    const forms: FormPlan[] = []
    for (const [i, def] of effective.entries()) {
      const before = registry.get(def.key)
      const customized = Boolean(overlays.get(def.key))
      if (!before) {
        forms.push({ key: def.key, change: 'added', customized, fields: { added: def.fields.map((f) => f.key), changed: [], removed: [] }, impact: null })
        continue
      }
      const model = compiled.forms!.get(def.key) as FormModel
      const migration = await migrateForm({ builder, knex, dialect: db.dialect }, before, model, registry.retiredFields(def.key), `forms[${i}]`)
      if (migration.problems.length) throw new TemplateError(migration.problems)
      const same = JSON.stringify(before.def) === JSON.stringify(def)
      forms.push({ key: def.key, change: same ? 'unchanged' : 'changed', customized, fields: fieldChanges(before.def, def), impact: migration.impact })
    }
    return forms
  }

  if (result.conflicts.length) {
    if (options.dryRun) return { ...result, forms: compiled.ok ? await plan(db.knex, null) : [] }
    throw new PackConflictError(result)
  }
  if (options.dryRun) return { ...result, forms: await plan(db.knex, null) }

  const applied = await db.knex.transaction(async (trx) => {
    await db.dialect.lockForWrite(trx)
    await FormRegistry.assertVersion(trx, db.dialect, version)
    const builder = new SchemaBuilder(trx, db.dialect)
    const now = Date.now()
    const basePosition = await nextPosition(trx, pack.key)
    const forms: FormPlan[] = []
    for (const [i, def] of effective.entries()) {
      const base = pack.forms[i]
      const overlay = diffDefinition(base, def)
      const row = {
        definition: JSON.stringify(def),
        base_definition: JSON.stringify(base),
        overlay: overlay ? JSON.stringify(overlay) : null,
        position: basePosition + i,
        updated_at: now,
      }
      const before = registry.get(def.key)
      if (!before) {
        await builder.createForm(compiled.forms!.get(def.key) as FormModel)
        await trx('zg_forms').insert({ key: def.key, pack_key: pack.key, retired_fields: '[]', created_at: now, ...row })
        result.created.push(def.key)
        forms.push({ key: def.key, change: 'added', customized: Boolean(overlay), fields: { added: def.fields.map((f) => f.key), changed: [], removed: [] }, impact: null })
        continue
      }
      const migration = await migrateForm({ builder, knex: trx, dialect: db.dialect }, before, compiled.forms!.get(def.key) as FormModel, registry.retiredFields(def.key), `forms[${i}]`)
      if (migration.problems.length) throw new TemplateError(migration.problems)
      await trx('zg_forms').where({ key: def.key }).update({ ...row, retired_fields: JSON.stringify(migration.retired) })
      result.updated.push(def.key)
      forms.push({ key: def.key, change: JSON.stringify(before.def) === JSON.stringify(def) ? 'unchanged' : 'changed', customized: Boolean(overlay), fields: fieldChanges(before.def, def), impact: migration.impact })
    }
    result.roles = await installPackRoles(trx, pack.key, pack.roles ?? [])
    result.dashboards = await installPackDashboards(trx, pack.key, pack.dashboards ?? [], (key) => compiled.forms!.get(key) ?? registry.get(key))
    const packRow = { version: pack.version, definition: JSON.stringify(pack), updated_at: now }
    if (existing) await trx('zg_packs').where({ key: pack.key }).update(packRow)
    else await trx('zg_packs').insert({ key: pack.key, installed_at: now, ...packRow })
    await trx('zg_pack_pending').where({ key: pack.key }).delete()
    await FormRegistry.bumpVersion(trx)
    return forms
  })
  await registry.load()
  return { ...result, status: existing ? 'upgraded' : 'installed', forms: applied }
}

export function checkHandlers(pack: PackDefinition, handlers: string[] | undefined) {
  if (!handlers) return
  const known = new Set(handlers)
  const missing = pack.forms.flatMap((form, i) =>
    (form.actions ?? []).flatMap((action, j) =>
      action.handler && !known.has(action.handler) ? [{ path: `forms[${i}].actions[${j}].handler`, message: `unknown handler "${action.handler}"` }] : [],
    ),
  )
  if (missing.length) throw new TemplateError(missing)
}

/** Field keys added, changed and removed between two definitions of a form (sub-form columns as `lines.qty`). */
export function fieldChanges(before: FormDefinition, after: FormDefinition): FormPlan['fields'] {
  const out: FormPlan['fields'] = { added: [], changed: [], removed: [] }
  const visit = (a: FormDefinition['fields'], b: FormDefinition['fields'], prefix: string) => {
    for (const field of b) {
      const old = a.find((f) => f.key === field.key)
      if (!old) out.added.push(prefix + field.key)
      else if (JSON.stringify(old) !== JSON.stringify(field)) {
        out.changed.push(prefix + field.key)
        if (Array.isArray(old.fields) && Array.isArray(field.fields)) visit(old.fields as FormDefinition['fields'], field.fields as FormDefinition['fields'], `${prefix}${field.key}.`)
      }
    }
    for (const field of a) if (!b.some((f) => f.key === field.key)) out.removed.push(prefix + field.key)
  }
  visit(before.fields, after.fields, '')
  return out
}

/**
 * A bundled pack (installed on every start) never stops the server and never overwrites the
 * merchant: an upgrade that conflicts waits in zg_pack_pending for the merchant to resolve it, a
 * bundled version older than the installed one is ignored.
 */
export async function installBundledPack(db: Database, registry: FormRegistry, pack: unknown, options: InstallOptions = {}): Promise<InstallResult> {
  try {
    const result = await installPack(db, registry, pack, options)
    return result
  } catch (error) {
    if (error instanceof PackConflictError) {
      const plan = error.plan
      await db.knex.transaction(async (trx) => {
        await trx('zg_pack_pending').where({ key: plan.pack }).delete()
        await trx('zg_pack_pending').insert({ key: plan.pack, version: plan.version, definition: JSON.stringify(pack), conflicts: JSON.stringify(plan.conflicts), created_at: Date.now() })
      })
      return { ...plan, status: 'waiting' }
    }
    if (error instanceof AppError && error.reason === 'pack_downgrade') {
      const { installed, offered } = error.details as { installed: string; offered: string }
      return { pack: (pack as PackDefinition).key, version: offered, from: installed, status: 'kept', created: [], updated: [], forms: [], conflicts: [] }
    }
    throw error
  }
}

/** Packs keep their forms together in the menu, in install order. */
async function nextPosition(trx: Knex.Transaction, packKey: string): Promise<number> {
  const own = await trx('zg_forms').where({ pack_key: packKey }).min({ p: 'position' }).first()
  if (own?.p != null) return Number(own.p)
  const last = await trx('zg_forms').max({ p: 'position' }).first()
  return last?.p == null ? 0 : Math.ceil((Number(last.p) + 1) / 1000) * 1000
}
