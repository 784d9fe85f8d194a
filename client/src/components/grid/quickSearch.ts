import type { Filter, FormInfo } from '@/api/types'
import { searchRecords } from '@/fields/link/search'
import { useFormsStore } from '@/stores/forms'

/** A filter nothing matches (a search whose linked records do not exist). */
const NOTHING: Filter = { field: 'id', op: 'in', value: [0] }

/**
 * What the grid's search box looks in: the title field and the fields the template indexes (an
 * order's number, platform trade ids, buyer nick, waybill number…; a balance's SKU and warehouse).
 * Text is matched with `contains`; a link by the records of its form whose title contains the text.
 */
export function searchFields(form: FormInfo): string[] {
  return identifierFields(form).filter((key) => {
    const field = form.definition.fields.find((f) => f.key === key)
    const info = form.fields[key]
    if (!field || field.hidden || !info) return false
    if (info.kind === 'text') return info.filter_operators.includes('contains')
    return info.kind === 'link' && info.filter_operators.includes('in') && Boolean(linkedForm(form, key))
  })
}

/** The fields that name a record: its title, a ledger's balance key, indexed and unique fields. */
export function identifierFields(form: FormInfo): string[] {
  const def = form.definition
  const keys = [
    form.title_field,
    ...(def.ledger?.balance.key ?? []),
    ...(def.indexes ?? []).flatMap((i) => i.fields),
    ...def.fields.filter((f) => f.index === true || f.unique === true).map((f) => f.key),
  ]
  return [...new Set(keys)]
}

function linkedForm(form: FormInfo, key: string): FormInfo | undefined {
  const target = form.fields[key]?.target
  const linked = target && !target.includes('.') ? useFormsStore().get(target) : undefined
  return linked?.fields[linked.title_field]?.filter_operators.includes('contains') ? linked : undefined
}

export async function quickSearchFilter(form: FormInfo, text: string): Promise<Filter | null> {
  const value = text.trim()
  const fields = searchFields(form)
  if (!value || fields.length === 0) return null
  const conditions: Filter[] = []
  for (const field of fields) {
    if (form.fields[field].kind === 'text') {
      conditions.push({ field, op: 'contains', value })
      continue
    }
    const target = linkedForm(form, field)!
    const ids = (await searchRecords(target, target.title_field, value, 200)).map((r) => r.id)
    if (ids.length) conditions.push({ field, op: 'in', value: ids })
  }
  if (conditions.length === 0) return NOTHING
  return conditions.length === 1 ? conditions[0] : { or: conditions }
}
