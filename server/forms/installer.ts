import type { Knex } from 'knex'
import type { FormModel, ModelProblem } from '../../schema/model/types'
import type { PackDefinition } from '../../schema/template/pack'
import { validatePack } from '../../schema/validate/pack'
import type { Database } from '../db/connect'
import { problem } from '../../schema/messages/problem'
import { AppError, conflict } from '../lib/errors'
import { SchemaBuilder } from './ddl'
import { migrateForm, type RetiredField } from './migrate-form'
import { FormRegistry } from './registry'

export interface InstallResult {
  pack: string
  version: string
  status: 'installed' | 'upgraded' | 'unchanged'
  created: string[]
  updated: string[]
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

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i]
  return 0
}

/**
 * Installs or upgrades a template pack: validates it against itself and the installed forms, then
 * creates or migrates every form's tables and records the definitions, all in one transaction.
 */
export async function installPack(
  db: Database,
  registry: FormRegistry,
  input: unknown,
  options: { allowDowngrade?: boolean; handlers?: string[] } = {},
): Promise<InstallResult> {
  await registry.refreshIfChanged()
  const packKey = (input as { key?: unknown })?.key
  const others = registry.definitions().filter((def) => registry.packOf(def.key) !== packKey)
  const validation = validatePack(input, others)
  if (!validation.ok || !validation.forms) throw new TemplateError(validation.problems)
  const pack = input as PackDefinition
  if (options.handlers) {
    const known = new Set(options.handlers)
    const missing = pack.forms.flatMap((form, i) =>
      (form.actions ?? []).flatMap((action, j) =>
        action.handler && !known.has(action.handler) ? [{ path: `forms[${i}].actions[${j}].handler`, message: `unknown handler "${action.handler}"` }] : [],
      ),
    )
    if (missing.length) throw new TemplateError(missing)
  }

  const result = await db.knex.transaction(async (trx) => {
    await db.dialect.lockForWrite(trx)
    const existing = await trx('zg_packs').where({ key: pack.key }).first()
    if (existing) {
      if (existing.definition === JSON.stringify(pack)) {
        return { pack: pack.key, version: pack.version, status: 'unchanged' as const, created: [], updated: [] }
      }
      if (compareVersions(pack.version, existing.version) < 0 && !options.allowDowngrade) {
        throw conflict(`pack "${pack.key}" ${existing.version} is installed; refusing to go back to ${pack.version}`)
      }
    }
    for (const [i, form] of pack.forms.entries()) {
      const owner = registry.packOf(form.key)
      if (owner && owner !== pack.key) throw new TemplateError([{ path: `forms[${i}].key`, message: `form "${form.key}" belongs to pack "${owner}"` }])
    }

    const builder = new SchemaBuilder(trx, db.dialect)
    const now = Date.now()
    const basePosition = await nextPosition(trx, pack.key)
    const created: string[] = []
    const updated: string[] = []
    for (const [i, def] of pack.forms.entries()) {
      const model = validation.forms!.get(def.key) as FormModel
      const before = registry.get(def.key)
      const row = { definition: JSON.stringify(def), position: basePosition + i, updated_at: now }
      if (!before) {
        await builder.createForm(model)
        await trx('zg_forms').insert({ key: def.key, pack_key: pack.key, retired_fields: '[]', created_at: now, ...row })
        created.push(def.key)
        continue
      }
      const retired: RetiredField[] = registry.retiredFields(def.key)
      const migration = await migrateForm(builder, before, model, retired, `forms[${i}]`)
      if (migration.problems.length) throw new TemplateError(migration.problems)
      await trx('zg_forms').where({ key: def.key }).update({ ...row, retired_fields: JSON.stringify(migration.retired) })
      updated.push(def.key)
    }
    const packRow = { version: pack.version, definition: JSON.stringify(pack), updated_at: now }
    if (existing) await trx('zg_packs').where({ key: pack.key }).update(packRow)
    else await trx('zg_packs').insert({ key: pack.key, installed_at: now, ...packRow })
    await FormRegistry.bumpVersion(trx)
    return { pack: pack.key, version: pack.version, status: existing ? ('upgraded' as const) : ('installed' as const), created, updated }
  })
  await registry.load()
  return result
}

/** Packs keep their forms together in the menu, in install order. */
async function nextPosition(trx: Knex.Transaction, packKey: string): Promise<number> {
  const own = await trx('zg_forms').where({ pack_key: packKey }).min({ p: 'position' }).first()
  if (own?.p != null) return Number(own.p)
  const last = await trx('zg_forms').max({ p: 'position' }).first()
  return last?.p == null ? 0 : Math.ceil((Number(last.p) + 1) / 1000) * 1000
}
