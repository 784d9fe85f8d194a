export { parseFormula } from './parser'
export { compileFormula } from './check'
export { evaluateFormula } from './evaluate'
export { rewriteReferences, formatReference, type ReferenceToken } from './rewrite'
export { findCycle } from './cycle'
export { FormulaError, type FormulaErrorCode } from './errors'
export { FORMULA_FUNCTIONS, type FormulaFunctionInfo } from './functions'
export type {
  FormulaType,
  ResolvedRef,
  FormulaScope,
  FormulaNode,
  CompiledFormula,
  FormulaValue,
  FormulaInput,
  FormulaValues,
  EvaluateOptions,
} from './types'
