/**
 * The function registry: NAME → signature (checked at compile time) and implementation.
 *
 * From @formulajs/formulajs: LEFT, RIGHT, MID, LEN, UPPER, LOWER, TRIM, REPT, FIND. They are plain
 * string operations, so its implementations are exact; we validate the arguments first and turn its
 * #VALUE! Error results into FormulaErrors.
 * Our own: everything numeric (SUM, AVERAGE, ROUND, MOD, POWER…) on decimal.js, because formulajs
 * computes with JS floats (its SUM(0.1, 0.2) is 0.30000000000000004); dates, because formulajs uses
 * the host's timezone and ours is Asia/Shanghai; SUBSTITUTE, because formulajs's misses a match at
 * position 0 when an instance number is given; TEXT, CONCAT, TEXTJOIN, because they need our value types.
 */
import { DATE_FUNCTIONS } from './date'
import { LOGIC_FUNCTIONS } from './logic'
import { MATH_FUNCTIONS } from './math'
import { TEXT_FUNCTIONS } from './text'
import type { FunctionDef } from './types'

export const FUNCTIONS: ReadonlyMap<string, FunctionDef> = new Map(
  [...MATH_FUNCTIONS, ...LOGIC_FUNCTIONS, ...TEXT_FUNCTIONS, ...DATE_FUNCTIONS].map((def) => [def.name, def]),
)

export interface FormulaFunctionInfo {
  name: string
  category: FunctionDef['category']
  syntax: string
  example?: string
  description: { 'zh-CN': string; en: string }
}

/** For editor autocompletion. */
export const FORMULA_FUNCTIONS: readonly FormulaFunctionInfo[] = [...FUNCTIONS.values()].map(
  ({ name, category, syntax, example, description }) => ({ name, category, syntax, example, description }),
)

export { arity } from './types'
export type { FunctionDef } from './types'
