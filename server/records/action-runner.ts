import { localize } from '../../schema/lib/localized'
import { conditionOn, evaluateOnRecord, type ActionInputs, type CompiledAction, type CompiledStep } from '../../schema/model/actions'
import type { FormModel } from '../../schema/model/types'
import { badRequest, conflict, fieldProblem, ValidationError, type AppError } from '../lib/errors'
import { toWorking } from './canonical'
import type { ActionContext, RegisteredHandler } from './service'
import type { ApiRecord } from './types'

/** What running an action needs besides its context: how to find handlers, and the time. */
export interface ActionRun {
  ctx: ActionContext
  handlerOf(action: CompiledAction): RegisteredHandler | undefined
  now: number
}

interface Outcome {
  record: ApiRecord
  /** fields some set step wrote */
  setKeys: Set<string>
  posted: number
  reversed: number
}

/**
 * Runs the body of an action whose `when` held, inside its transaction: its params are read, its
 * `requires` checked, then its handler runs — or its declared steps (set, post, reverse, run)
 * and the postings the form declares for it. The records service's runOn is the one entry point.
 */
export async function performAction(run: ActionRun, action: CompiledAction): Promise<unknown> {
  const { ctx } = run
  const handler = run.handlerOf(action)
  const inputs = readParams(action, ctx.params, !handler)
  for (const record of ctx.records) checkRequirements(run, action, record, inputs)
  if (handler) return handler.run(ctx)
  const before = ctx.records[0]
  const outcome: Outcome = { record: before, setKeys: new Set(), posted: 0, reversed: 0 }
  await runSteps(run, action, inputs, outcome)
  return resultOf(ctx.form, before, outcome)
}

/**
 * Checks what performAction would check first (params, requires) without running anything: an
 * action held for approval is refused now rather than after the approvers said yes.
 */
export function checkAction(run: ActionRun, action: CompiledAction): void {
  const inputs = readParams(action, run.ctx.params, !run.handlerOf(action))
  for (const record of run.ctx.records) checkRequirements(run, action, record, inputs)
}

/** An action's params as its formulas read them; a declared action refuses missing or bad ones. */
function readParams(action: CompiledAction, raw: Record<string, unknown>, strict: boolean): ActionInputs {
  const params: Record<string, unknown> = {}
  for (const param of action.compiled.params) {
    if (!param.codec || !param.value) continue
    let given = raw[param.key]
    if (typeof given === 'string' && param.value.kind === 'text') given = given.trim()
    const normalized = param.codec.normalize(given, param.value)
    if (!normalized.ok) {
      if (strict) throw new ValidationError([{ field: `params.${param.key}`, ...normalized.error }])
      continue
    }
    if (strict && param.required && param.codec.isEmpty(normalized.value)) {
      throw badRequest(`"${localize(action.label)}" needs params.${param.key}`).because('param_required', { action: action.label, param: param.label ?? param.key })
    }
    params[param.key] = normalized.value
  }
  return { params, paramModels: action.compiled.params }
}

function inputsFor(record: ApiRecord, inputs: ActionInputs): ActionInputs {
  return { ...inputs, docStatus: record.doc_status }
}

function checkRequirements(run: ActionRun, action: CompiledAction, record: ApiRecord, inputs: ActionInputs) {
  const { form } = run.ctx
  for (const requirement of action.compiled.requires) {
    if (conditionOn(form, requirement.check, toWorking(form, record), inputsFor(record, inputs), new Date(run.now))) continue
    const words = localize(requirement.message)
    throw new ValidationError([fieldProblem('(record)', 'action_refused', words, { text: requirement.message })], words)
  }
}

/** The condition of an action another one runs must hold, as when a user runs it. */
export function refuseUnavailable(form: FormModel, action: CompiledAction, record: ApiRecord): AppError {
  return conflict(`"${localize(action.label)}" cannot be done on ${form.key} record ${record.id} now (it needs ${action.when})`).because('action_not_now', {
    action: action.label,
    form: form.def.label,
    id: record.id,
  })
}

async function runSteps(run: ActionRun, action: CompiledAction, inputs: ActionInputs, outcome: Outcome): Promise<void> {
  const { ctx } = run
  const { form } = ctx
  for (const step of action.compiled.steps) {
    const working = toWorking(form, outcome.record)
    const scope = inputsFor(outcome.record, inputs)
    if (step.when && !conditionOn(form, step.when, working, scope, new Date(run.now))) continue
    if (step.set) await setFields(run, step, scope, outcome)
    else if (step.post) outcome.posted += await ctx.postings.postNamed(form, outcome.record, step.post)
    else if (step.reverse) outcome.reversed += await ctx.postings.reverseNamed(form, outcome.record, step.reverse)
    else if (step.run) await runOther(run, step.run, inputs, outcome)
  }
  outcome.reversed += await ctx.postings.reverse(form, outcome.record, action.key)
  outcome.posted += await ctx.postings.post(form, outcome.record, action.key)
}

/** Every value of one set step reads the record as it was before the step. */
async function setFields(run: ActionRun, step: CompiledStep, inputs: ActionInputs, outcome: Outcome) {
  const { ctx } = run
  const working = toWorking(ctx.form, outcome.record)
  const values: Record<string, unknown> = {}
  for (const value of step.set!) {
    values[value.field.key] = value.formula ? evaluateOnRecord(ctx.form, value.formula, working, inputs, value.field.value, new Date(run.now)) : value.literal
    outcome.setKeys.add(value.field.key)
  }
  outcome.record = await ctx.system.updateFields(ctx.trx, ctx.form, outcome.record, values)
}

/** Runs another action of the form on the record, with the same params, in the same transaction. */
async function runOther(run: ActionRun, key: string, inputs: ActionInputs, outcome: Outcome) {
  const { ctx } = run
  const other = ctx.form.actions.find((a) => a.key === key)!
  if (other.condition && !conditionOn(ctx.form, other.condition, toWorking(ctx.form, outcome.record), inputsFor(outcome.record, {}), new Date(run.now))) {
    throw refuseUnavailable(ctx.form, other, outcome.record)
  }
  const handler = run.handlerOf(other)
  const otherInputs = readParams(other, ctx.params, !handler)
  checkRequirements(run, other, outcome.record, otherInputs)
  if (handler?.collective) throw badRequest(`"${localize(other.label)}" runs on several records at once; a step cannot run it`).because('action_runs_collective', { action: other.label })
  if (handler) {
    await handler.run({ ...ctx, action: other, record: outcome.record, records: [outcome.record] })
    outcome.record = await ctx.system.get(ctx.form.key, outcome.record.id)
  } else await runSteps(run, other, otherInputs, outcome)
}

/**
 * What a declared action answers: the visible fields it set that changed, with their new values,
 * and how many ledger lines it posted and reversed (when any).
 */
function resultOf(form: FormModel, before: ApiRecord, outcome: Outcome): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  for (const key of outcome.setKeys) {
    if (form.field(key)?.def.hidden) continue
    if (JSON.stringify(before[key] ?? null) !== JSON.stringify(outcome.record[key] ?? null)) result[key] = outcome.record[key] ?? null
  }
  if (outcome.posted) result.posted = outcome.posted
  if (outcome.reversed) result.reversed = outcome.reversed
  return result
}
