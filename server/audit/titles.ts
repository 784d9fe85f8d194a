import type { Knex } from 'knex'
import type { TableModel } from '../../schema/model/types'
import type { RecordsService } from '../records/service'

/**
 * The titles of the records an entry's values link to, for showing a history to a person:
 * `{target form: {id: title}}`, read as `service`'s actor (a linked record they may not read
 * stays an id), and user fields' display names under `$users`. One query per linked form.
 */
export async function linkedTitles(knex: Knex, service: RecordsService, table: TableModel, changes: unknown[]): Promise<Record<string, Record<number, string>>> {
  const wanted = new Map<string, Set<number>>()
  const users = new Set<number>()
  const want = (t: TableModel, key: string, value: unknown) => {
    const field = t.field(key)
    if (field?.value.kind === 'user' && typeof value === 'number') users.add(value)
    const target = field?.value.target
    if (!target || (field.value.kind !== 'link' && field.value.kind !== 'link_list')) return
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'number') wanted.set(target, (wanted.get(target) ?? new Set()).add(v))
  }
  const image = (t: TableModel, values: unknown) => {
    if (!values || typeof values !== 'object') return
    for (const [key, value] of Object.entries(values)) {
      const lines = t.field(key)?.lines
      if (lines && Array.isArray(value)) for (const line of value) image(lines, line)
      else want(t, key, value)
    }
  }
  const diff = (t: TableModel, d: unknown) => {
    if (!d || typeof d !== 'object') return
    for (const [key, value] of Object.entries(d)) {
      const lines = t.field(key)?.lines
      if (Array.isArray(value)) value.forEach((v) => want(t, key, v))
      else if (lines && value && typeof value === 'object') {
        const c = value as { added?: unknown[]; removed?: unknown[]; changed?: { changes: unknown }[] }
        for (const line of [...(c.added ?? []), ...(c.removed ?? [])]) image(lines, line)
        for (const line of c.changed ?? []) diff(lines, line.changes)
      }
    }
  }
  for (const c of changes) {
    if (!c || typeof c !== 'object') continue
    const { after, before, fields } = c as { after?: unknown; before?: unknown; fields?: unknown }
    if (after !== undefined || before !== undefined) for (const i of [after, before].flat()) image(table, i)
    else diff(table, fields ?? c)
  }
  const titles: Record<string, Record<number, string>> = {}
  if (users.size) titles.$users = Object.fromEntries((await knex('zg_users').whereIn('id', [...users]).select('id', 'display_name', 'username')).map((u) => [Number(u.id), String(u.display_name || u.username)]))
  for (const [form, ids] of wanted) {
    if (!service.hasForm(form)) continue
    const found: Record<number, string> = {}
    const list = [...ids]
    try {
      const model = service.formModel(form)
      for (let i = 0; i < list.length; i += 500) {
        const page = await service.list(form, { filter: { field: 'id', op: 'in', value: list.slice(i, i + 500) }, limit: 500, total: false })
        for (const r of page.data) found[r.id] = String(r[model.titleField] ?? `#${r.id}`)
      }
    } catch {
      continue // a form the reader may not read: its ids stay ids
    }
    titles[form] = found
  }
  return titles
}
