import { Type } from '@sinclair/typebox'
import { Key, fieldSchema } from '../common'
import { defaultStorage, resolution } from '../storage'
import type { FieldDefinition, FieldTypeDefinition, ResolveContext, Resolution } from '../types'

/** A form key, or `form.sub_form` to link to the lines of a sub-form. */
const FormRef = Type.String({ pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)?$' })

const SCALAR_KINDS = new Set(['text', 'decimal', 'boolean', 'date', 'datetime', 'link', 'user'])

export const link: FieldTypeDefinition = {
  type: 'link',
  label: { 'zh-CN': '关联', en: 'Link' },
  schema: fieldSchema('link', {
    form: FormRef,
    display_field: Type.Optional(Key),
    multiple: Type.Optional(Type.Boolean()),
    on_delete: Type.Optional(
      Type.Union([Type.Literal('restrict'), Type.Literal('set_null'), Type.Literal('cascade')], {
        description: 'what deleting the linked-to record does: refuse (default), clear this link, or delete this record',
      }),
    ),
  }),
  resolve(field, ctx) {
    const target = field.form as string
    const problems = []
    if (!ctx.formExists(target)) problems.push({ at: 'form', message: `unknown form "${target}"` })
    else if (field.display_field && !ctx.formField(target, field.display_field as string)) {
      problems.push({ at: 'display_field', message: `form "${target}" has no field "${String(field.display_field)}"` })
    }
    if (field.multiple && field.on_delete === 'cascade') {
      problems.push({ at: 'on_delete', message: 'cascade is only allowed on single links' })
    }
    return { ...resolution({ kind: field.multiple ? 'link_list' : 'link', target }), problems }
  },
}

export const user: FieldTypeDefinition = {
  type: 'user',
  label: { 'zh-CN': '成员', en: 'User' },
  schema: fieldSchema('user', {}),
  resolve: () => resolution({ kind: 'user' }),
}

/** The linked record's field behind a lookup or copy: `link` names a link field beside this one. */
function linkedField(field: FieldDefinition, ctx: ResolveContext): Resolution | { problem: { at: string; message: string } } {
  const linkKey = field.link as string
  const linkField = ctx.sibling(linkKey)
  if (!linkField || linkField.type !== 'link') return { problem: { at: 'link', message: `"${linkKey}" is not a link field here` } }
  if (linkField.multiple) return { problem: { at: 'link', message: `"${linkKey}" links many records; use a rollup instead` } }
  const target = ctx.formField(linkField.form as string, field.field as string)
  if (!target) return { problem: { at: 'field', message: `form "${String(linkField.form)}" has no field "${String(field.field)}"` } }
  if (!SCALAR_KINDS.has(target.value.kind)) {
    return { problem: { at: 'field', message: `"${String(field.field)}" holds ${target.value.kind} values, which cannot be looked up` } }
  }
  return { value: target.value, storage: defaultStorage(target.value) }
}

const fallback = (problem: { at: string; message: string }): Resolution => ({
  ...resolution({ kind: 'text' }),
  problems: [problem],
})

export const lookup: FieldTypeDefinition = {
  type: 'lookup',
  label: { 'zh-CN': '引用字段', en: 'Lookup' },
  computed: true,
  schema: fieldSchema('lookup', { link: Key, field: Key }),
  resolve(field, ctx) {
    const found = linkedField(field, ctx)
    if ('problem' in found) return fallback(found.problem)
    // Always the linked record's current value: read through a join, nothing stored.
    return { value: found.value, storage: { kind: 'none' }, computed: 'lookup' }
  },
}

export const copy: FieldTypeDefinition = {
  type: 'copy',
  label: { 'zh-CN': '复制字段', en: 'Copied value' },
  schema: fieldSchema('copy', {
    link: Key,
    field: Key,
    editable: Type.Optional(
      Type.Boolean({ description: 'users may change the copied value (default true); false keeps it exactly as copied' }),
    ),
    prorate: Type.Optional(
      Type.Object(
        { by: Key, of: Key },
        {
          additionalProperties: false,
          description: 'copy the share `by` (a quantity here) of `of` (the quantity on the linked record): a refund for 1 of 2 units is half the line',
        },
      ),
    ),
  }),
  resolve(field, ctx) {
    const found = linkedField(field, ctx)
    if ('problem' in found) return fallback(found.problem)
    const prorate = field.prorate as { by: string; of: string } | undefined
    if (prorate) {
      const problems = []
      if (found.value.kind !== 'decimal') problems.push({ at: 'prorate', message: `only an amount or quantity can be prorated, not ${found.value.kind}` })
      const by = ctx.sibling(prorate.by)
      if (!by || (by.type !== 'number' && by.type !== 'money')) problems.push({ at: 'prorate.by', message: `"${prorate.by}" is not a number field here` })
      const linkForm = ctx.sibling(field.link as string)!.form as string
      const of = ctx.formField(linkForm, prorate.of)
      if (!of || of.value.kind !== 'decimal') problems.push({ at: 'prorate.of', message: `form "${linkForm}" has no number field "${prorate.of}"` })
      if (problems.length) return { ...fallback(problems[0]), problems }
    }
    // Stored: a document keeps the price or cost as it was when the line was written.
    return { ...found, computed: 'copy' }
  },
}
