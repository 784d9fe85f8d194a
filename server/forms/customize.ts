import type { Actor } from '../access/actor'
import { hasCapability, mayDo, type AccessPolicy } from '../access/policy'
import type { FormModel } from '../../schema/model/types'
import { diffDefinition, type Json } from '../../schema/overlay/overlay'
import type { FormDefinition } from '../../schema/template/form'
import { validateForm } from '../../schema/validate/pack'
import type { AppContext } from '../context'
import { quoteIdentifier } from '../db/dialects/types'
import { badRequest, conflict, forbidden, notFound } from '../lib/errors'
import { SchemaBuilder } from './ddl'
import type { InstallResult } from './installer'
import { TemplateError } from './installer'
import { emptyImpact, migrateForm, type FormImpact } from './migrate-form'
import { FormRegistry } from './registry'

/**
 * The designer's writes: a merchant's change to a form is stored as their overlay over the pack
 * (never as an edit of the pack), a new form as the merchant's own. Each write migrates the
 * form's tables in one transaction, then recomputes stored computed values that changed.
 */

/**
 * Only those who may design forms: the capability forms.design, or (for one form) its `design`
 * permission. Without a policy at hand: administrators and the system.
 */
export function assertDesigner(actor: Actor, access?: AccessPolicy, form?: FormModel): void {
  if (access ? hasCapability(access, actor, 'forms.design') || (form !== undefined && mayDo(access, actor, 'design', form)) : actor.role === 'admin' || actor.role === 'system') return
  throw forbidden('only who may design forms may do this').because('design_not_allowed')
}

export interface SaveResult {
  impact: FormImpact
  /** the merchant's layer over the pack after the save (null: none, or the merchant's own form) */
  overlay: Json | null
}

function checkDefinition(ctx: AppContext, input: unknown, key: string | null): { def: FormDefinition; model: FormModel } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw badRequest('the body must be a form definition (a JSON object)').because('form_definition_expected')
  const def = input as FormDefinition
  if (key !== null && def.key !== key) throw new TemplateError([{ path: 'form.key', message: `the key of a saved form cannot change (it is "${key}")` }])
  const others = ctx.registry.definitions().filter((d) => d.key !== def.key)
  const validation = validateForm(def, others)
  if (!validation.ok || !validation.forms) throw new TemplateError(validation.problems)
  return { def, model: validation.forms.get(def.key) as FormModel }
}

/** Saves a whole definition of an installed form as the merchant's overlay (or only reports what it would do). */
export async function saveForm(ctx: AppContext, key: string, input: unknown, options: { dryRun?: boolean } = {}): Promise<SaveResult> {
  await ctx.registry.refreshIfChanged()
  const version = ctx.registry.version
  const before = ctx.registry.require(key)
  const { def, model } = checkDefinition(ctx, input, key)
  const base = ctx.registry.baseOf(key)
  const overlay = base ? ((diffDefinition(base, def) as Json | undefined) ?? null) : null
  const retired = ctx.registry.retiredFields(key)
  const { db } = ctx
  if (options.dryRun) {
    const plan = await migrateForm({ builder: null, knex: db.knex, dialect: db.dialect }, before, model, retired, 'form')
    if (plan.problems.length) throw new TemplateError(plan.problems)
    return { impact: plan.impact, overlay }
  }
  const impact = await db.knex.transaction(async (trx) => {
    await db.dialect.lockForWrite(trx)
    await FormRegistry.assertVersion(trx, db.dialect, version)
    const migration = await migrateForm({ builder: new SchemaBuilder(trx, db.dialect), knex: trx, dialect: db.dialect }, before, model, retired, 'form')
    if (migration.problems.length) throw new TemplateError(migration.problems)
    await trx('zg_forms')
      .where({ key })
      .update({
        definition: JSON.stringify(def),
        overlay: overlay ? JSON.stringify(overlay) : null,
        retired_fields: JSON.stringify(migration.retired),
        updated_at: Date.now(),
      })
    await FormRegistry.bumpVersion(trx)
    return migration.impact
  })
  await ctx.registry.load()
  await recompute(ctx, [{ key, impact }])
  return { impact, overlay }
}

/** Creates a merchant's own form (not part of any pack). */
export async function createOwnForm(ctx: AppContext, input: unknown): Promise<FormModel> {
  await ctx.registry.refreshIfChanged()
  const { def, model } = checkDefinition(ctx, input, null)
  const { db } = ctx
  await db.knex.transaction(async (trx) => {
    await db.dialect.lockForWrite(trx)
    const taken = await trx('zg_forms').where({ key: def.key }).first('key', 'retired_at')
    if (taken) {
      throw conflict(taken.retired_at ? `a retired form already uses the key "${def.key}"; purge it or choose another key` : `a form "${def.key}" already exists`, { key: def.key }).because(
        taken.retired_at ? 'form_key_retired' : 'form_exists',
        { key: def.key },
      )
    }
    await new SchemaBuilder(trx, db.dialect).createForm(model)
    const last = await trx('zg_forms').max({ p: 'position' }).first()
    const now = Date.now()
    await trx('zg_forms').insert({
      key: def.key,
      pack_key: '',
      position: last?.p == null ? 0 : Number(last.p) + 1,
      definition: JSON.stringify(def),
      base_definition: null,
      overlay: null,
      retired_fields: '[]',
      created_at: now,
      updated_at: now,
    })
    await FormRegistry.bumpVersion(trx)
  })
  await ctx.registry.load()
  return ctx.registry.require(def.key)
}

/**
 * Retires a merchant's own form: hidden from everyone, its table and data kept. With `purge` (and
 * the form's key typed again as confirmation) its tables and data are dropped for good.
 */
export async function retireOwnForm(ctx: AppContext, key: string, options: { purge?: boolean; confirm?: string } = {}): Promise<{ purged: boolean }> {
  await ctx.registry.refreshIfChanged()
  const { db } = ctx
  const row = await db.knex('zg_forms').where({ key }).first('key', 'pack_key', 'definition', 'retired_at')
  if (!row) throw notFound(`no form "${key}"`).because('unknown_form', { form: key })
  if (row.pack_key) {
    throw conflict(`"${key}" belongs to pack "${row.pack_key}"; only your own forms can be deleted (hide its fields instead)`, { pack: row.pack_key }).because('form_of_pack', {
      form: key,
      pack: row.pack_key,
    })
  }
  const linking = ctx.registry
    .list()
    .filter((f) => f.key !== key)
    .flatMap((f) => [f, ...f.fields.flatMap((x) => (x.lines ? [x.lines] : []))])
    .flatMap((t) => t.fields.filter((x) => x.value.target === key || x.value.target?.startsWith(`${key}.`)).map((x) => `${t.path}.${x.key}`))
  if (linking.length) {
    throw conflict(`other forms link to "${key}" (${linking.join(', ')}); remove those fields first`, { links: linking }).because('form_linked', { form: key, links: linking.join(', ') })
  }
  if (options.purge && options.confirm !== key) throw badRequest(`to delete "${key}" and all its records for good, confirm with its key`).because('purge_needs_confirm', { form: key })
  await db.knex.transaction(async (trx) => {
    await db.dialect.lockForWrite(trx)
    if (options.purge) {
      const table = `f_${key}`
      for (const child of await db.dialect.tablesWithPrefix(trx, `${table}__`)) await trx.raw(`DROP TABLE IF EXISTS ${quoteIdentifier(child)}`)
      await trx.raw(`DROP TABLE IF EXISTS ${quoteIdentifier(table)}`)
      await trx('zg_forms').where({ key }).delete()
      await trx('zg_sequences').where({ form: key }).delete()
    } else {
      await trx('zg_forms').where({ key }).update({ retired_at: Date.now() })
    }
    await FormRegistry.bumpVersion(trx)
  })
  await ctx.registry.load()
  return { purged: Boolean(options.purge) }
}

/** Recomputes stored computed values of forms whose formulas or rollups changed. */
export async function recompute(ctx: AppContext, forms: { key: string; impact: FormImpact | null }[]): Promise<void> {
  for (const { key, impact } of forms) if (impact?.recompute.length) await ctx.records.recomputeAll(key)
}

/** Recompute after a pack install or upgrade. */
export async function recomputeAfterInstall(ctx: AppContext, result: InstallResult): Promise<void> {
  if (result.status !== 'installed' && result.status !== 'upgraded') return
  await recompute(ctx, result.forms.map((f) => ({ key: f.key, impact: f.impact ?? emptyImpact() })))
  await seedPackRecords(ctx, result.pack)
}

/**
 * Creates the pack's seed records (its chart of accounts…) that no record matches yet by their
 * `by` field: a new account of an upgrade arrives, one the merchant renamed stays as it is.
 */
async function seedPackRecords(ctx: AppContext, packKey: string): Promise<void> {
  const row = await ctx.db.knex('zg_packs').where({ key: packKey }).first()
  const seed = row ? (JSON.parse(row.definition).seed_data as Record<string, { by: string; records: Record<string, unknown>[] }> | undefined) : undefined
  for (const [form, { by, records }] of Object.entries(seed ?? {})) {
    const existing = new Set<string>()
    let cursor: string | undefined
    do {
      const page = await ctx.records.list(form, { limit: 500, cursor, sort: 'id', total: false })
      for (const r of page.data) existing.add(String(r[by] ?? ''))
      cursor = page.next_cursor ?? undefined
    } while (cursor)
    const missing = records.filter((r) => !existing.has(String(r[by] ?? '')))
    if (missing.length) await ctx.records.createMany(form, missing)
  }
}
