import type { LocalizedText } from '../../../../schema/lib/localized'
import type { FormGrant, RoleDefinition } from '../../../../schema/template/roles'

/**
 * Editing a role definition in the role editor: permission toggles per form (with '*' for all of
 * a form's permissions), field limits and row scope. Pure, so the editor only binds to it.
 */

/** The permission is granted on the form (itself or through '*'). */
export function granted(role: RoleDefinition, form: string, permission: string): boolean {
  const allow = role.forms?.[form]?.allow ?? []
  return allow.includes('*') || allow.includes(permission)
}

/** Every permission of the form granted (written '*'). */
export const grantsAll = (role: RoleDefinition, form: string) => role.forms?.[form]?.allow.includes('*') ?? false

function grantFor(role: RoleDefinition, form: string): FormGrant {
  role.forms ??= {}
  return (role.forms[form] ??= { allow: [] })
}

/**
 * Grants or withdraws one permission. Withdrawing one from '*' leaves the form's other
 * permissions (`all`) granted one by one; granting the last one missing writes '*' back.
 */
export function setPermission(role: RoleDefinition, form: string, permission: string, on: boolean, all: string[]): void {
  const grant = grantFor(role, form)
  let allow = grant.allow.includes('*') ? [...all] : [...grant.allow]
  allow = on ? [...new Set([...allow, permission])] : allow.filter((p) => p !== permission)
  grant.allow = all.length > 0 && all.every((p) => allow.includes(p)) ? ['*'] : all.filter((p) => allow.includes(p)).concat(allow.filter((p) => !all.includes(p)))
  tidy(role, form)
}

/** '*' on or off: every permission of the form, or none. */
export function setAll(role: RoleDefinition, form: string, on: boolean): void {
  grantFor(role, form).allow = on ? ['*'] : []
  tidy(role, form)
}

export function setFieldList(role: RoleDefinition, form: string, list: 'hidden' | 'readonly', paths: string[]): void {
  const grant = grantFor(role, form)
  if (paths.length) grant[list] = [...paths]
  else delete grant[list]
  // a hidden field is not also read-only
  if (list === 'hidden' && grant.readonly) {
    grant.readonly = grant.readonly.filter((p) => !paths.includes(p))
    if (!grant.readonly.length) delete grant.readonly
  }
  tidy(role, form)
}

export function setScope(role: RoleDefinition, form: string, scope: FormGrant['scope'] | null): void {
  const grant = grantFor(role, form)
  if (scope) grant.scope = scope
  else delete grant.scope
  tidy(role, form)
}

/**
 * A form's entry that grants nothing and limits nothing goes away, unless "*" covers the form:
 * then the empty entry is what keeps the form out.
 */
function tidy(role: RoleDefinition, form: string): void {
  const grant = role.forms?.[form]
  if (!grant || grant.allow.length || grant.hidden || grant.readonly || grant.scope) return
  if (form !== '*' && role.forms?.['*']?.allow.length) return
  delete role.forms![form]
}

/** The two language inputs of a label, and back. */
export function labelParts(text: LocalizedText | undefined | null): { zh: string; en: string } {
  if (!text) return { zh: '', en: '' }
  if (typeof text === 'string') return { zh: text, en: '' }
  return { zh: text['zh-CN'], en: text.en ?? '' }
}

export function labelOf(parts: { zh: string; en: string }): LocalizedText {
  const zh = parts.zh.trim()
  const en = parts.en.trim()
  return en ? { 'zh-CN': zh, en } : zh
}
