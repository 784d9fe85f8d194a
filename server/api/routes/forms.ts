import { Router } from 'express'
import type { FormModel } from '../../../schema/model/types'
import type { AppContext } from '../../context'

/** What the client needs to render a form: its definition plus what compiling it resolved. */
export function describeForm(ctx: AppContext, form: FormModel) {
  const describeTable = (table: FormModel | NonNullable<FormModel['fields'][number]['lines']>): Record<string, unknown> =>
    Object.fromEntries(
      table.fields.map((f) => [
        f.key,
        {
          kind: f.value.kind,
          scale: f.value.scale,
          money: f.value.money,
          target: f.value.target,
          computed: f.computed ?? null,
          stored: f.storage.kind !== 'none',
          filter_operators: f.codec.filterOperators,
          ...(f.lines ? { lines: describeTable(f.lines) } : {}),
        },
      ]),
    )
  return {
    key: form.key,
    label: form.def.label,
    group: form.def.group ?? null,
    icon: form.def.icon ?? null,
    document: form.document,
    pack: ctx.registry.packOf(form.key) ?? null,
    title_field: form.titleField,
    actions: form.actions.map(({ condition: _condition, approvalCondition: _approvalCondition, ...action }) => action),
    definition: form.def,
    fields: describeTable(form),
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
  return router
}
