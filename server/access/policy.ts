import type { Filter } from '../../schema/filter/types'
import type { FormModel } from '../../schema/model/types'
import { forbidden } from '../lib/errors'
import type { Actor } from './actor'

export type Operation = 'read' | 'create' | 'update' | 'delete' | `action:${string}`

/**
 * The one access-check hook every read and write of form data passes. Roles with per-form,
 * per-field and per-row permissions plug in here (a later issue); today: the system and admins
 * may do everything, members everything except the forms a template marks system-written.
 */
export interface AccessPolicy {
  /** throws 403 when `actor` may not do `operation` on `form` */
  check(actor: Actor, operation: Operation, form: FormModel): void
  /** a filter ANDed to every read (row-level permission), or null for all rows */
  readScope(actor: Actor, form: FormModel): Filter | null
  /** fields the actor may not see; they are left out of what is read */
  hiddenFields(actor: Actor, form: FormModel): ReadonlySet<string>
}

const NOTHING_HIDDEN: ReadonlySet<string> = new Set()

export const defaultPolicy: AccessPolicy = {
  check(actor, operation, form) {
    if (actor.role === 'system' || actor.role === 'admin') return
    if (operation === 'read') return
    if (form.def.system_written) {
      throw forbidden(`"${form.key}" is written by the system only`).because('system_written_form', { form: form.def.label })
    }
  },
  readScope: () => null,
  hiddenFields: () => NOTHING_HIDDEN,
}
