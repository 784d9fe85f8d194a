import type { FormulaNode, FormulaType } from '../types'
import type { Scalar, Value } from '../values'

/** Which static types an argument accepts (blank and `any` are always accepted). */
export interface Accepts {
  types: readonly FormulaType[]
  /** for messages: "a number" */
  noun: string
  /** for messages about lists: "numbers" */
  plural: string
}

const ALL: readonly FormulaType[] = ['number', 'text', 'boolean', 'date', 'datetime']
export const NUMBER: Accepts = { types: ['number'], noun: 'a number', plural: 'numbers' }
export const BOOLEAN: Accepts = { types: ['boolean'], noun: 'boolean', plural: 'booleans' }
export const DATE: Accepts = { types: ['date', 'datetime'], noun: 'a date', plural: 'dates' }
export const ORDERED: Accepts = { types: ['number', 'date', 'datetime'], noun: 'a number or a date', plural: 'numbers or dates' }
/** Text arguments take any value and read it as text, as `&` does. */
export const TEXT: Accepts = { types: ALL, noun: 'text', plural: 'values' }
export const ANY: Accepts = { types: ALL, noun: 'a value', plural: 'values' }

export interface Param {
  accepts: Accepts
  optional?: boolean
  /** repeats: the last parameter only; required once unless also optional */
  rest?: boolean
  /** may be a list (sub-form column): aggregate functions */
  list?: boolean
  /** names the argument in messages: "IF condition must be boolean" */
  label?: string
}

export interface ArgInfo {
  type: FormulaType
  list: boolean
  node: FormulaNode
}

export interface CheckHelpers {
  /** throw a 'type' FormulaError at `node` (default: the call) */
  fail(message: string, node?: FormulaNode): never
  /** the common type of some arguments (blank/any fit anything); a type error names `what` */
  unify(args: ArgInfo[], what: string): FormulaType
}

export interface EvalContext {
  now: Date
}

export type Thunk = () => Value

interface FunctionBase {
  name: string
  category: 'math' | 'aggregate' | 'logic' | 'text' | 'date'
  /** e.g. 'ROUND(number, [digits])' */
  syntax: string
  /** a typical use, with fields referred to by their Chinese labels (shown in the formula editor) */
  example?: string
  description: { 'zh-CN': string; en: string }
  params: Param[]
  /** the result type, or a rule computing it from the arguments (may also reject them) */
  returns: FormulaType | ((args: ArgInfo[], helpers: CheckHelpers) => FormulaType)
  /** reads the clock */
  volatile?: boolean
}

/** Arguments are evaluated first; list arguments arrive as arrays. */
export interface EagerFunction extends FunctionBase {
  lazy?: false
  evaluate(args: Value[], ctx: EvalContext): Scalar
}

/** Arguments are evaluated on demand: IF(b = 0, 0, a / b) never divides by zero. */
export interface LazyFunction extends FunctionBase {
  lazy: true
  evaluate(args: Thunk[], ctx: EvalContext): Scalar
}

export type FunctionDef = EagerFunction | LazyFunction

export function arity(def: FunctionDef): { min: number; max: number } {
  const last = def.params[def.params.length - 1]
  return {
    min: def.params.filter((p) => !p.optional).length,
    max: last?.rest ? Infinity : def.params.length,
  }
}
