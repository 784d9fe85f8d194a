import type { FieldDefinition, FieldInfo, FormInfo, ValueKind } from '@/api/types'
import type { FieldContext } from '@/fields/types'

const KINDS: Record<string, ValueKind> = {
  text: 'text',
  textarea: 'text',
  barcode: 'text',
  json: 'text',
  number: 'decimal',
  money: 'decimal',
  date: 'date',
  datetime: 'datetime',
  select: 'text',
  multi_select: 'text_list',
  checkbox: 'boolean',
  link: 'link',
  user: 'user',
  attachment: 'files',
  image: 'files',
  address: 'address',
}

/**
 * Action parameters are field definitions that the server does not resolve for us, so their
 * value kind comes from their type. A `json` parameter is typed as text and parsed on submit.
 */
export function paramContext(def: FieldDefinition, form: FormInfo): FieldContext {
  const kind = def.type === 'link' && def.multiple ? 'link_list' : (KINDS[def.type] ?? 'text')
  const info: FieldInfo = {
    kind,
    scale: def.type === 'money' ? ((def.scale as number | undefined) ?? 2) : def.type === 'number' ? ((def.scale as number | undefined) ?? 0) : undefined,
    money: def.type === 'money',
    target: typeof def.form === 'string' ? def.form : undefined,
    computed: null,
    stored: false,
    filter_operators: [],
  }
  const widgetDef = def.type === 'json' ? { ...def, type: 'textarea' } : def
  return { key: def.key, def: widgetDef, info, form, label: def.label ?? def.key }
}
