import type { ModelProblem } from '@schema/model/types'
import { problemText } from '@/composables/errorText'

/** A template problem in the reader's language when it carries a code (a default's value…); else the checker's words. */
export function problemMessage(problem: ModelProblem): string {
  return problem.code && problem.code !== 'template_problem' ? problemText(problem) : problem.message
}
