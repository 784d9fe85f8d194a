import type { Filter } from '../../schema/filter/types'
import type { FormModel, TableModel } from '../../schema/model/types'
import { FORM_PERMISSIONS, type Capability, type FormGrant, type RoleDefinition } from '../../schema/template/roles'
import { forbidden } from '../lib/errors'
import type { FormRegistry } from '../forms/registry'
import type { Actor } from './actor'
import type { RoleStore } from './roles'

/** What is done to a form's records: read, write, or one of its actions (`action:submit`, `action:ship`). */
export type Operation = 'read' | 'create' | 'update' | 'delete' | 'export' | 'import' | 'print' | 'design' | `action:${string}`

/**
 * The one access-check hook every read and write of form data passes (docs/permissions.md). The
 * optional members are answered as "nothing more" by policies that do not implement them (tests
 * plug in small policies of their own).
 */
export interface AccessPolicy {
  /** throws 403 when `actor` may not do `operation` on `form` (before any record is loaded) */
  check(actor: Actor, operation: Operation, form: FormModel): void
  /** a filter ANDed to every read (row-level permission), or null for all rows */
  readScope(actor: Actor, form: FormModel): Filter | null
  /**
   * fields the actor may not see; they are left out of what is read. Keys of the form's own
   * fields, and `lines.unit_cost` for a sub-form's field
   */
  hiddenFields(actor: Actor, form: FormModel): ReadonlySet<string>
  /** the rows `operation` may touch (update, delete, actions), or null for all rows */
  scope?(actor: Actor, operation: Operation, form: FormModel): Filter | null
  /** fields the actor may not set (read-only to them, and every hidden field) */
  readonlyFields?(actor: Actor, form: FormModel): ReadonlySet<string>
  /** whether the actor has a capability that is not about one form */
  can?(actor: Actor, capability: Capability): boolean
  /** like check, as a boolean */
  allows?(actor: Actor, operation: Operation, form: FormModel): boolean
}

const NOTHING: ReadonlySet<string> = new Set()

/** The permission of a role that allows an operation. */
export function permissionOf(operation: Operation): string {
  switch (operation) {
    case 'read':
      return 'view'
    case 'update':
      return 'edit'
    default:
      return operation.startsWith('action:') ? operation.slice(7) : operation
  }
}

export function operationOf(permission: string): Operation {
  if (permission === 'view') return 'read'
  if (permission === 'edit') return 'update'
  if (['create', 'delete', 'export', 'import', 'print', 'design'].includes(permission)) return permission as Operation
  return `action:${permission}`
}

export function permissionDenied(form: FormModel, permission: string) {
  return forbidden(`you may not ${permission} "${form.key}"`).because('permission_denied', { form: form.def.label, permission })
}

/** Whether `actor` may do everything (the system, a holder of a role with `all`). */
export function isAll(actor: Actor, roles?: RoleStore): boolean {
  if (actor.role === 'system') return true
  if (actor.roles === undefined || !roles) return actor.role === 'admin'
  return actor.roles.some((key) => roles.definition(key)?.all === true)
}

/** Capability check through any policy (one without `can`: administrators and the system only). */
export function hasCapability(policy: AccessPolicy, actor: Actor, capability: Capability): boolean {
  if (policy.can) return policy.can(actor, capability)
  return actor.role === 'admin' || actor.role === 'system'
}

export function mayDo(policy: AccessPolicy, actor: Actor, operation: Operation, form: FormModel): boolean {
  if (policy.allows) return policy.allows(actor, operation, form)
  try {
    policy.check(actor, operation, form)
    return true
  } catch {
    return false
  }
}

/** Writes to system-written forms (ledgers, balances) need the permission named, not `*`. */
const WRITES = new Set(['create', 'edit', 'delete', 'import'])
/** `*` is every permission on the form's records; changing the form itself (`design`) is named. */
const NAMED_ONLY = 'design'

/** The sub-form's hidden fields out of a form's hidden set (`lines.unit_cost` → `unit_cost`). */
export function linesHidden(hidden: ReadonlySet<string>, subKey: string): ReadonlySet<string> {
  if (hidden.size === 0) return NOTHING
  const prefix = `${subKey}.`
  const out = new Set<string>()
  for (const key of hidden) if (key.startsWith(prefix)) out.add(key.slice(prefix.length))
  return out.size ? out : NOTHING
}

/**
 * Roles from the role store: per form the union of what the actor's roles allow; a field hidden
 * (or read-only) only when every role that may view (or change) the form hides it; the rows an
 * operation may touch the OR of the scopes of the roles allowing it.
 */
export class RolePolicy implements AccessPolicy {
  private hiddenCache = new Map<string, Map<string, ReadonlySet<string>>>()
  private cacheStamp = ''

  constructor(
    readonly roles: RoleStore,
    private readonly registry: FormRegistry,
  ) {}

  isAll(actor: Actor): boolean {
    return isAll(actor, this.roles)
  }

  private definitions(actor: Actor): RoleDefinition[] {
    if (actor.roles === undefined) return []
    return actor.roles.map((key) => this.roles.definition(key)).filter((d): d is RoleDefinition => d !== undefined)
  }

  /** The grants of the actor's roles for a form: its own entry, or "*" for a form from a pack. */
  private grants(actor: Actor, form: FormModel): FormGrant[] {
    const fromPack = this.registry.packOf(form.key) !== undefined
    const out: FormGrant[] = []
    for (const def of this.definitions(actor)) {
      const grant = def.forms?.[form.key] ?? (fromPack ? def.forms?.['*'] : undefined)
      if (grant) out.push(grant)
    }
    return out
  }

  private grantAllows(grant: FormGrant, permission: string, form: FormModel): boolean {
    if (grant.allow.includes(permission)) return true
    if (!grant.allow.includes('*') || permission === NAMED_ONLY) return false
    return !(form.def.system_written && WRITES.has(permission))
  }

  allows(actor: Actor, operation: Operation, form: FormModel): boolean {
    if (this.isAll(actor)) return true
    const permission = permissionOf(operation)
    return this.grants(actor, form).some((g) => this.grantAllows(g, permission, form))
  }

  check(actor: Actor, operation: Operation, form: FormModel): void {
    if (!this.allows(actor, operation, form)) throw permissionDenied(form, permissionOf(operation))
  }

  /** The permissions the actor has on a form: FORM_PERMISSIONS and the form's action keys. */
  permissions(actor: Actor, form: FormModel): string[] {
    const all = [...new Set([...FORM_PERMISSIONS, ...form.actions.filter((a) => !a.client).map((a) => a.key)])]
    return all.filter((p) => this.allows(actor, operationOf(p), form))
  }

  scope(actor: Actor, operation: Operation, form: FormModel): Filter | null {
    if (this.isAll(actor)) return null
    const permission = permissionOf(operation)
    const scopes: Filter[] = []
    for (const grant of this.grants(actor, form)) {
      if (!this.grantAllows(grant, permission, form)) continue
      if (!grant.scope) return null
      scopes.push(grant.scope as Filter)
    }
    if (scopes.length === 0) return null
    return scopes.length === 1 ? scopes[0] : { or: scopes }
  }

  readScope(actor: Actor, form: FormModel): Filter | null {
    return this.scope(actor, 'read', form)
  }

  can(actor: Actor, capability: Capability): boolean {
    if (this.isAll(actor)) return true
    return this.definitions(actor).some((d) => d.capabilities?.includes(capability))
  }

  readonlyFields(actor: Actor, form: FormModel): ReadonlySet<string> {
    if (this.isAll(actor)) return NOTHING
    const editors = this.grants(actor, form).filter((g) => this.grantAllows(g, 'edit', form) || this.grantAllows(g, 'create', form))
    const out = new Set(intersect(editors.map((g) => g.readonly ?? [])))
    for (const key of this.hiddenFields(actor, form)) out.add(key)
    return out
  }

  hiddenFields(actor: Actor, form: FormModel): ReadonlySet<string> {
    if (this.isAll(actor)) return NOTHING
    return this.hiddenMap(actor).get(form.key) ?? NOTHING
  }

  /**
   * Hidden fields of every form for the actor's roles, with what is derived from them: a lookup or
   * copy of a hidden field (through a link), a formula over one, a rollup of one.
   */
  private hiddenMap(actor: Actor): Map<string, ReadonlySet<string>> {
    const stamp = `${this.roles.generation}:${this.registry.version}`
    if (stamp !== this.cacheStamp) {
      this.hiddenCache.clear()
      this.cacheStamp = stamp
    }
    const key = [...(actor.roles ?? [])].sort().join(',')
    let map = this.hiddenCache.get(key)
    if (map) return map
    const forms = this.registry.list()
    const hidden = new Map<string, Set<string>>()
    for (const form of forms) {
      const grants = this.grants(actor, form)
      const viewers = grants.filter((g) => this.grantAllows(g, 'view', form))
      hidden.set(form.key, new Set(intersect((viewers.length ? viewers : grants).map((g) => g.hidden ?? []))))
    }
    const isHidden = (formKey: string, path: string) => {
      const set = hidden.get(formKey)
      if (!set) return false
      if (set.has(path)) return true
      const dot = path.indexOf('.')
      return dot > 0 && set.has(path.slice(0, dot))
    }
    const targetOf = (table: TableModel, linkKey: string): string | undefined => {
      const link = table.field(linkKey)
      const target = link?.def.form
      return typeof target === 'string' ? target : undefined
    }
    for (let changed = true, rounds = 0; changed && rounds < 20; rounds++) {
      changed = false
      for (const form of forms) {
        const set = hidden.get(form.key)!
        const visit = (table: TableModel, prefix: string) => {
          for (const field of table.fields) {
            const path = prefix + field.key
            if (field.lines) visit(field.lines, `${path}.`)
            if (set.has(path)) continue
            const def = field.def as Record<string, unknown>
            let hide = false
            if (field.computed === 'lookup' || field.computed === 'copy') {
              const link = typeof def.link === 'string' ? def.link : undefined
              const target = link ? targetOf(table, link) : undefined
              if (link && set.has(prefix + link)) hide = true
              else if (target && typeof def.field === 'string' && isHidden(target, def.field)) hide = true
            } else if (field.computed === 'formula') {
              hide = field.dependsOn.some((dep) => set.has(prefix + dep))
            } else if (field.computed === 'rollup') {
              const source = def.source
              if (typeof source === 'string') hide = set.has(prefix + source) || (typeof def.field === 'string' && set.has(`${prefix}${source}.${def.field}`))
              else if (source && typeof source === 'object' && typeof def.field === 'string') {
                const other = (source as { form?: unknown }).form
                if (typeof other === 'string') hide = isHidden(other, def.field)
              }
            }
            if (hide) {
              set.add(path)
              changed = true
            }
          }
        }
        visit(form, '')
      }
    }
    map = new Map([...hidden].map(([k, v]) => [k, v.size ? v : NOTHING]))
    this.hiddenCache.set(key, map)
    return map
  }
}

function intersect(lists: readonly (readonly string[])[]): string[] {
  if (lists.length === 0) return []
  return lists[0].filter((item) => lists.every((list) => list.includes(item)))
}

/**
 * The policy when no roles are wired (unit tests of the records service): the system and
 * administrators may do everything, others read everything and write what is not system-written.
 */
export const defaultPolicy: AccessPolicy = {
  check(actor, operation, form) {
    if (actor.role === 'system' || actor.role === 'admin') return
    if (operation === 'read') return
    if (form.def.system_written) {
      throw forbidden(`"${form.key}" is written by the system only`).because('system_written_form', { form: form.def.label })
    }
  },
  readScope: () => null,
  hiddenFields: () => NOTHING,
}
