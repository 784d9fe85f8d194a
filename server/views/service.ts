import { randomBytes } from 'node:crypto'
import type { Actor } from '../access/actor'
import type { FormModel } from '../../schema/model/types'
import { checkView } from '../../schema/model/views'
import { View, type FormDefinition, type ViewDefinition } from '../../schema/template/form'
import { checkSchema } from '../../schema/validate/ajv'
import type { AppContext } from '../context'
import { assertDesigner, saveForm } from '../forms/customize'
import { badRequest, conflict, fieldProblem, forbidden, notFound, ValidationError } from '../lib/errors'

export type ViewScope = 'shared' | 'personal'

/** A view as a user sees it in the list: its definition, where it lives and whether they may change it. */
export type ListedView = ViewDefinition & {
  scope: ViewScope
  /** shared views: the pack declares it (the merchant may have changed it) */
  from_pack: boolean
  editable: boolean
}

interface ViewRow {
  id: number
  key: string
  definition: string
  position: number
}

const SCOPES: readonly ViewScope[] = ['shared', 'personal']

/**
 * Saved views of a form. Shared views are the form's `views` (the pack's, with the merchant's
 * changes kept as the form's overlay, so they survive pack upgrades and travel in exported packs);
 * they are saved through the designer's `saveForm` by those who may design the form. Personal views
 * are a user's own (zg_views), seen by nobody else. Both have one shape, checked alike.
 */
export class Views {
  constructor(private readonly ctx: AppContext) {}

  private async form(actor: Actor, key: string): Promise<FormModel> {
    await this.ctx.registry.refreshIfChanged()
    const form = this.ctx.registry.require(key)
    this.ctx.access.check(actor, 'read', form)
    return form
  }

  private mayShare(actor: Actor): boolean {
    try {
      assertDesigner(actor, this.ctx.access)
      return true
    } catch {
      return false
    }
  }

  private personalRows(actor: Actor, form: string) {
    return this.ctx.db.knex('zg_views').where({ form_key: form, owner_id: actor.userId ?? -1 })
  }

  async list(actor: Actor, formKey: string): Promise<ListedView[]> {
    const form = await this.form(actor, formKey)
    const packKeys = new Set((this.ctx.registry.baseOf(formKey)?.views ?? []).map((v) => v.key))
    const shareable = this.mayShare(actor)
    const shared: ListedView[] = (form.def.views ?? []).map((v) => ({ ...v, scope: 'shared', from_pack: packKeys.has(v.key), editable: shareable }))
    const rows: ViewRow[] = await this.personalRows(actor, formKey).orderBy([{ column: 'position' }, { column: 'id' }])
    const personal: ListedView[] = rows.map((r) => ({ ...(JSON.parse(r.definition) as ViewDefinition), scope: 'personal', from_pack: false, editable: true }))
    return [...shared, ...personal]
  }

  /** One view the actor may use (shared or their own personal view), or null. */
  async definition(actor: Actor, formKey: string, key: string): Promise<ViewDefinition | null> {
    const found = (await this.list(actor, formKey)).find((v) => v.key === key)
    if (!found) return null
    const { scope: _scope, from_pack: _fromPack, editable: _editable, ...view } = found
    return view
  }

  async create(actor: Actor, formKey: string, body: unknown): Promise<ListedView> {
    const form = await this.form(actor, formKey)
    const { scope, view } = this.input(body, 'personal')
    if (!view.key) view.key = `v_${randomBytes(4).toString('hex')}`
    this.check(form, view)
    const taken = (form.def.views ?? []).some((v) => v.key === view.key) || (await this.personalRows(actor, formKey).where({ key: view.key }).first())
    if (taken) throw conflict(`the view key "${view.key}" is taken`).because('view_key_taken', { key: view.key })
    if (scope === 'shared') {
      this.assertSharer(actor)
      await this.saveShared(formKey, (views) => [...views, view])
    } else {
      const last = await this.personalRows(actor, formKey).max({ p: 'position' }).first()
      const now = Date.now()
      await this.ctx.db.knex('zg_views').insert({
        form_key: formKey,
        owner_id: actor.userId,
        key: view.key,
        definition: JSON.stringify(view),
        position: last?.p == null ? 0 : Number(last.p) + 1,
        created_at: now,
        updated_at: now,
      })
    }
    return this.find(actor, formKey, view.key, scope)
  }

  /** Replaces a view's definition (its key stays); `scope` says which when the caller has both. */
  async update(actor: Actor, formKey: string, key: string, body: unknown): Promise<ListedView> {
    const form = await this.form(actor, formKey)
    const scope = await this.scopeOf(actor, form, key, (body as { scope?: unknown } | null)?.scope)
    const { view } = this.input(body, scope)
    if (view.key !== undefined && view.key !== key) throw new ValidationError([fieldProblem('key', 'view_invalid', 'the key of a saved view cannot change', { path: 'key', detail: key })])
    view.key = key
    this.check(form, view)
    if (scope === 'shared') {
      this.assertSharer(actor)
      await this.saveShared(formKey, (views) => views.map((v) => (v.key === key ? view : v)))
    } else {
      await this.personalRows(actor, formKey).where({ key }).update({ definition: JSON.stringify(view), updated_at: Date.now() })
    }
    return this.find(actor, formKey, key, scope)
  }

  async remove(actor: Actor, formKey: string, key: string, scopeParam: unknown): Promise<void> {
    const form = await this.form(actor, formKey)
    const scope = await this.scopeOf(actor, form, key, scopeParam)
    if (scope === 'shared') {
      this.assertSharer(actor)
      await this.saveShared(formKey, (views) => views.filter((v) => v.key !== key))
    } else {
      await this.personalRows(actor, formKey).where({ key }).delete()
    }
  }

  /** New order of the caller's personal views (`personal`) and, for designers, of the shared ones (`shared`). */
  async reorder(actor: Actor, formKey: string, body: unknown): Promise<ListedView[]> {
    await this.form(actor, formKey)
    const order = body as { personal?: unknown; shared?: unknown } | null
    const keys = (value: unknown) => (value === undefined ? undefined : Array.isArray(value) && value.every((k) => typeof k === 'string') ? (value as string[]) : null)
    const personal = keys(order?.personal)
    const shared = keys(order?.shared)
    if (personal === null || shared === null || (!personal && !shared)) throw badRequest('send {"personal": [keys]} and/or {"shared": [keys]}').because('view_order_expected')
    if (shared) {
      this.assertSharer(actor)
      const rank = (k: string) => (shared.includes(k) ? shared.indexOf(k) : shared.length)
      await this.saveShared(formKey, (views) => [...views].sort((a, b) => rank(a.key) - rank(b.key)))
    }
    if (personal) {
      await this.ctx.db.knex.transaction(async (trx) => {
        for (const [position, key] of personal.entries()) {
          await trx('zg_views').where({ form_key: formKey, owner_id: actor.userId ?? -1, key }).update({ position })
        }
      })
    }
    return this.list(actor, formKey)
  }

  private assertSharer(actor: Actor) {
    if (!this.mayShare(actor)) throw forbidden('only users who may design this form can save shared views').because('view_shared_not_allowed')
  }

  /** Which of the caller's views `key` names: the asked scope, else their personal one, else the shared one. */
  private async scopeOf(actor: Actor, form: FormModel, key: string, asked: unknown): Promise<ViewScope> {
    if (asked !== undefined && !SCOPES.includes(asked as ViewScope)) throw badRequest(`unknown scope "${String(asked)}"`).because('view_bad_scope', { scope: String(asked) })
    const personal = Boolean(await this.personalRows(actor, form.key).where({ key }).first('id'))
    const shared = (form.def.views ?? []).some((v) => v.key === key)
    const scope = (asked as ViewScope | undefined) ?? (personal ? 'personal' : 'shared')
    if ((scope === 'personal' && !personal) || (scope === 'shared' && !shared)) throw notFound(`no view "${key}"`).because('view_not_found', { key })
    return scope
  }

  private async find(actor: Actor, formKey: string, key: string, scope: ViewScope): Promise<ListedView> {
    const found = (await this.list(actor, formKey)).find((v) => v.key === key && v.scope === scope)
    if (!found) throw notFound(`no view "${key}"`).because('view_not_found', { key })
    return found
  }

  /** The body's view (without the API's own properties) after a check of its shape. */
  private input(body: unknown, fallback: ViewScope): { scope: ViewScope; view: ViewDefinition } {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('send a view definition (a JSON object)').because('view_expected')
    const { scope = fallback, from_pack: _p, editable: _e, ...view } = body as Record<string, unknown>
    if (!SCOPES.includes(scope as ViewScope)) throw badRequest(`unknown scope "${String(scope)}"`).because('view_bad_scope', { scope: String(scope) })
    const problems = checkSchema(View, { key: 'x', ...view })
    if (problems.length) {
      throw new ValidationError(problems.map((p) => fieldProblem(p.path, 'view_invalid', p.message, { path: p.path, detail: p.message })))
    }
    return { scope: scope as ViewScope, view: view as unknown as ViewDefinition }
  }

  /** What the view names must exist in the form: 422 with one coded problem per path. */
  private check(form: FormModel, view: ViewDefinition) {
    const problems = checkView(form, view, 'view', (path) => this.ctx.registry.table(path))
    if (!problems.length) return
    throw new ValidationError(
      problems.map((p) => {
        const path = p.path.replace(/^view\./, '')
        return p.code ? fieldProblem(path, p.code, p.message, p.params) : fieldProblem(path, 'view_invalid', p.message, { path, detail: p.message })
      }),
    )
  }

  /** Shared views are the form's own: saved as the merchant's overlay, like any designer change. */
  private async saveShared(formKey: string, change: (views: ViewDefinition[]) => ViewDefinition[]) {
    const def = JSON.parse(JSON.stringify(this.ctx.registry.require(formKey).def)) as FormDefinition
    const views = change(def.views ?? [])
    if (views.length) def.views = views
    else delete def.views
    await saveForm(this.ctx, formKey, def)
  }
}
