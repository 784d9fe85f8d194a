import { Type } from '@sinclair/typebox'
import { FilterSchema } from '../../filter/types'
import { Key, fieldSchema } from '../common'
import { resolution } from '../storage'
import type { FieldTypeDefinition, Resolution, ResolvedValue } from '../types'

export const AGGREGATES = ['sum', 'count', 'min', 'max', 'avg'] as const

/**
 * Sum/count/min/max/avg over the rows of one of this form's sub-forms (`"source": "lines"`), or over
 * records of another form that link here (`"source": {"form": "stock_in", "sub_form": "lines",
 * "link": "po_line"}`). Stored, and recomputed whenever one of those rows is written.
 */
export const rollup: FieldTypeDefinition = {
  type: 'rollup',
  label: { 'zh-CN': '汇总', en: 'Rollup' },
  computed: true,
  schema: fieldSchema('rollup', {
    source: Type.Union([
      Key,
      Type.Object({ form: Key, sub_form: Type.Optional(Key), link: Key }, { additionalProperties: false }),
    ]),
    aggregate: Type.Union(AGGREGATES.map((a) => Type.Literal(a))),
    field: Type.Optional(Key),
    filter: Type.Optional(FilterSchema),
    scale: Type.Optional(Type.Integer({ minimum: 0, maximum: 6 })),
  }),
  resolve(field, ctx) {
    const aggregate = field.aggregate as (typeof AGGREGATES)[number]
    const source = field.source as string | { form: string; sub_form?: string; link: string }
    const fail = (at: string, message: string): Resolution => ({
      ...resolution({ kind: 'decimal', scale: 0 }, { computed: 'rollup' }),
      problems: [{ at, message }],
    })

    let rowsPath: string
    if (typeof source === 'string') {
      const sub = ctx.sibling(source)
      if (!sub || sub.type !== 'sub_form') return fail('source', `"${source}" is not a sub-form of this form`)
      rowsPath = `${ctx.formPath}.${source}`
    } else {
      rowsPath = source.sub_form ? `${source.form}.${source.sub_form}` : source.form
      if (!ctx.formExists(rowsPath)) return fail('source', `unknown form "${rowsPath}"`)
      const linkField = ctx.formField(rowsPath, source.link)
      if (!linkField || !['link', 'link_list'].includes(linkField.value.kind)) {
        return fail('source.link', `"${source.link}" is not a link field of "${rowsPath}"`)
      }
      if (linkField.value.target !== ctx.formPath) {
        return fail('source.link', `"${rowsPath}.${source.link}" links to "${linkField.value.target}", not to "${ctx.formPath}"`)
      }
    }

    if (aggregate === 'count') return resolution({ kind: 'decimal', scale: 0 }, { computed: 'rollup' })
    if (!field.field) return fail('field', `"${aggregate}" needs the field to aggregate`)
    const counted = ctx.formField(rowsPath, field.field as string)
    if (!counted) return fail('field', `"${rowsPath}" has no field "${String(field.field)}"`)
    const kind = counted.value.kind
    const numeric = kind === 'decimal'
    if ((aggregate === 'sum' || aggregate === 'avg') && !numeric) return fail('field', `cannot ${aggregate} "${String(field.field)}": it is not a number`)
    if (!numeric && kind !== 'date' && kind !== 'datetime') return fail('field', `cannot take the ${aggregate} of "${String(field.field)}"`)

    const sourceScale = counted.value.scale ?? 0
    const value: ResolvedValue =
      aggregate === 'avg'
        ? { kind: 'decimal', scale: (field.scale as number | undefined) ?? Math.min(sourceScale + 2, 6) }
        : { ...counted.value }
    return resolution(value, { computed: 'rollup' })
  },
}
