import { Router, type Request } from 'express'
import type { FormModel, TableModel } from '../../../schema/model/types'
import { CAPABILITIES, FORM_PERMISSIONS, type RoleDefinition } from '../../../schema/template/roles'
import type { Actor } from '../../access/actor'
import { RolePolicy } from '../../access/policy'
import type { StoredRole } from '../../access/roles'
import { validateRole } from '../../../schema/validate/roles'
import { logEvent } from '../../audit/events'
import type { AppContext } from '../../context'
import { AppError, badRequest, conflict, notFound } from '../../lib/errors'
import { requireCapability } from '../auth'

/** Roles: list, catalog of what a role can name, create, change, delete, reset to the pack's (docs/permissions.md). */
export function roleRoutes(ctx: AppContext): Router {
  const router = Router()
  router.use(requireCapability(ctx, 'users.manage'))

  router.get('/', async (_req, res) => {
    await ctx.roles.load()
    const counts = new Map<string, number>()
    for (const row of (await ctx.db.knex('zg_user_roles').join('zg_users', 'zg_users.id', 'zg_user_roles.user_id').whereNull('zg_users.deleted_at').groupBy('role_key').select('role_key').count({ n: '*' })) as { role_key: string; n: unknown }[]) {
      counts.set(String(row.role_key), Number(row.n))
    }
    const admins = Number((await ctx.db.knex('zg_users').where({ role: 'admin' }).whereNull('deleted_at').count({ n: '*' }).first())?.n ?? 0)
    res.json({ data: ctx.roles.list().map((r) => describeRole(r, r.key === 'admin' ? Math.max(admins, counts.get('admin') ?? 0) : (counts.get(r.key) ?? 0))) })
  })

  router.get('/catalog', async (_req, res) => {
    await ctx.registry.refreshIfChanged()
    res.json({
      capabilities: [...CAPABILITIES],
      forms: ctx.registry.list().map((form) => ({
        key: form.key,
        label: form.def.label,
        group: form.def.group ?? null,
        pack_key: ctx.registry.packOf(form.key) ?? null,
        system_written: Boolean(form.def.system_written),
        permissions: [
          ...FORM_PERMISSIONS.filter((p) => (p === 'submit' || p === 'void' ? form.document : true)).map((p) => ({ key: p, label: null })),
          ...form.actions.filter((a) => !a.client && !(form.document && (a.key === 'submit' || a.key === 'void'))).map((a) => ({ key: a.key, label: a.label })),
        ],
        fields: fieldList(form),
      })),
    })
  })

  router.post('/', async (req, res) => {
    const def = definitionOf(ctx, req)
    if (def.key === 'admin' || def.key === 'system' || ctx.roles.get(def.key)) throw conflict(`the role key "${def.key}" is taken`).because('role_key_taken', { key: def.key })
    const now = Date.now()
    await ctx.db.knex.transaction(async (trx) => {
      const position = Number((await trx('zg_roles').max({ p: 'position' }).first())?.p ?? 0) + 1
      await trx('zg_roles').insert({ key: def.key, pack_key: null, position, definition: JSON.stringify(def), base_definition: null, customized: false, created_at: now, updated_at: now })
      await logEvent(trx, { subject: '$roles', action: 'role_create', actor: req.actor!, details: { key: def.key, definition: def } })
    })
    await ctx.roles.load()
    res.status(201).json({ data: describeRole(ctx.roles.get(def.key)!, 0) })
  })

  router.put('/:key', async (req, res) => {
    const key = String(req.params.key)
    const existing = editable(ctx, key)
    const def = definitionOf(ctx, req)
    if (def.key !== key) throw badRequest('the key of a role cannot change').because('role_invalid', { path: 'key', detail: `must be "${key}"` })
    await ctx.db.knex.transaction(async (trx) => {
      const customized = existing.base !== null && JSON.stringify(existing.base) !== JSON.stringify(def)
      await trx('zg_roles').where({ key }).update({ definition: JSON.stringify(def), customized, updated_at: Date.now() })
      await logEvent(trx, { subject: '$roles', action: 'role_update', actor: req.actor!, details: { key, before: existing.definition, after: def } })
    })
    await ctx.roles.load()
    res.json({ data: describeRole(ctx.roles.get(key)!, await holders(ctx, key)) })
  })

  router.delete('/:key', async (req, res) => {
    const key = String(req.params.key)
    const existing = editable(ctx, key)
    const count = await holders(ctx, key)
    if (count > 0) throw conflict(`${count} user(s) hold the role "${key}"`).because('role_in_use', { key, count })
    await ctx.db.knex.transaction(async (trx) => {
      await trx('zg_roles').where({ key }).delete()
      await logEvent(trx, { subject: '$roles', action: 'role_delete', actor: req.actor!, details: { key, definition: existing.definition } })
    })
    await ctx.roles.load()
    res.status(204).end()
  })

  router.post('/:key/reset', async (req, res) => {
    const key = String(req.params.key)
    const existing = editable(ctx, key)
    if (!existing.base) throw conflict(`the role "${key}" did not come from a pack`).because('role_not_from_pack', { key })
    await ctx.db.knex.transaction(async (trx) => {
      await trx('zg_roles').where({ key }).update({ definition: JSON.stringify(existing.base), customized: false, updated_at: Date.now() })
      await logEvent(trx, { subject: '$roles', action: 'role_reset', actor: req.actor!, details: { key, before: existing.definition, after: existing.base } })
    })
    await ctx.roles.load()
    res.json({ data: describeRole(ctx.roles.get(key)!, await holders(ctx, key)) })
  })
  return router
}

function describeRole(role: StoredRole, userCount: number) {
  return {
    key: role.key,
    label: role.definition.label,
    description: role.definition.description ?? null,
    pack_key: role.pack_key,
    customized: role.customized,
    builtin: role.builtin,
    definition: role.definition,
    user_count: userCount,
  }
}

function editable(ctx: AppContext, key: string): StoredRole {
  if (key === 'admin' || key === 'system') throw conflict(`the built-in role "${key}" cannot be changed`).because('role_builtin', { key })
  const role = ctx.roles.get(key)
  if (!role) throw notFound(`no role "${key}"`).because('role_not_found', { key })
  return role
}

async function holders(ctx: AppContext, key: string): Promise<number> {
  const row = await ctx.db.knex('zg_user_roles').join('zg_users', 'zg_users.id', 'zg_user_roles.user_id').whereNull('zg_users.deleted_at').where({ role_key: key }).count({ n: '*' }).first()
  return Number(row?.n ?? 0)
}

function definitionOf(ctx: AppContext, req: Request): RoleDefinition {
  const body = req.body as { definition?: unknown } | undefined
  const def = body?.definition
  if (typeof def !== 'object' || def === null || Array.isArray(def)) throw badRequest('send {definition: {...}}').because('role_expected')
  const key = (def as { key?: unknown }).key
  if (key === 'admin' || key === 'system') throw new AppError(409, 'conflict', `"${String(key)}" is built in`).because('role_builtin', { key: String(key) })
  const problems = validateRole(def, (key) => ctx.registry.get(key), '')
  if (problems.length) {
    const first = problems[0]
    throw new AppError(422, 'validation_failed', `invalid role: ${first.path} ${first.message}`, problems).because('role_invalid', { path: first.path.replace(/^\./, '') || 'definition', detail: first.message })
  }
  return def as RoleDefinition
}

/** Field paths a role can hide or make read-only: the form's fields and `sub.field` for sub-form fields. */
function fieldList(form: FormModel) {
  const out: { path: string; label: unknown; type: string }[] = []
  const visit = (table: TableModel, prefix: string) => {
    for (const field of table.fields) {
      out.push({ path: prefix + field.key, label: field.def.label, type: String(field.def.type) })
      if (field.lines) visit(field.lines, `${prefix}${field.key}.`)
    }
  }
  visit(form, '')
  return out
}

/** `permissions` of GET /api/auth/me: what the actor may do, per form (for the client to hide the rest). */
export function permissionsOf(ctx: AppContext, actor: Actor) {
  const policy = ctx.access instanceof RolePolicy ? ctx.access : null
  const all = policy ? policy.isAll(actor) : actor.role === 'admin' || actor.role === 'system'
  const forms: Record<string, { allow: string[]; hidden: string[]; readonly: string[] }> = {}
  for (const form of ctx.registry.list()) {
    const allow = policy ? policy.permissions(actor, form) : all ? ['*'] : ['view']
    if (!allow.length) continue
    forms[form.key] = {
      allow,
      hidden: [...ctx.access.hiddenFields(actor, form)],
      readonly: [...(ctx.access.readonlyFields?.(actor, form) ?? [])].filter((k) => !ctx.access.hiddenFields(actor, form).has(k)),
    }
  }
  return {
    all,
    capabilities: CAPABILITIES.filter((c) => (policy ? policy.can(actor, c) : all)),
    forms,
  }
}

export function rolesOf(ctx: AppContext, actor: Actor) {
  return (actor.roles ?? (actor.role === 'admin' ? ['admin'] : [])).map((key) => ({ key, label: ctx.roles.definition(key)?.label ?? key }))
}
