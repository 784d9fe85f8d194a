import type { RouteLocationRaw } from 'vue-router'
import { localize, type Locale } from '@schema/lib/localized'
import type { Filter, FormInfo, RecordData, Reference } from '@/api/types'
export { isCondition } from '@schema/filter/types'

/*
 * Links between grids: any link may open a grid with a filter in the route
 * (`/forms/stock_ledger?filter=<json>`); the grid applies it and shows it as removable chips.
 * Link values travel as `{id, display}` (the server reads the id), so a chip can name the record
 * without asking the server.
 */

export interface RecordLink {
  key: string
  label: string
  to: RouteLocationRaw
}

export function gridLink(form: string, filter?: Filter | null, view?: string): RouteLocationRaw {
  const query: Record<string, string> = {}
  if (filter) query.filter = JSON.stringify(filter)
  if (view) query.view = view
  return { path: `/forms/${form}`, query }
}

export const recordPath = (form: string, id: number) => `/forms/${form}/${id}`

/** The `filter` query parameter, if it is a filter at all (the server checks the rest). */
export function parseRouteFilter(raw: unknown): Filter | null {
  if (typeof raw !== 'string' || !raw) return null
  try {
    const parsed = JSON.parse(raw) as unknown
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Filter) : null
  } catch {
    return null
  }
}

/** A filter as separate chips: the parts of a top-level AND, or the whole filter as one. */
export function filterParts(filter: Filter | null): Filter[] {
  if (!filter) return []
  return 'and' in filter && Array.isArray(filter.and) ? filter.and : [filter]
}

export function joinParts(parts: Filter[]): Filter | null {
  if (parts.length === 0) return null
  return parts.length === 1 ? parts[0] : { and: parts }
}

/** A record as a link value in a filter: `{id, display}`. */
export function referenceTo(form: FormInfo, record: RecordData): Reference {
  const title = record[form.title_field]
  const display = title && typeof title === 'object' && 'display' in title ? (title as Reference).display : title
  return { id: record.id, display: display == null || display === '' ? `#${record.id}` : String(display) }
}

const eq = (field: string, value: unknown): Filter => ({ field, op: 'eq', value }) as Filter

/**
 * Ledgers that keep this balance form (stock_ledger and stock_reservations keep stock_balances):
 * a balance row links to its ledger lines, matched on the balance key (SKU × warehouse).
 */
export function ledgerLinks(form: FormInfo, all: FormInfo[], record: RecordData, locale: Locale): RecordLink[] {
  return all
    .filter((ledger) => ledger.definition.ledger?.balance.form === form.key)
    .map((ledger) => {
      const parts = ledger.definition.ledger!.balance.key.map((key) => eq(key, record[key] ?? null))
      return { key: ledger.key, label: localize(ledger.label, locale), to: gridLink(ledger.key, joinParts(parts)) }
    })
}

/**
 * Records elsewhere that this record's rollups add up (a SKU's stock balances, an order's
 * after-sales), plus the ledgers of a balance record: what a user wants to drill into.
 */
export function relatedLinks(form: FormInfo, all: FormInfo[], record: RecordData, locale: Locale): RecordLink[] {
  const links: RecordLink[] = []
  const seen = new Set<string>()
  for (const def of form.definition.fields) {
    const source = def.type === 'rollup' && typeof def.source === 'object' && def.source ? (def.source as { form?: string; link?: string; sub_form?: string }) : null
    if (!source?.form || !source.link || source.sub_form) continue
    const target = all.find((f) => f.key === source.form)
    const id = `${source.form}.${source.link}`
    if (!target || seen.has(id)) continue
    seen.add(id)
    links.push({ key: target.key, label: localize(target.label, locale), to: gridLink(target.key, eq(source.link, referenceTo(form, record))) })
  }
  return [...links, ...ledgerLinks(form, all, record, locale)]
}
