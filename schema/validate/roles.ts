import { prepareFilter } from '../filter/prepare'
import type { FormModel, ModelProblem } from '../model/types'
import { FORM_PERMISSIONS, RoleSchema, type RoleDefinition } from '../template/roles'
import { checkSchema } from './ajv'

/**
 * Checks a role (schema/template/roles.ts) against the forms it names: each form exists (or is
 * "*"), each permission is one of FORM_PERMISSIONS, "*" or an action of the form, each hidden or
 * read-only path is a field (`lines.unit_cost` for a sub-form's), each scope a filter on the form.
 */
export function validateRole(role: unknown, lookup: (key: string) => FormModel | undefined, at = 'role'): ModelProblem[] {
  const problems: ModelProblem[] = checkSchema(RoleSchema, role, at)
  if (problems.length) return problems
  const def = role as RoleDefinition
  if (def.key === 'admin' || def.key === 'system') problems.push({ path: `${at}.key`, message: `"${def.key}" is built in` })
  for (const [formKey, grant] of Object.entries(def.forms ?? {})) {
    const path = `${at}.forms.${formKey}`
    if (formKey === '*') {
      for (const [i, p] of grant.allow.entries()) if (p !== '*' && !(FORM_PERMISSIONS as readonly string[]).includes(p)) problems.push({ path: `${path}.allow[${i}]`, message: `unknown permission "${p}"` })
      if (grant.hidden?.length || grant.readonly?.length || grant.scope) problems.push({ path, message: '"*" takes only "allow"' })
      continue
    }
    const form = lookup(formKey)
    if (!form) {
      problems.push({ path, message: `unknown form "${formKey}"` })
      continue
    }
    const actions = new Set(form.actions.map((a) => a.key))
    for (const [i, p] of grant.allow.entries()) {
      if (p !== '*' && !(FORM_PERMISSIONS as readonly string[]).includes(p) && !actions.has(p)) problems.push({ path: `${path}.allow[${i}]`, message: `"${formKey}" has no action "${p}"` })
    }
    for (const list of ['hidden', 'readonly'] as const) {
      for (const [i, fieldPath] of (grant[list] ?? []).entries()) {
        const [key, sub, extra] = fieldPath.split('.')
        const field = form.field(key)
        const ok = field && extra === undefined && (sub === undefined || field.lines?.field(sub) !== undefined)
        if (!ok) problems.push({ path: `${path}.${list}[${i}]`, message: `"${formKey}" has no field "${fieldPath}"` })
      }
    }
    if (grant.scope) {
      const prepared = prepareFilter(grant.scope, form, null, `${path}.scope`)
      problems.push(...prepared.problems)
    }
  }
  return problems
}
