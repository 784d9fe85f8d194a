import type { Knex } from 'knex'
import { RoleSchema, type RoleDefinition } from '../../schema/template/roles'
import { checkSchema } from '../../schema/validate/ajv'

/**
 * The roles in effect (docs/permissions.md): the built-in `admin` plus the rows of zg_roles (roles
 * from packs, kept under the merchant's edits, and the merchant's own). Held in memory so the
 * access policy can answer synchronously; reloaded after every change made here, and when another
 * process changed them (checked at most every few seconds, when a request's actor is resolved).
 */
export const ADMIN_ROLE: RoleDefinition = Object.freeze({
  key: 'admin',
  label: { 'zh-CN': '管理员', en: 'Administrator' },
  description: { 'zh-CN': '全部权限，含以后新增的表单', en: 'Everything, including forms added later' },
  all: true,
}) as RoleDefinition

/**
 * The role of the system actor (the Taobao sync, rules, actions' own writes): everything. It is not
 * stored and no user can hold it; the audit trail names the system actor's source (sync, rule).
 */
export const SYSTEM_ROLE: RoleDefinition = Object.freeze({
  key: 'system',
  label: { 'zh-CN': '系统', en: 'System' },
  all: true,
}) as RoleDefinition

export interface StoredRole {
  key: string
  definition: RoleDefinition
  /** the pack's definition, null for the merchant's own role and for admin */
  base: RoleDefinition | null
  pack_key: string | null
  customized: boolean
  builtin: boolean
  position: number
}

const RECHECK_MS = 3000

export class RoleStore {
  private roles = new Map<string, StoredRole>()
  private loadedAt = 0
  private stamp = ''
  /** bumped on every (re)load: caches derived from roles key on it */
  generation = 0

  private formsVersion: number | null = null

  /**
   * `forms` (the form registry) tells a pack install or upgrade, which may bring roles, apart: the
   * roles are read again at once then, not after the recheck interval.
   */
  constructor(
    private readonly knex: Knex,
    private readonly forms?: { readonly version: number },
  ) {}

  async load(knex: Knex = this.knex): Promise<void> {
    const rows = await knex('zg_roles').select().orderBy(['position', 'key'])
    const roles = new Map<string, StoredRole>()
    roles.set('admin', { key: 'admin', definition: ADMIN_ROLE, base: null, pack_key: null, customized: false, builtin: true, position: -1 })
    for (const row of rows) {
      if (row.key === 'admin') continue
      roles.set(String(row.key), {
        key: String(row.key),
        definition: JSON.parse(row.definition),
        base: row.base_definition ? JSON.parse(row.base_definition) : null,
        pack_key: row.pack_key ?? null,
        customized: Boolean(row.customized),
        builtin: Boolean(row.pack_key),
        position: Number(row.position),
      })
    }
    this.roles = roles
    this.stamp = stampOf(rows)
    this.loadedAt = Date.now()
    this.formsVersion = this.forms?.version ?? null
    this.generation++
  }

  /** Reloads when the stored roles changed (another process, the CLI) since they were last read. */
  async refreshIfStale(): Promise<void> {
    const formsChanged = this.forms !== undefined && this.forms.version !== this.formsVersion
    if (this.loadedAt && !formsChanged && Date.now() - this.loadedAt < RECHECK_MS) return
    const rows = await this.knex('zg_roles').select('key', 'updated_at')
    if (!this.loadedAt || formsChanged || stampOf(rows) !== this.stamp) await this.load()
    else this.loadedAt = Date.now()
  }

  get(key: string): StoredRole | undefined {
    return this.roles.get(key)
  }

  definition(key: string): RoleDefinition | undefined {
    return this.roles.get(key)?.definition
  }

  list(): StoredRole[] {
    return [...this.roles.values()]
  }
}

function stampOf(rows: { key: string; updated_at: unknown }[]): string {
  return rows
    .map((r) => `${r.key}:${Number(r.updated_at)}`)
    .sort()
    .join(',')
}

/** Problems of a role definition against the schema ([] when it is fine). */
export function roleSchemaProblems(definition: unknown): { path: string; message: string }[] {
  return checkSchema(RoleSchema, definition)
}

export interface PackRolesResult {
  created: string[]
  updated: string[]
  /** customized by the merchant: left as they are */
  kept: string[]
}

/**
 * A pack's roles on install or upgrade: new ones are inserted, ones the merchant has not edited
 * are replaced by the pack's, edited ones keep the merchant's definition (their base moves on, so a
 * reset gives the new pack's). Roles the pack no longer carries stay (users may hold them).
 */
export async function installPackRoles(trx: Knex, packKey: string, roles: RoleDefinition[]): Promise<PackRolesResult> {
  const result: PackRolesResult = { created: [], updated: [], kept: [] }
  const now = Date.now()
  for (const [i, role] of roles.entries()) {
    if (role.key === 'admin' || role.key === 'system') continue
    const row = await trx('zg_roles').where({ key: role.key }).first()
    const json = JSON.stringify(role)
    if (!row) {
      await trx('zg_roles').insert({ key: role.key, pack_key: packKey, position: i, definition: json, base_definition: json, customized: false, created_at: now, updated_at: now })
      result.created.push(role.key)
    } else if (row.pack_key !== packKey) {
      // the merchant's own role (or another pack's) of the same key wins
      result.kept.push(role.key)
    } else if (row.customized) {
      if (row.base_definition !== json) await trx('zg_roles').where({ key: role.key }).update({ base_definition: json, position: i, updated_at: now })
      result.kept.push(role.key)
    } else if (row.definition !== json || row.base_definition !== json) {
      await trx('zg_roles').where({ key: role.key }).update({ definition: json, base_definition: json, position: i, updated_at: now })
      result.updated.push(role.key)
    }
  }
  return result
}
