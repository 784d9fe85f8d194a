import { compileFormula, FormulaError, type CompiledFormula, type FormulaScope } from '../formula'
import type { ApprovalDefinition, ApproverDefinition } from '../template/approval'
import type { FormModel, ModelProblem } from './types'

/**
 * Checks an action's approval against its form: `when` is a condition over the record (type-checked
 * like any formula), each `user_field` is a user field of the form, every step names somebody.
 * Returns the compiled `when` (undefined: approval always needed, or the formula was refused).
 */
export function compileApproval(form: FormModel, approval: ApprovalDefinition, scope: FormulaScope, path: string, problems: ModelProblem[]): CompiledFormula | undefined {
  approval.steps.forEach((step, i) => {
    const at = `${path}.steps[${i}]`
    checkApprovers(form, step.approvers, `${at}.approvers`, problems, true)
    if (step.cc) checkApprovers(form, step.cc, `${at}.cc`, problems, false)
  })
  if (!approval.when) return undefined
  try {
    const compiled = compileFormula(approval.when, scope)
    if (!['boolean', 'any', 'null'].includes(compiled.type)) {
      problems.push({ path: `${path}.when`, message: `must be a condition (TRUE or FALSE), not ${compiled.type}` })
      return undefined
    }
    return compiled
  } catch (error) {
    if (!(error instanceof FormulaError)) throw error
    problems.push({ path: `${path}.when`, message: error.message })
    return undefined
  }
}

function checkApprovers(form: FormModel, approvers: ApproverDefinition, path: string, problems: ModelProblem[], required: boolean) {
  if (required && !approvers.users?.length && !approvers.roles?.length && !approvers.user_field) {
    problems.push({ path, message: 'name at least one approver: users, roles or user_field' })
  }
  if (approvers.user_field) {
    const field = form.field(approvers.user_field)
    if (!field || field.value.kind !== 'user') problems.push({ path: `${path}.user_field`, message: `${form.key} has no user field "${approvers.user_field}"` })
  }
}
