import { Router } from 'express'
import { describeFields } from '../../../schema/model/describe'
import type { FormModel } from '../../../schema/model/types'
import type { AppContext } from '../../context'
import { assertDesigner, createOwnForm, retireOwnForm, saveForm } from '../../forms/customize'

/** What the client needs to render a form: its definition plus what compiling it resolved. */
export function describeForm(ctx: AppContext, form: FormModel) {
  return {
    key: form.key,
    label: form.def.label,
    group: form.def.group ?? null,
    icon: form.def.icon ?? null,
    document: form.document,
    pack: ctx.registry.packOf(form.key) ?? null,
    origin: {
      pack: ctx.registry.packOf(form.key) ?? null,
      customized: Boolean(ctx.registry.overlayOf(form.key)),
      own: !ctx.registry.packOf(form.key),
    },
    retired_fields: ctx.registry
      .retiredFields(form.key)
      .map((r) => ({ table: r.table, key: r.def.key, type: r.def.type, label: r.def.label, backup_of: r.def.backup_of ?? null })),
    title_field: form.titleField,
    actions: form.actions.map(({ condition: _condition, compiled: _compiled, approvalCondition: _approvalCondition, ...action }) => action),
    definition: form.def,
    fields: describeFields(form),
  }
}

export function formRoutes(ctx: AppContext): Router {
  const router = Router()
  router.get('/', async (req, res) => {
    await ctx.registry.refreshIfChanged()
    const forms = ctx.registry.list().filter((form) => {
      try {
        ctx.access.check(req.actor!, 'read', form)
        return true
      } catch {
        return false
      }
    })
    res.json({ data: forms.map((f) => describeForm(ctx, f)) })
  })
  router.get('/:form', async (req, res) => {
    const form = ctx.registry.require(String(req.params.form))
    ctx.access.check(req.actor!, 'read', form)
    res.json({ data: describeForm(ctx, form) })
  })
  /** The designer's save: the whole definition in, the merchant's overlay stored; `?dry_run=true` only reports the impact. */
  router.put('/:form', async (req, res) => {
    assertDesigner(req.actor!, ctx.access, ctx.registry.get(String(req.params.form)))
    const key = String(req.params.form)
    const dryRun = req.query.dry_run === 'true' || req.query.dry_run === '1'
    const { impact } = await saveForm(ctx, key, req.body, { dryRun })
    if (dryRun) res.json({ data: { impact } })
    else res.json({ data: { impact, form: describeForm(ctx, ctx.registry.require(key)) } })
  })
  router.post('/', async (req, res) => {
    assertDesigner(req.actor!, ctx.access)
    const form = await createOwnForm(ctx, req.body)
    res.status(201).json({ data: describeForm(ctx, form) })
  })
  router.delete('/:form', async (req, res) => {
    assertDesigner(req.actor!, ctx.access)
    const purge = req.query.purge === 'true' || req.query.purge === '1'
    const result = await retireOwnForm(ctx, String(req.params.form), { purge, confirm: typeof req.query.confirm === 'string' ? req.query.confirm : undefined })
    res.json({ data: result })
  })
  return router
}
