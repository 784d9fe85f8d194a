import type { ValueKind } from '@/api/types'
import { address } from './address'
import { attachment } from './attachment'
import { barcode } from './barcode'
import { checkbox } from './checkbox'
import { autoNumber, formula, lookup, rollup } from './computed'
import { copy, frozenCopy } from './copy'
import { date } from './date'
import { datetime } from './datetime'
import { image } from './image'
import { link } from './link'
import { money } from './money'
import { multiSelect } from './multi_select'
import { number } from './number'
import { select } from './select'
import { subForm } from './sub_form'
import { text } from './text'
import { textarea } from './textarea'
import type { FieldContext, FieldTypeUi, FieldUi } from './types'
import { user } from './user'

/** Every field type's UI, in one place. A new field type adds one folder and one line here. */
const FIELD_TYPES: Record<string, FieldTypeUi> = {
  text,
  textarea,
  barcode,
  number,
  money,
  date,
  datetime,
  select,
  multi_select: multiSelect,
  checkbox,
  link,
  user,
  attachment,
  image,
  address,
  sub_form: subForm,
  lookup,
  copy,
  rollup,
  formula,
  auto_number: autoNumber,
}

/** The type that shows a value kind, for computed fields that do not read a field we know. */
const KIND_TYPES: Record<ValueKind, string> = {
  text: 'text',
  decimal: 'number',
  boolean: 'checkbox',
  date: 'date',
  datetime: 'datetime',
  link: 'link',
  user: 'user',
  text_list: 'multi_select',
  link_list: 'link',
  files: 'attachment',
  address: 'address',
  lines: 'sub_form',
}

function baseUi(ctx: FieldContext): FieldUi {
  const sourceType = ctx.source?.type
  const candidates = [sourceType, ctx.info.kind === 'decimal' && ctx.info.money ? 'money' : undefined, KIND_TYPES[ctx.info.kind]]
  for (const type of candidates) {
    const ui = type ? FIELD_TYPES[type] : undefined
    if (ui && !('derive' in ui)) return ui
  }
  return text
}

/** The UI of a field: its own type's, or for computed types the UI of the value they hold. */
export function fieldUi(ctx: FieldContext): FieldUi {
  const own = ctx.def.type === 'copy' && ctx.def.editable === false ? frozenCopy : (FIELD_TYPES[ctx.def.type] ?? baseUi(ctx))
  return 'derive' in own ? own.derive(baseUi(ctx)) : own
}

/** Whether users type this value (computed fields other than editable copies are read-only). */
export function isEditable(ctx: FieldContext): boolean {
  const computed = ctx.info.computed
  if (ctx.def.readonly) return false
  if (!computed) return true
  return computed === 'copy' && ctx.def.editable !== false
}
