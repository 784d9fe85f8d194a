import { compileFormula, FormulaError, type CompiledFormula, type FormulaScope } from '../formula'
import type { LocalizedText } from '../lib/localized'
import type { PostingDefinition } from '../template/rules'
import { compileActions } from './actions'
import { tableScope } from './table-scope'
import type { FieldModel, FormModel, ModelProblem, TableModel } from './types'

/** Fields every ledger form has, filled by the posting engine: where each line came from. */
export const LEDGER_SOURCE_FIELDS = {
  doc_form: 'text',
  doc_id: 'decimal',
  doc_no: 'text',
  posting: 'text',
  batch: 'text',
  reverses: 'text',
} as const

export interface CompiledConstraint {
  check: CompiledFormula
  /** over ledger lines: the constraint applies to balances that got such a line */
  when?: CompiledFormula
  unless?: CompiledFormula
  /** a capability whose holder goes past the constraint */
  override?: string
  message: LocalizedText
}

export interface CompiledLedger {
  form: FormModel
  balance: FormModel
  key: string[]
  /** balance field ← ledger field */
  add: Record<string, string>
  /** ledger field ← balance field after posting */
  after: Record<string, string>
  constraints: CompiledConstraint[]
  /** ledger field that gets the posting time */
  time?: string
  /** debit and credit fields whose sums must agree per batch (double entry) */
  balanced?: { debit: string; credit: string }
  /** the form whose closed months refuse postings */
  periodLock?: { form: FormModel; month: string; closed: string }
}

export interface CompiledPostingValue {
  field: FieldModel
  /** a plain reference copies a value of any kind (links too): line field or parent.<field> */
  reference?: { from: 'row' | 'parent'; key: string }
  formula?: CompiledFormula
  /** a link written as text: the linked record whose `matchBy` field holds that text (an account by its code) */
  matchBy?: string
}

export interface CompiledPosting {
  name: string
  ledger: CompiledLedger
  on: string
  reverseOn: string[]
  /** the sub-form whose lines each post a ledger line; absent: one line per record */
  lines?: TableModel
  when?: CompiledFormula
  values: CompiledPostingValue[]
}

const REFERENCE = /^(parent\.)?([a-z][a-z0-9_]*)$/

/** Compiles a formula of a template, or records why it cannot be (with the path); `boolean`: a condition. */
export function compileAt(source: string, scope: FormulaScope, at: string, problems: ModelProblem[], boolean = false): CompiledFormula | undefined {
  try {
    const compiled = compileFormula(source, scope)
    if (boolean && !['boolean', 'any', 'null'].includes(compiled.type)) {
      problems.push({ path: at, message: `must be a condition (TRUE or FALSE), not ${compiled.type}` })
      return undefined
    }
    return compiled
  } catch (error) {
    if (!(error instanceof FormulaError)) throw error
    problems.push({ path: at, message: error.message })
    return undefined
  }
}

/** The document's own status column, visible to formulas of document forms. */
export function withDocStatus(form: TableModel): TableModel {
  if (!('document' in form) || !(form as FormModel).document) return form
  const status = { key: 'doc_status', codec: { formulaType: 'text' } } as unknown as FieldModel
  return { ...form, field: (key: string) => (key === 'doc_status' ? status : form.field(key)) }
}

/**
 * Compiles ledgers, postings and actions once every form is compiled: they refer to other forms
 * (the balance form, the ledger) and their formulas read fields of several tables.
 */
export function compileDocumentRules(forms: Map<string, FormModel>, at: (form: string) => string, problems: ModelProblem[]): void {
  const ledgers = new Map<string, CompiledLedger>()
  for (const form of forms.values()) {
    const def = form.def.ledger
    if (!def) continue
    const path = `${at(form.key)}.ledger`
    const balance = forms.get(def.balance.form)
    if (!balance) {
      problems.push({ path: `${path}.balance.form`, message: `unknown form "${def.balance.form}"` })
      continue
    }
    const before = problems.length
    for (const [key, kind] of Object.entries(LEDGER_SOURCE_FIELDS)) {
      const field = form.field(key)
      if (!field || field.value.kind !== kind || field.storage.kind !== 'column') {
        problems.push({ path: `${at(form.key)}.fields`, message: `a ledger needs a ${kind === 'decimal' ? 'number' : 'text'} field "${key}" (where each line came from)` })
      }
    }
    def.balance.key.forEach((key, i) => {
      const mine = form.field(key)
      const theirs = balance.field(key)
      if (!mine || !theirs) problems.push({ path: `${path}.balance.key[${i}]`, message: `"${key}" must be a field of both ${form.key} and ${balance.key}` })
      else if (mine.value.kind !== theirs.value.kind || mine.value.target !== theirs.value.target) {
        problems.push({ path: `${path}.balance.key[${i}]`, message: `"${key}" holds different kinds of values in ${form.key} and ${balance.key}` })
      }
    })
    for (const [balanceKey, ledgerKey] of Object.entries(def.balance.add)) {
      const b = balance.field(balanceKey)
      const l = form.field(ledgerKey)
      if (!b || b.value.kind !== 'decimal' || b.computed) problems.push({ path: `${path}.balance.add.${balanceKey}`, message: `${balance.key} needs a stored number field "${balanceKey}"` })
      if (!l || l.value.kind !== 'decimal') problems.push({ path: `${path}.balance.add.${balanceKey}`, message: `${form.key} has no number field "${ledgerKey}"` })
      if (b && l && (b.value.scale ?? 0) < (l.value.scale ?? 0)) problems.push({ path: `${path}.balance.add.${balanceKey}`, message: `"${balanceKey}" keeps fewer decimals than "${ledgerKey}"` })
    }
    for (const [ledgerKey, balanceKey] of Object.entries(def.balance.after ?? {})) {
      if (!form.field(ledgerKey) || !balance.field(balanceKey)) problems.push({ path: `${path}.balance.after.${ledgerKey}`, message: `needs ${form.key}.${ledgerKey} and ${balance.key}.${balanceKey}` })
    }
    if (!balance.def.system_written) problems.push({ path: `${path}.balance.form`, message: `the balance form "${balance.key}" must be system_written (only postings may change it)` })
    if (!form.def.system_written) problems.push({ path: `${at(form.key)}.system_written`, message: 'a ledger form must be system_written (only postings may write it)' })
    const constraints: CompiledConstraint[] = []
    ;(def.balance.constraints ?? []).forEach((c, i) => {
      const scope = tableScope(balance)
      const check = compileAt(c.check, scope, `${path}.balance.constraints[${i}].check`, problems, true)
      const unless = c.unless ? compileAt(c.unless, scope, `${path}.balance.constraints[${i}].unless`, problems, true) : undefined
      const when = c.when ? compileAt(c.when, tableScope(form), `${path}.balance.constraints[${i}].when`, problems, true) : undefined
      if (check) constraints.push({ check, when, unless, override: c.override, message: c.message })
    })
    const time = def.time
    if (time && form.field(time)?.value.kind !== 'datetime') problems.push({ path: `${path}.time`, message: `${form.key} has no date-time field "${time}"` })
    const balanced = def.balanced
    if (balanced) {
      for (const side of [balanced.debit, balanced.credit]) {
        if (form.field(side)?.value.kind !== 'decimal') problems.push({ path: `${path}.balanced`, message: `${form.key} has no number field "${side}"` })
      }
    }
    let periodLock: CompiledLedger['periodLock']
    if (def.period_lock) {
      const lock = def.period_lock
      const periods = forms.get(lock.form)
      if (!periods) problems.push({ path: `${path}.period_lock.form`, message: `unknown form "${lock.form}"` })
      else if (periods.field(lock.month)?.value.kind !== 'text') problems.push({ path: `${path}.period_lock.month`, message: `${lock.form} has no text field "${lock.month}"` })
      else if (periods.field(lock.closed)?.value.kind !== 'boolean') problems.push({ path: `${path}.period_lock.closed`, message: `${lock.form} has no checkbox "${lock.closed}"` })
      else periodLock = { form: periods, month: lock.month, closed: lock.closed }
    }
    if (problems.length === before) {
      ledgers.set(form.key, { form, balance, key: def.balance.key, add: def.balance.add, after: def.balance.after ?? {}, constraints, time, balanced, periodLock })
    }
  }

  for (const form of forms.values()) {
    form.ledger = ledgers.get(form.key)
    form.postings = []
    ;(form.def.postings ?? []).forEach((posting, i) => {
      const compiled = compilePosting(form, posting, `${at(form.key)}.postings[${i}]`, ledgers, form.postings, problems)
      if (compiled) form.postings.push(compiled)
    })
    form.actions = compileActions(form, forms, at(form.key), problems)
    form.editable = form.def.editable_when ? compileAt(form.def.editable_when, tableScope(withDocStatus(form)), `${at(form.key)}.editable_when`, problems, true) : undefined
  }
}

function compilePosting(
  form: FormModel,
  def: PostingDefinition,
  path: string,
  ledgers: Map<string, CompiledLedger>,
  earlier: CompiledPosting[],
  problems: ModelProblem[],
): CompiledPosting | undefined {
  const ledger = ledgers.get(def.ledger)
  if (!ledger) {
    problems.push({ path: `${path}.ledger`, message: `"${def.ledger}" is not a ledger form` })
    return undefined
  }
  if (earlier.some((p) => p.name === def.name)) problems.push({ path: `${path}.name`, message: `duplicate posting name "${def.name}"` })
  const lines = def.for_each ? form.field(def.for_each)?.lines : undefined
  if (def.for_each && !lines) {
    problems.push({ path: `${path}.for_each`, message: `"${def.for_each}" is not a sub-form of ${form.key}` })
    return undefined
  }
  const on = def.on ?? 'submit'
  const reverseOn = def.reverse_on ?? (on === 'submit' ? ['void'] : [])
  if ((on === 'submit' || reverseOn.includes('void')) && !form.document) {
    problems.push({ path: `${path}.on`, message: `only documents can post on submit/void; add "document": true` })
  }
  const row = withDocStatus(lines ?? form)
  const members: Record<string, TableModel> = { balance: ledger.balance }
  if (lines) members.parent = withDocStatus(form)
  for (const p of earlier) members[p.name] = p.ledger.form
  const scope = tableScope(row, members)
  const values: CompiledPostingValue[] = []
  for (const [key, source] of Object.entries(def.values)) {
    const field = ledger.form.field(key)
    const at = `${path}.values.${key}`
    if (!field || field.computed) {
      problems.push({ path: at, message: `${ledger.form.key} has no writable field "${key}"` })
      continue
    }
    if (key in LEDGER_SOURCE_FIELDS || key === ledger.time) {
      problems.push({ path: at, message: `"${key}" is filled by the posting itself` })
      continue
    }
    const reference = REFERENCE.exec(source.trim())
    if (reference) {
      const from = reference[1] ? 'parent' : 'row'
      const table = from === 'parent' ? form : row
      const sourceField = table.field(reference[2])
      if (sourceField && (sourceField.value.kind === field.value.kind || sourceField.codec.formulaType === null)) {
        if (sourceField.value.kind !== field.value.kind || sourceField.value.target !== field.value.target) {
          problems.push({ path: at, message: `"${source}" holds ${sourceField.value.kind} values but ${key} takes ${field.value.kind}` })
          continue
        }
        values.push({ field, reference: { from, key: reference[2] } })
        continue
      }
    }
    const formula = compileAt(source, scope, at, problems)
    if (!formula) continue
    const matchBy = field.value.kind === 'link' ? (field.def.display_field as string | undefined) : undefined
    if (matchBy && formula.type === 'text') {
      // An account named by its code: "\"1405\"" or IF(…, "5401", "5711").
      values.push({ field, formula, matchBy })
      continue
    }
    const expected = field.codec.formulaType
    if (expected && !['any', 'null', expected].includes(formula.type)) {
      problems.push({ path: at, message: `gives ${formula.type}, but ${key} takes ${expected}` })
      continue
    }
    values.push({ field, formula })
  }
  for (const key of ledger.key) {
    const value = values.find((v) => v.field.key === key)
    if (!value) problems.push({ path: `${path}.values`, message: `needs a value for the balance key "${key}"` })
    // Balances are found and locked before any line is evaluated, so a key cannot wait for them.
    const late = value?.formula?.dependencies.find((d) => d.startsWith('balance.') || earlier.some((p) => d.startsWith(`${p.name}.`)))
    if (late) problems.push({ path: `${path}.values.${key}`, message: `the balance key "${key}" cannot read "${late}": balances and earlier postings are not known yet when it is needed` })
  }
  for (const ledgerKey of Object.values(ledger.add)) {
    if (!values.some((v) => v.field.key === ledgerKey)) problems.push({ path: `${path}.values`, message: `needs a value for "${ledgerKey}" (it adds up into the balance)` })
  }
  const when = def.when ? compileAt(def.when, scope, `${path}.when`, problems, true) : undefined
  // Balance keys first: the balance must be known before formulas read balance.x.
  values.sort((a, b) => Number(!ledger.key.includes(a.field.key)) - Number(!ledger.key.includes(b.field.key)))
  return { name: def.name, ledger, on, reverseOn, lines, when, values }
}
