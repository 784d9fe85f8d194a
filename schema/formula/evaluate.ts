import type Decimal from 'decimal.js'
import { DAY_MS, LocalDate } from './dates'
import { FormulaError, evalError } from './errors'
import { FUNCTIONS } from './functions'
import { divide, power } from './functions/math'
import type { EvalContext } from './functions/types'
import type { BinaryNode, CompiledFormula, EvaluateOptions, FormulaNode, FormulaValue, FormulaValues } from './types'
import {
  D,
  compareValues,
  fromInput,
  toDate,
  toInstant,
  toNumberOrZero,
  toOutput,
  toText,
  type Scalar,
  type Value,
} from './values'

/**
 * Evaluate a compiled formula. Blank counts as 0 in arithmetic and as "" in &; a blank date in
 * date arithmetic gives blank. Runtime failures (division by zero, DATEDIF with start > end, …)
 * throw FormulaError with code 'eval'.
 */
export function evaluateFormula(compiled: CompiledFormula, values: FormulaValues, options: EvaluateOptions = {}): FormulaValue {
  const ctx: EvalContext = { now: options.now ?? new Date() }
  return toOutput(new Evaluator(values, ctx).scalar(compiled.ast))
}

class Evaluator {
  constructor(
    private readonly values: FormulaValues,
    private readonly ctx: EvalContext,
  ) {}

  scalar(node: FormulaNode): Scalar {
    const value = this.value(node)
    if (Array.isArray(value)) throw evalError('a list can only be used inside an aggregate function')
    return value
  }

  value(node: FormulaNode): Value {
    switch (node.kind) {
      case 'number':
        return new D(node.value)
      case 'string':
        return node.value
      case 'boolean':
        return node.value
      case 'null':
        return null
      case 'ref':
      case 'member':
        return this.reference(node)
      case 'unary': {
        const operand = toNumberOrZero(this.scalar(node.operand))
        return node.op === '-' ? operand.neg() : node.op === '%' ? operand.div(100) : operand
      }
      case 'binary':
        return this.located(node, () => this.binary(node))
      case 'call': {
        const def = FUNCTIONS.get(node.name)
        if (!def) throw new FormulaError('unknown_function', `unknown function "${node.name}"`, node.start, node.end)
        return this.located(node, () =>
          def.lazy
            ? def.evaluate(node.args.map((arg) => () => this.value(arg)), this.ctx)
            : def.evaluate(node.args.map((arg) => this.value(arg)), this.ctx),
        )
      }
    }
  }

  /** Give eval errors the position of the innermost operation that raised them. */
  private located(node: FormulaNode, run: () => Value): Value {
    try {
      return run()
    } catch (error) {
      if (error instanceof FormulaError && error.position === undefined) {
        throw new FormulaError(error.code, error.message, node.start, node.end)
      }
      throw error
    }
  }

  private reference(node: FormulaNode & { kind: 'ref' | 'member' }): Value {
    if (node.key === undefined || node.type === undefined) throw new Error('evaluateFormula needs a compiled formula')
    const [key, type] = [node.key, node.type]
    const raw = this.values[key]
    if (!node.list) return fromInput(raw, type, key)
    if (raw === undefined || raw === null) return []
    return (Array.isArray(raw) ? raw : [raw]).map((item: unknown) => fromInput(item, type, key))
  }

  private binary(node: BinaryNode): Scalar {
    const left = this.scalar(node.left)
    const right = this.scalar(node.right)
    switch (node.op) {
      case '&':
        return toText(left) + toText(right)
      case '=':
        return compareValues(left, right) === 0
      case '<>':
        return compareValues(left, right) !== 0
      case '<':
        return compareValues(left, right) < 0
      case '>':
        return compareValues(left, right) > 0
      case '<=':
        return compareValues(left, right) <= 0
      case '>=':
        return compareValues(left, right) >= 0
    }
    const [lt, rt] = [node.left.type, node.right.type]
    if (lt === 'date' || lt === 'datetime' || rt === 'date' || rt === 'datetime') return dateArithmetic(node, left, right)
    const [a, b] = [toNumberOrZero(left), toNumberOrZero(right)]
    switch (node.op) {
      case '+':
        return a.plus(b)
      case '-':
        return a.minus(b)
      case '*':
        return a.mul(b)
      case '/':
        return divide(a, b)
      case '^':
        return power(a, b)
    }
  }
}

/** date ± days, datetime ± days (fractions allowed), date − date and datetime − datetime (in days). */
function dateArithmetic(node: BinaryNode, left: Scalar, right: Scalar): Scalar {
  const isTemporal = (n: FormulaNode) => n.type === 'date' || n.type === 'datetime'
  if (isTemporal(node.left) && isTemporal(node.right)) {
    if (left === null || right === null) return null
    if (node.left.type === 'date' && node.right.type === 'date') {
      return new D(toDate(left)!.epochDay - toDate(right)!.epochDay)
    }
    return new D(toInstant(left)!.getTime() - toInstant(right)!.getTime()).div(DAY_MS)
  }
  const [dateNode, date, days] = isTemporal(node.left) ? [node.left, left, right] : [node.right, right, left]
  if (date === null) return null
  const offset: Decimal = node.op === '-' ? toNumberOrZero(days).neg() : toNumberOrZero(days)
  if (dateNode.type === 'date') return (toDate(date) as LocalDate).addDays(offset.floor().toNumber())
  return new Date(toInstant(date)!.getTime() + offset.mul(DAY_MS).round().toNumber())
}
