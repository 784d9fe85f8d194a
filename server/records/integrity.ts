import type { Knex } from 'knex'
import { childTable } from '../../schema/model/names'
import { localize } from '../../schema/lib/localized'
import type { FormRegistry, IncomingLink } from '../forms/registry'
import { conflict } from '../lib/errors'
import type { FormModel } from '../../schema/model/types'

export interface Referrer {
  link: IncomingLink
  /** ids of the records (not lines) that refer */
  recordIds: number[]
}

/** Records in other forms (or their lines) whose links point at `ids` of `path`. */
export async function findReferrers(trx: Knex, registry: FormRegistry, path: string, ids: number[]): Promise<Referrer[]> {
  if (ids.length === 0) return []
  const referrers: Referrer[] = []
  for (const link of registry.linksTo(path)) {
    const { table, field } = link
    let rows: { rid: number }[]
    if (field.storage.kind === 'values') {
      rows = await trx(childTable(table.table, field.key)).whereIn('value', ids).distinct({ rid: 'parent_id' })
    } else if (table.parent) {
      rows = await trx(table.table).whereIn(field.key, ids).distinct({ rid: 'parent_id' })
    } else {
      rows = await trx(table.table).whereIn(field.key, ids).distinct({ rid: 'id' })
    }
    if (rows.length) referrers.push({ link, recordIds: rows.map((r) => Number(r.rid)) })
  }
  return referrers
}

/** Refuses deleting a record (or one of its lines, `line`) that other records still link to. */
export function refuseReferenced(referrers: Referrer[], form: FormModel, id: number, line = false): never {
  const first = referrers[0]
  const formLabel = localize(first.link.form.def.label)
  const sample = `${first.recordIds.slice(0, 5).join(', ')}${first.recordIds.length > 5 ? ', …' : ''}`
  const what = `${line ? 'a line of ' : ''}${form.key} record ${id}`
  throw conflict(`${what} is used by ${formLabel} (record ${sample}) and cannot be deleted`, {
    referenced_by: referrers.map((r) => ({ form: r.link.form.key, field: r.link.field.key, records: r.recordIds.slice(0, 50) })),
  }).because(line ? 'line_in_use' : 'record_in_use', { form: form.def.label, id, by: first.link.form.def.label, records: sample })
}
