import type { FieldDefinition } from '../../../schema/fields/types'
import type { FormDefinition } from '../../../schema/template/form'

/**
 * What the signed-in user may do (GET /api/auth/me `permissions`), already the union over their
 * roles. The client only hides what the user cannot do; the server decides.
 */
export interface FormAccess {
  /** 'view', 'create', 'edit', 'delete', 'submit', 'void', 'export', 'import', 'print', 'design', action keys, or '*' */
  allow: string[]
  /** field paths left out of everything the user reads ('cost_price', 'lines.unit_cost') */
  hidden: string[]
  /** field paths the user sees but may not change */
  readonly: string[]
}

export interface Permissions {
  all: boolean
  capabilities: string[]
  forms: Record<string, FormAccess>
}

/** A permission of a form: the fixed ones, or one of the form's action keys. */
export type FormPermission = 'view' | 'create' | 'edit' | 'delete' | 'submit' | 'void' | 'export' | 'import' | 'print' | 'design' | (string & {})

export const EVERYTHING: Permissions = { all: true, capabilities: [], forms: {} }
export const NOTHING: Permissions = { all: false, capabilities: [], forms: {} }

/**
 * The grant of one form: its own entry, else "*" (every form from a pack that no role names; a
 * form new from the designer is the administrators' until a role names it).
 */
export function formAccess(permissions: Permissions, form: string, fromPack = true): FormAccess | null {
  return permissions.forms[form] ?? (fromPack ? (permissions.forms['*'] ?? null) : null)
}

export function can(permissions: Permissions, form: string, permission: FormPermission, fromPack = true): boolean {
  if (permissions.all) return true
  const access = formAccess(permissions, form, fromPack)
  if (!access) return false
  return access.allow.includes('*') || access.allow.includes(permission)
}

export function hasCapability(permissions: Permissions, capability: string): boolean {
  return permissions.all || permissions.capabilities.includes(capability)
}

export function hiddenFields(permissions: Permissions, form: string, fromPack = true): Set<string> {
  return permissions.all ? new Set() : new Set(formAccess(permissions, form, fromPack)?.hidden ?? [])
}

export function readonlyFields(permissions: Permissions, form: string, fromPack = true): Set<string> {
  return permissions.all ? new Set() : new Set(formAccess(permissions, form, fromPack)?.readonly ?? [])
}

/**
 * The form as this user works with it: hidden fields marked hidden and without their resolved
 * info (so grids, forms, filters, print and search leave them out, and the form's own formulas
 * still compile), read-only fields read-only, views' columns and sorts without hidden fields,
 * the layout without them, and only the actions the user may run. The original is not changed.
 */
/** What restrictForm reads of a form (a FormInfo of api/types). */
interface FieldInfoLike {
  lines?: Record<string, FieldInfoLike>
}
interface FormLike {
  key: string
  pack: string | null
  actions: { key: string; client?: string }[]
  definition: FormDefinition
  fields: Record<string, FieldInfoLike>
}

export function restrictForm<F extends FormLike>(form: F, permissions: Permissions): F {
  if (permissions.all) return form
  const fromPack = form.pack !== null
  const hidden = hiddenFields(permissions, form.key, fromPack)
  const readonly = readonlyFields(permissions, form.key, fromPack)
  const actions = form.actions.filter((a) => can(permissions, form.key, a.client === 'print' ? 'print' : a.key, fromPack))
  if (!hidden.size && !readonly.size && actions.length === form.actions.length) return form

  const restrictFields = (defs: FieldDefinition[], infos: Record<string, FieldInfoLike> | undefined, prefix: string) => {
    const keptInfo: Record<string, FieldInfoLike> = {}
    const fields = defs.map((def) => {
      const path = `${prefix}${def.key}`
      let next: FieldDefinition = def
      // a hidden field is read-only too: the form never sends the value it does not have (a line's null would overwrite it)
      if (hidden.has(path)) next = { ...def, hidden: true, readonly: true }
      else if (readonly.has(path)) next = { ...def, readonly: true }
      const info = infos?.[def.key]
      if (Array.isArray(def.fields) && info?.lines) {
        const inner = restrictFields(def.fields as FieldDefinition[], info.lines, `${path}.`)
        next = { ...next, fields: inner.fields }
        if (!hidden.has(path)) keptInfo[def.key] = { ...info, lines: inner.infos }
      } else if (info && !hidden.has(path)) keptInfo[def.key] = info
      return next
    })
    return { fields, infos: keptInfo }
  }
  const top = restrictFields(form.definition.fields, form.fields, '')
  const shown = (key: string) => !hidden.has(key.split('.')[0]) && !hidden.has(key)
  const definition = {
    ...form.definition,
    fields: top.fields,
    views: form.definition.views?.map((v) => restrictView(v, hidden)),
    layout: form.definition.layout && {
      ...form.definition.layout,
      sections: form.definition.layout.sections.map((s) => ({ ...s, fields: s.fields.filter(shown) })),
    },
  }
  return { ...form, actions, definition, fields: top.infos }
}

/** A saved view as a user with hidden fields sees it: its columns and sort without them. */
export function restrictView<V extends { columns?: string[]; sort?: string[]; widths?: Record<string, number> }>(view: V, hidden: Set<string>): V {
  if (!hidden.size) return view
  const shown = (key: string) => !hidden.has(key.split('.')[0]) && !hidden.has(key)
  return {
    ...view,
    ...(view.columns ? { columns: view.columns.filter(shown) } : {}),
    ...(view.sort ? { sort: view.sort.filter((s) => shown(s.replace(/^-/, ''))) } : {}),
  }
}
