import { FormulaError } from '../formula'
import { localize } from '../lib/localized'
import { problem } from '../messages/problem'
import { dependencyReader, type ComputeProblem, type WorkingRecord } from './compute'
import { evaluateInto } from './formula-values'
import type { FormModel } from './types'

/**
 * Form-level rules: "block if <condition>" with the merchant's message. `on: 'save'` rules run on
 * every write, `on: 'submit'` ones when a document is submitted.
 */
export function checkRules(form: FormModel, record: WorkingRecord, when: 'save' | 'submit', now: number): ComputeProblem[] {
  const problems: ComputeProblem[] = []
  for (const rule of form.rules) {
    if (rule.on !== when && !(when === 'submit' && rule.on === 'save')) continue
    let blocked: unknown
    try {
      blocked = evaluateInto(rule.formula, dependencyReader(form, record), { kind: 'boolean' }, new Date(now))
    } catch (error) {
      if (!(error instanceof FormulaError)) throw error
      blocked = false
    }
    if (blocked === true) problems.push({ field: '(record)', ...problem('rule', localize(rule.message), { text: rule.message }) })
  }
  return problems
}
