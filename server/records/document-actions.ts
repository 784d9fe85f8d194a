import { checkRules } from '../../schema/model/rules'
import { conflict, ValidationError } from '../lib/errors'
import { toWorking } from './canonical'
import type { ActionRegistry } from './service'

/**
 * The document lifecycle: draft → submitted → void. Submitting checks the form's submit rules and
 * posts what the template's postings declare; voiding posts their exact negation. A submitted
 * document is never edited: it is voided and issued again.
 */
export function registerDocumentActions(actions: ActionRegistry, clock: () => number = Date.now): void {
  actions.register('document.submit', async ({ service, postings, form, record, trx }) => {
    if (record.doc_status !== 'draft') throw conflict(`${form.key} record ${record.id} is ${record.doc_status}; only drafts can be submitted`).because('not_a_draft', { form: form.def.label, id: record.id, status: String(record.doc_status) })
    const problems = checkRules(form, toWorking(form, record), 'submit', clock())
    if (problems.length) throw new ValidationError(problems)
    const submitted = await service.setDocumentStatus(trx, form, record, 'submitted')
    await postings.reverse(form, submitted, 'submit')
    const posted = await postings.post(form, submitted, 'submit')
    return { status: 'submitted', posted }
  })
  actions.register('document.void', async ({ service, postings, form, record, trx }) => {
    if (record.doc_status !== 'submitted') throw conflict(`${form.key} record ${record.id} is ${record.doc_status}; only submitted documents can be voided`).because('not_submitted', { form: form.def.label, id: record.id, status: String(record.doc_status) })
    const voided = await service.setDocumentStatus(trx, form, record, 'void')
    const reversed = await postings.reverse(form, voided, 'void')
    await postings.post(form, voided, 'void')
    return { status: 'void', reversed }
  })
}
