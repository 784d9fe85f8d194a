import type { Actor } from '../access/actor'
import type { DashboardDefinition } from '../../schema/dashboards/types'
import { validateDashboard } from '../../schema/dashboards/validate'
import type { AppContext } from '../context'
import { assertDesigner } from '../forms/customize'
import { hasCapability } from '../access/policy'
import { TemplateError } from '../forms/installer'
import { badRequest, conflict, forbidden, notFound } from '../lib/errors'
import { overlayFor, rowOf, type DashboardRow } from './store'

export interface DashboardView {
  key: string
  label: DashboardDefinition['label']
  pack: string | null
  own: boolean
  customized: boolean
  /** the caller may save it */
  editable: boolean
  definition: DashboardDefinition
}

/**
 * Dashboards as users see them: a user sees a dashboard when they may read every form its
 * widgets read (to-dos on forms they may not read are left out), their own dashboards, and the
 * pack's. Designers (admins) change a pack's dashboards (kept as their overlay); anyone creates,
 * changes and deletes their own. The data behind widgets is read through the records service's
 * aggregate endpoint, with the caller's permissions.
 */
export class Dashboards {
  constructor(private readonly ctx: AppContext) {}

  private mayRead(actor: Actor, form: string): boolean {
    const model = this.ctx.registry.get(form.split('.')[0])
    if (!model) return false
    try {
      this.ctx.access.check(actor, 'read', model)
      return true
    } catch {
      return false
    }
  }

  private visible(actor: Actor, row: DashboardRow): DashboardView | null {
    if (row.owner_id !== null && row.owner_id !== actor.userId) return null
    const def = row.definition
    if (!def.widgets.every((w) => this.mayRead(actor, w.dataset.form))) return null
    const todos = def.todos?.filter((t) => !t.form || this.mayRead(actor, t.form))
    const own = row.pack_key === null
    return {
      key: row.key,
      label: def.label,
      pack: row.pack_key,
      own,
      customized: Boolean(row.overlay),
      editable: own ? row.owner_id === actor.userId : hasCapability(this.ctx.access, actor, 'forms.design'),
      definition: { ...def, ...(todos ? { todos } : {}) },
    }
  }

  async list(actor: Actor): Promise<DashboardView[]> {
    await this.ctx.registry.refreshIfChanged()
    const rows = (await this.ctx.db.knex('zg_dashboards').orderBy([{ column: 'position' }, { column: 'created_at' }, { column: 'key' }])).map(rowOf)
    // The pack's dashboards first, in pack order, then the user's own.
    rows.sort((a, b) => Number(a.pack_key === null) - Number(b.pack_key === null))
    return rows.map((r) => this.visible(actor, r)).filter((v): v is DashboardView => v !== null)
  }

  private async row(key: string): Promise<DashboardRow | null> {
    const raw = await this.ctx.db.knex('zg_dashboards').where({ key }).first()
    return raw ? rowOf(raw) : null
  }

  async get(actor: Actor, key: string): Promise<DashboardView> {
    await this.ctx.registry.refreshIfChanged()
    const row = await this.row(key)
    const view = row && this.visible(actor, row)
    if (!view) throw notFound(`no dashboard "${key}"`).because('dashboard_not_found', { key })
    return view
  }

  private check(input: unknown): DashboardDefinition {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw badRequest('the body must be a dashboard definition').because('dashboard_expected')
    const problems = validateDashboard(input, (form) => this.ctx.registry.get(form))
    if (problems.length) throw new TemplateError(problems)
    return input as DashboardDefinition
  }

  /** Saves a whole definition: a pack's dashboard as the merchant's overlay, an own one as it is. */
  async save(actor: Actor, key: string, input: unknown): Promise<DashboardView> {
    await this.ctx.registry.refreshIfChanged()
    const row = await this.row(key)
    if (!row || !this.visible(actor, row)) throw notFound(`no dashboard "${key}"`).because('dashboard_not_found', { key })
    if (row.pack_key === null) {
      if (row.owner_id !== actor.userId) throw forbidden('only who created a dashboard may change it').because('dashboard_not_yours')
    } else assertDesigner(actor, this.ctx.access)
    const def = this.check(input)
    if (def.key !== key) throw new TemplateError([{ path: 'dashboard.key', message: `the key of a saved dashboard cannot change (it is "${key}")` }])
    const overlay = row.base ? overlayFor(row.base, def) : null
    await this.ctx.db.knex('zg_dashboards')
      .where({ key })
      .update({ definition: JSON.stringify(def), overlay: overlay ? JSON.stringify(overlay) : null, updated_at: Date.now() })
    return this.get(actor, key)
  }

  /** A user's own dashboard: any signed-in user may make one for themselves. */
  async create(actor: Actor, input: unknown): Promise<DashboardView> {
    await this.ctx.registry.refreshIfChanged()
    if (actor.userId === null) throw forbidden('dashboards belong to users').because('dashboard_not_yours')
    const def = this.check(input)
    const now = Date.now()
    try {
      await this.ctx.db.knex.transaction(async (trx) => {
        if (await trx('zg_dashboards').where({ key: def.key }).first()) throw conflict(`the dashboard key "${def.key}" is taken`).because('dashboard_key_taken', { key: def.key })
        const position = Number((await trx('zg_dashboards').max({ p: 'position' }).first())?.p ?? 0) + 1
        await trx('zg_dashboards').insert({ key: def.key, pack_key: null, owner_id: actor.userId, base_definition: null, overlay: null, definition: JSON.stringify(def), position, created_at: now, updated_at: now })
      })
    } catch (error) {
      if (this.ctx.db.dialect.uniqueViolation(error)) throw conflict(`the dashboard key "${def.key}" is taken`).because('dashboard_key_taken', { key: def.key })
      throw error
    }
    return this.get(actor, def.key)
  }

  async remove(actor: Actor, key: string): Promise<void> {
    const row = await this.row(key)
    if (!row || (row.owner_id !== null && row.owner_id !== actor.userId && actor.role !== 'admin')) throw notFound(`no dashboard "${key}"`).because('dashboard_not_found', { key })
    if (row.pack_key !== null) throw conflict('a dashboard that comes with a pack cannot be deleted').because('dashboard_from_pack')
    if (row.owner_id !== actor.userId && actor.role !== 'admin') throw forbidden('only who created a dashboard may delete it').because('dashboard_not_yours')
    await this.ctx.db.knex('zg_dashboards').where({ key }).delete()
  }
}
