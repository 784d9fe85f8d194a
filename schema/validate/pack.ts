import { fieldType } from '../fields/registry'
import type { FieldDefinition } from '../fields/types'
import { compileForms, type FormSource } from '../model/compile'
import type { FormModel, ModelProblem } from '../model/types'
import type { FormDefinition } from '../template/form'
import { FormSchema } from '../template/form'
import { PackSchema, type PackDefinition } from '../template/pack'
import { checkSchema } from './ajv'
import { validateDashboard } from '../dashboards/validate'
import { validateRole } from './roles'

export interface ValidationResult {
  ok: boolean
  problems: ModelProblem[]
  /** compiled forms of the pack (with the installed forms they refer to), when valid */
  forms?: Map<string, FormModel>
}

/** Checks each field against its own type's schema; unknown types are named with their place. */
function checkFields(fields: unknown, at: string, problems: ModelProblem[]) {
  if (!Array.isArray(fields)) return
  fields.forEach((field: FieldDefinition, i) => {
    const path = `${at}.fields[${i}]`
    if (typeof field !== 'object' || field === null || typeof field.type !== 'string') return
    const type = fieldType(field.type)
    if (!type) {
      problems.push({ path: `${path}.type`, message: `unknown type "${field.type}"` })
      return
    }
    problems.push(...checkSchema(type.schema, field, path))
    if (field.type === 'sub_form') checkFields(field.fields, path, problems)
  })
}

/**
 * Validates a template pack: its shape (JSON Schema), every field against its type, then
 * everything that refers to something else (fields, forms, functions, cycles). `installed` are
 * forms already installed from other packs, which this pack's links may point at.
 */
export function validatePack(pack: unknown, installed: FormDefinition[] = []): ValidationResult {
  const problems: ModelProblem[] = checkSchema(PackSchema, pack)
  const forms = (pack as { forms?: unknown })?.forms
  if (Array.isArray(forms)) forms.forEach((form, i) => checkFields(form?.fields, `forms[${i}]`, problems))
  if (problems.length) return { ok: false, problems }

  const definition = pack as PackDefinition
  const keys = new Set<string>()
  definition.forms.forEach((form, i) => {
    if (keys.has(form.key)) problems.push({ path: `forms[${i}].key`, message: `duplicate form key "${form.key}"` })
    keys.add(form.key)
  })
  if (problems.length) return { ok: false, problems }
  const result = compileWithInstalled(
    definition.forms.map((def, i) => ({ def, at: `forms[${i}]` })),
    installed.filter((f) => !keys.has(f.key)),
  )
  if (!result.ok || !result.forms) return result
  // Dashboards are checked against the forms as they will be: this pack's and the installed ones.
  const lookup = (key: string) => result.forms!.get(key)
  const boards = new Set<string>()
  definition.dashboards?.forEach((board, i) => {
    if (boards.has(board.key)) problems.push({ path: `dashboards[${i}].key`, message: `duplicate dashboard key "${board.key}"` })
    boards.add(board.key)
    problems.push(...validateDashboard(board, lookup, `dashboards[${i}]`))
  })
  const roles = new Set<string>()
  ;((definition.roles ?? []) as unknown[]).forEach((role, i) => {
    const key = (role as { key?: unknown })?.key
    if (typeof key === 'string' && roles.has(key)) problems.push({ path: `roles[${i}].key`, message: `duplicate role key "${key}"` })
    if (typeof key === 'string') roles.add(key)
    problems.push(...validateRole(role, lookup, `roles[${i}]`))
  })
  return problems.length ? { ok: false, problems } : result
}

/** Validates one form (the designer's save), against the other installed forms. */
export function validateForm(form: unknown, installed: FormDefinition[] = []): ValidationResult {
  const problems: ModelProblem[] = checkSchema(FormSchema, form, 'form')
  checkFields((form as { fields?: unknown })?.fields, 'form', problems)
  if (problems.length) return { ok: false, problems }
  const def = form as FormDefinition
  return compileWithInstalled([{ def, at: 'form' }], installed.filter((f) => f.key !== def.key))
}

function compileWithInstalled(sources: FormSource[], installed: FormDefinition[]): ValidationResult {
  const all = [...sources, ...installed.map((def) => ({ def, at: `installed form "${def.key}"` }))]
  const { forms, problems } = compileForms(all)
  // Problems inside already-installed forms are not this pack's fault.
  const own = problems.filter((p) => !p.path.startsWith('installed form'))
  return own.length ? { ok: false, problems: own } : { ok: true, problems: [], forms }
}

export function formatProblems(problems: ModelProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('\n')
}
