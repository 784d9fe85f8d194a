import { FormulaError, type CompiledFormula } from '../formula'
import type { ResolvedValue } from '../fields/types'
import type { LocalizedText } from '../lib/localized'
import type { ActionDefinition, ActionParamDefinition } from '../template/rules'
import { codecFor, type ValueCodec } from '../values'
import { dependencyReader, type WorkingRecord } from './compute'
import { compileApproval } from './approval-rules'
import { compileAt, withDocStatus } from './document-rules'
import { evaluateInto } from './formula-values'
import { tableScope } from './table-scope'
import type { FieldModel, FormModel, ModelProblem, TableModel } from './types'

/**
 * Declared workflow (docs/rules.md, "Actions"): an action's condition, its requirements, the
 * values it sets (literal or formula) and its steps, compiled and checked against the form when
 * the template is installed, and evaluated here by the server and the client alike.
 */

/** An action parameter as formulas read it (params.<key>); json parameters are for handlers only. */
export interface CompiledParam {
  key: string
  required: boolean
  label?: LocalizedText
  /** absent for json (and untyped) parameters: passed to handlers as sent, unreadable by formulas */
  value?: ResolvedValue
  codec?: ValueCodec
}

export interface CompiledSetValue {
  field: FieldModel
  /** a value as in the API (already checked against the field) */
  literal?: unknown
  /** "=<formula>" over the record and params */
  formula?: CompiledFormula
}

export interface CompiledStep {
  when?: CompiledFormula
  set?: CompiledSetValue[]
  post?: string
  reverse?: string
  run?: string
}

export interface CompiledRequirement {
  check: CompiledFormula
  message: LocalizedText
}

/** An action with its formulas compiled. */
export type CompiledAction = ActionDefinition & {
  condition?: CompiledFormula
  compiled: { params: CompiledParam[]; requires: CompiledRequirement[]; steps: CompiledStep[] }
  /** the approval's `when` (./approval-rules.ts) */
  approvalCondition?: CompiledFormula
}

const BUILT_IN_ACTIONS: ActionDefinition[] = [
  { key: 'submit', label: { 'zh-CN': '提交', en: 'Submit' }, confirm: true, style: 'primary', when: 'doc_status = "draft"' },
  { key: 'void', label: { 'zh-CN': '作废', en: 'Void' }, confirm: true, style: 'danger', when: 'doc_status = "submitted"' },
]

/** Parameter types (as the client's action dialog knows them) → the value kind formulas read. */
const PARAM_KINDS: Record<string, ((def: ActionParamDefinition) => ResolvedValue) | null> = {
  text: () => ({ kind: 'text' }),
  textarea: () => ({ kind: 'text' }),
  select: () => ({ kind: 'text' }),
  number: (def) => ({ kind: 'decimal', scale: def.scale ?? 0 }),
  money: (def) => ({ kind: 'decimal', scale: def.scale ?? 2 }),
  date: () => ({ kind: 'date' }),
  datetime: () => ({ kind: 'datetime' }),
  checkbox: () => ({ kind: 'boolean' }),
  barcode: () => ({ kind: 'text' }),
  link: (def) => ({ kind: 'link', target: def.form ?? '' }),
  user: () => ({ kind: 'user' }),
  // passed to handlers as sent; formulas cannot read them
  json: null,
  multi_select: null,
  attachment: null,
  image: null,
  address: null,
}

function compileParams(forms: Map<string, FormModel>, def: ActionDefinition, path: string, problems: ModelProblem[]): CompiledParam[] {
  return (def.params ?? []).map((param, i) => {
    const at = `${path}.params[${i}]`
    const required = param.required === true
    const label = param.label
    if (param.type === undefined) return { key: param.key, required, label }
    const kind = PARAM_KINDS[param.type]
    if (kind === undefined) {
      problems.push({ path: `${at}.type`, message: `unknown parameter type "${param.type}" (${Object.keys(PARAM_KINDS).join(', ')})` })
      return { key: param.key, required, label }
    }
    if (kind === null || (param.type === 'link' && (param as { multiple?: unknown }).multiple === true)) return { key: param.key, required, label }
    if (param.type === 'link' && !forms.has(param.form ?? '')) problems.push({ path: `${at}.form`, message: `unknown form "${param.form ?? ''}"` })
    const value = kind(param)
    return { key: param.key, required, label, value, codec: codecFor(value.kind) }
  })
}

/** The params of an action as a table formulas can read: params.<key>. */
function paramsTable(params: CompiledParam[]): TableModel {
  const fields = params
    .filter((p) => p.codec)
    .map((p) => ({ key: p.key, def: { key: p.key, type: 'param', label: p.key }, codec: p.codec!, value: p.value!, dependsOn: [] }) as unknown as FieldModel)
  return { path: 'params', table: '', fields, field: (key) => fields.find((f) => f.key === key), computeOrder: [] }
}

function compileSet(
  form: FormModel,
  values: Record<string, unknown>,
  scope: ReturnType<typeof tableScope>,
  path: string,
  problems: ModelProblem[],
): CompiledSetValue[] {
  const compiled: CompiledSetValue[] = []
  for (const [key, value] of Object.entries(values)) {
    const at = `${path}.${key}`
    const field = form.field(key)
    if (!field || field.computed || field.lines) {
      problems.push({ path: at, message: `${form.key} has no writable field "${key}"` })
      continue
    }
    if (typeof value === 'string' && value.startsWith('=')) {
      const formula = compileAt(value.slice(1), scope, at, problems)
      if (!formula) continue
      const expected = field.codec.formulaType
      if (!expected) problems.push({ path: at, message: `${key} holds ${field.value.kind} values; set it with a value, not a formula` })
      else if (!['any', 'null', expected].includes(formula.type)) problems.push({ path: at, message: `gives ${formula.type}, but ${key} takes ${expected}` })
      else compiled.push({ field, formula })
      continue
    }
    const normalized = field.codec.normalize(value, field.value)
    const problem = normalized.ok ? field.type.check?.(normalized.value, field.def) : normalized.error
    if (problem) problems.push({ path: at, ...problem })
    else compiled.push({ field, literal: value })
  }
  return compiled
}

/**
 * Compiles a form's actions (documents get submit and void built in): conditions and formulas are
 * type-checked against the record and the action's params; steps must name this form's postings
 * and actions, and actions may not run each other in a circle.
 */
export function compileActions(form: FormModel, forms: Map<string, FormModel>, at: string, problems: ModelProblem[]): CompiledAction[] {
  const declared = form.def.actions ?? []
  const recordScope = tableScope(withDocStatus(form))
  const none = { params: [], requires: [], steps: [] }
  const actions: CompiledAction[] = form.document
    ? BUILT_IN_ACTIONS.map((builtIn) => {
        const merged = { ...builtIn, ...declared.find((a) => a.key === builtIn.key) }
        return { ...merged, condition: compileAt(merged.when!, recordScope, `${at}.actions`, problems, true), compiled: none }
      })
    : []
  const keys = new Set([...actions.map((a) => a.key), ...declared.map((a) => a.key)])
  const postings = new Set(form.postings.map((p) => p.name))
  declared.forEach((action, i) => {
    const path = `${at}.actions[${i}]`
    const condition = action.when ? compileAt(action.when, recordScope, `${path}.when`, problems, true) : undefined
    const params = compileParams(forms, action, path, problems)
    const scope = tableScope(withDocStatus(form), { params: paramsTable(params) })
    const requires = (action.requires ?? []).flatMap((r, j) => {
      const check = compileAt(r.check, scope, `${path}.requires[${j}].check`, problems, true)
      return check ? [{ check, message: r.message }] : []
    })
    const steps: CompiledStep[] = []
    if (action.set) steps.push({ set: compileSet(form, action.set, scope, `${path}.set`, problems) })
    const builtIn = form.document && (action.key === 'submit' || action.key === 'void')
    if ((action.steps?.length || action.set) && (action.handler || builtIn)) {
      problems.push({ path: `${path}.steps`, message: `"${action.key}" is done by ${builtIn ? 'the document lifecycle' : `the handler "${action.handler}"`}; it cannot also have set or steps` })
    }
    ;(action.steps ?? []).forEach((step, j) => {
      const stepAt = `${path}.steps[${j}]`
      const does = (['set', 'post', 'reverse', 'run'] as const).filter((k) => step[k] !== undefined)
      if (does.length !== 1) {
        problems.push({ path: stepAt, message: `a step does exactly one of set, post, reverse or run${does.length ? ` (this one: ${does.join(', ')})` : ''}` })
        return
      }
      const compiled: CompiledStep = {}
      if (step.when) compiled.when = compileAt(step.when, scope, `${stepAt}.when`, problems, true)
      if (step.set) compiled.set = compileSet(form, step.set, scope, `${stepAt}.set`, problems)
      for (const kind of ['post', 'reverse'] as const) {
        const name = step[kind]
        if (name === undefined) continue
        if (!postings.has(name)) problems.push({ path: `${stepAt}.${kind}`, message: `${form.key} has no posting "${name}"${postings.size ? ` (it has ${[...postings].join(', ')})` : ''}` })
        compiled[kind] = name
      }
      if (step.run !== undefined) {
        if (!keys.has(step.run)) problems.push({ path: `${stepAt}.run`, message: `${form.key} has no action "${step.run}"` })
        else if (declared.find((a) => a.key === step.run)?.client) problems.push({ path: `${stepAt}.run`, message: `"${step.run}" is done by the browser; a step cannot run it` })
        compiled.run = step.run
      }
      steps.push(compiled)
    })
    const entry: CompiledAction = { ...action, condition, compiled: { params, requires, steps } }
    const existing = actions.findIndex((a) => a.key === action.key)
    if (existing >= 0) actions[existing] = { ...actions[existing], compiled: entry.compiled }
    else actions.push(entry)
  })
  refuseCircularRuns(actions, declared, at, problems)
  for (const action of actions) {
    if (!action.approval) continue
    const path = `${at}.actions[${declared.findIndex((a) => a.key === action.key)}].approval`
    if (action.client) problems.push({ path, message: 'an action the browser does by itself cannot need approval' })
    action.approvalCondition = compileApproval(form, action.approval, recordScope, path, problems)
  }
  return actions
}

function refuseCircularRuns(actions: CompiledAction[], declared: ActionDefinition[], at: string, problems: ModelProblem[]) {
  const runs = new Map(actions.map((a) => [a.key, a.compiled.steps.flatMap((s) => (s.run ? [s.run] : []))]))
  const visit = (key: string, trail: string[]): string[] | null => {
    if (trail.includes(key)) return [...trail.slice(trail.indexOf(key)), key]
    for (const next of runs.get(key) ?? []) {
      const cycle = visit(next, [...trail, key])
      if (cycle) return cycle
    }
    return null
  }
  for (const action of actions) {
    const cycle = visit(action.key, [])
    if (cycle && cycle[0] === action.key) {
      const i = declared.findIndex((a) => a.key === action.key)
      problems.push({ path: `${at}.actions[${i}].steps`, message: `actions run each other in a circle: ${cycle.join(' → ')}` })
    }
  }
}

/** What formulas of an action read besides the record: its doc_status and params. */
export interface ActionInputs {
  docStatus?: unknown
  params?: Record<string, unknown>
  paramModels?: CompiledParam[]
}

/** Evaluates a formula over a record (as a working record), its doc_status and the action's params. */
export function evaluateOnRecord(form: FormModel, formula: CompiledFormula, working: WorkingRecord, inputs: ActionInputs, target: ResolvedValue, now: Date): unknown {
  const read = dependencyReader(form, working)
  return evaluateInto(
    formula,
    (dependency) => {
      if (dependency === 'doc_status') return { value: inputs.docStatus, resolved: { kind: 'text' } }
      if (dependency.startsWith('params.')) {
        const key = dependency.slice('params.'.length)
        return { value: inputs.params?.[key], resolved: inputs.paramModels?.find((p) => p.key === key)?.value }
      }
      return read(dependency)
    },
    target,
    now,
  )
}

/** Whether a condition is TRUE for a record; a formula that cannot be computed (÷0) is not TRUE. */
export function conditionOn(form: FormModel, condition: CompiledFormula, working: WorkingRecord, inputs: ActionInputs, now: Date): boolean {
  try {
    return evaluateOnRecord(form, condition, working, inputs, { kind: 'boolean' }, now) === true
  } catch (error) {
    if (error instanceof FormulaError) return false
    throw error
  }
}
