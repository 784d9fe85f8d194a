import { checkRules } from '../../schema/model/rules'
import { conflict, ValidationError } from '../lib/errors'
import { toWorking } from './canonical'
import type { ActionRegistry } from './service'

/**
 * The document lifecycle: draft → submitted → void. Submitting runs the form's submit rules;
 * what a document posts when submitted or voided is added by document rules (beforeCommit hooks).
 */
export function registerDocumentActions(actions: ActionRegistry, clock: () => number = Date.now): void {
  actions.register('submit', async ({ service, form, record, trx }) => {
    if (record.doc_status !== 'draft') throw conflict(`${form.key} record ${record.id} is ${record.doc_status}; only drafts can be submitted`)
    const problems = checkRules(form, toWorking(form, record), 'submit', clock())
    if (problems.length) throw new ValidationError(problems)
    await service.setDocumentStatus(trx, form, record, 'submitted')
    return { status: 'submitted' }
  })
  actions.register('void', async ({ service, form, record, trx }) => {
    if (record.doc_status !== 'submitted') throw conflict(`${form.key} record ${record.id} is ${record.doc_status}; only submitted documents can be voided`)
    await service.setDocumentStatus(trx, form, record, 'void')
    return { status: 'void' }
  })
}
