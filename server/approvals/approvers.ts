import type { Knex } from 'knex'
import type { ApproverDefinition } from '../../schema/template/approval'
import type { ApiRecord } from '../records/types'

/**
 * Who a step names, as active user ids: usernames, users whose role has one of the names (roles
 * are 'admin' and 'member' until real roles land; then this is the one place to change), and the
 * user a user field of the record holds. For approvers, nobody found means the administrators, so
 * a request never waits for no one (the Taobao ERP pack names a 店长 role that does not exist yet).
 */
export async function resolvePeople(knex: Knex, who: ApproverDefinition | undefined, record: ApiRecord, fallbackToAdmins: boolean): Promise<number[]> {
  const ids = new Set<number>()
  if (who?.users?.length) {
    const names = who.users.map((u) => u.toLowerCase())
    const rows = await knex('zg_users').whereRaw(`lower(username) in (${names.map(() => '?').join(', ')})`, names).andWhere({ disabled: false }).select('id')
    rows.forEach((r) => ids.add(Number(r.id)))
  }
  if (who?.roles?.length) {
    const rows = await knex('zg_users').whereIn('role', who.roles).andWhere({ disabled: false }).select('id')
    rows.forEach((r) => ids.add(Number(r.id)))
  }
  if (who?.user_field) {
    const value = record[who.user_field]
    const id = typeof value === 'number' ? value : value && typeof value === 'object' && 'id' in value ? Number((value as { id: unknown }).id) : null
    if (id) {
      const row = await knex('zg_users').where({ id, disabled: false }).first('id')
      if (row) ids.add(Number(row.id))
    }
  }
  if (ids.size === 0 && fallbackToAdmins) {
    const rows = await knex('zg_users').where({ role: 'admin', disabled: false }).select('id')
    rows.forEach((r) => ids.add(Number(r.id)))
  }
  return [...ids].sort((a, b) => a - b)
}

/** Display names of users, by id (disabled and deleted users keep a readable name). */
export async function userNames(knex: Knex, ids: Iterable<number>): Promise<Map<number, { id: number; display: string; username: string }>> {
  const wanted = [...new Set(ids)]
  const names = new Map<number, { id: number; display: string; username: string }>()
  for (let start = 0; start < wanted.length; start += 500) {
    const rows = await knex('zg_users').whereIn('id', wanted.slice(start, start + 500)).select('id', 'display_name', 'username')
    for (const r of rows) names.set(Number(r.id), { id: Number(r.id), display: String(r.display_name), username: String(r.username) })
  }
  for (const id of wanted) if (!names.has(id)) names.set(id, { id, display: `#${id}`, username: '' })
  return names
}
