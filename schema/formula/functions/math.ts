import type Decimal from 'decimal.js'
import { evalError } from '../errors'
import { D, ZERO, compareValues, isBlank, isNumber, toInteger, toNumber, toNumberOrZero } from '../values'
import type { Scalar, Value } from '../values'
import { ANY, NUMBER, ORDERED, type FunctionDef } from './types'

export function divide(a: Decimal, b: Decimal): Decimal {
  if (b.isZero()) throw evalError('division by zero')
  return a.div(b)
}

export function power(base: Decimal, exponent: Decimal): Decimal {
  if (base.isZero() && exponent.isNegative()) throw evalError('division by zero')
  if (base.isNegative() && !exponent.isInteger()) throw evalError('cannot raise a negative number to a fractional power')
  const result = base.pow(exponent)
  if (!result.isFinite()) throw evalError('number is too large')
  return result
}

/** ROUND / ROUNDUP / ROUNDDOWN, including negative digits (ROUND(1234, -2) = 1200). */
function roundTo(value: Value, digitsArg: Value | undefined, mode: Decimal.Rounding): Decimal {
  const number = toNumberOrZero(value)
  const digits = digitsArg === undefined ? 0 : toInteger(digitsArg, 'digits')
  if (digits >= 0) return number.toDecimalPlaces(digits, mode)
  const factor = new D(10).pow(-digits)
  return number.div(factor).toDecimalPlaces(0, mode).mul(factor)
}

/** Aggregate arguments: list elements that are not numbers are skipped (as Excel skips them in ranges); blanks too. */
function numbersIn(args: Value[]): Decimal[] {
  const numbers: Decimal[] = []
  for (const arg of args) {
    if (Array.isArray(arg)) numbers.push(...arg.filter(isNumber))
    else if (arg !== null) numbers.push(toNumberOrZero(arg))
  }
  return numbers
}

/** MIN/MAX work on numbers and on dates; blanks (and, in lists, text) are skipped. */
function extreme(args: Value[], sign: 1 | -1): Scalar {
  const candidates: Scalar[] = []
  for (const arg of args) {
    if (Array.isArray(arg)) candidates.push(...arg.filter((v) => v !== null && typeof v !== 'string' && typeof v !== 'boolean'))
    else if (arg !== null) candidates.push(typeof arg === 'string' || typeof arg === 'boolean' ? toNumber(arg) : arg)
  }
  let best: Scalar = null
  for (const item of candidates) if (best === null || compareValues(item, best) * sign > 0) best = item
  return best
}

const number1 = [{ accepts: NUMBER }]
const aggregate = [{ accepts: NUMBER, rest: true, list: true }]

export const MATH_FUNCTIONS: FunctionDef[] = [
  {
    name: 'SUM',
    category: 'aggregate',
    syntax: 'SUM(number1, [number2], ...)',
    example: 'SUM(lines.amount)',
    description: { 'zh-CN': '求和，空值忽略', en: 'Adds numbers; blanks are skipped' },
    params: aggregate,
    returns: 'number',
    evaluate: (args) => numbersIn(args).reduce((sum, n) => sum.plus(n), ZERO),
  },
  {
    name: 'AVERAGE',
    category: 'aggregate',
    syntax: 'AVERAGE(number1, [number2], ...)',
    example: 'AVERAGE(lines.price)',
    description: { 'zh-CN': '平均值，空值不计入', en: 'Average of numbers; blanks are not counted' },
    params: aggregate,
    returns: 'number',
    evaluate: (args) => {
      const numbers = numbersIn(args)
      if (numbers.length === 0) throw evalError('AVERAGE of no numbers: division by zero')
      return numbers.reduce((sum, n) => sum.plus(n), ZERO).div(numbers.length)
    },
  },
  {
    name: 'COUNT',
    category: 'aggregate',
    syntax: 'COUNT(value1, [value2], ...)',
    example: 'COUNT(lines.qty)',
    description: { 'zh-CN': '统计数字的个数', en: 'Counts the values that are numbers' },
    params: [{ accepts: ANY, rest: true, list: true }],
    returns: 'number',
    evaluate: (args) => new D(args.flat().filter(isNumber).length),
  },
  {
    name: 'COUNTA',
    category: 'aggregate',
    syntax: 'COUNTA(value1, [value2], ...)',
    example: 'COUNTA(lines.sku)',
    description: { 'zh-CN': '统计非空值的个数', en: 'Counts the values that are not blank' },
    params: [{ accepts: ANY, rest: true, list: true }],
    returns: 'number',
    evaluate: (args) => new D(args.flat().filter((v) => !isBlank(v)).length),
  },
  {
    name: 'MIN',
    category: 'aggregate',
    syntax: 'MIN(value1, [value2], ...)',
    example: 'MIN(lines.price)',
    description: { 'zh-CN': '最小值（数字或日期），全部为空时为空', en: 'Smallest number or date; blank when there is none' },
    params: [{ accepts: ORDERED, rest: true, list: true }],
    returns: (args, h) => h.unify(args, 'MIN arguments'),
    evaluate: (args) => extreme(args, -1),
  },
  {
    name: 'MAX',
    category: 'aggregate',
    syntax: 'MAX(value1, [value2], ...)',
    example: 'MAX({单价}, 1)',
    description: { 'zh-CN': '最大值（数字或日期），全部为空时为空', en: 'Largest number or date; blank when there is none' },
    params: [{ accepts: ORDERED, rest: true, list: true }],
    returns: (args, h) => h.unify(args, 'MAX arguments'),
    evaluate: (args) => extreme(args, 1),
  },
  {
    name: 'ROUND',
    category: 'math',
    syntax: 'ROUND(number, [digits])',
    example: 'ROUND({单价} * 0.95, 2)',
    description: { 'zh-CN': '四舍五入到指定小数位（远离零），ROUND(2.5)=3', en: 'Rounds half away from zero to digits places: ROUND(2.5) = 3' },
    params: [{ accepts: NUMBER }, { accepts: NUMBER, optional: true }],
    returns: 'number',
    evaluate: ([value, digits]) => roundTo(value, digits, D.ROUND_HALF_UP),
  },
  {
    name: 'ROUNDUP',
    category: 'math',
    syntax: 'ROUNDUP(number, [digits])',
    example: 'ROUNDUP({重量}, 0)',
    description: { 'zh-CN': '向远离零的方向舍入', en: 'Rounds away from zero' },
    params: [{ accepts: NUMBER }, { accepts: NUMBER, optional: true }],
    returns: 'number',
    evaluate: ([value, digits]) => roundTo(value, digits, D.ROUND_UP),
  },
  {
    name: 'ROUNDDOWN',
    category: 'math',
    syntax: 'ROUNDDOWN(number, [digits])',
    example: 'ROUNDDOWN({金额}, 0)',
    description: { 'zh-CN': '向零的方向舍去', en: 'Rounds toward zero' },
    params: [{ accepts: NUMBER }, { accepts: NUMBER, optional: true }],
    returns: 'number',
    evaluate: ([value, digits]) => roundTo(value, digits, D.ROUND_DOWN),
  },
  {
    name: 'ABS',
    category: 'math',
    syntax: 'ABS(number)',
    example: 'ABS({差额})',
    description: { 'zh-CN': '绝对值', en: 'Absolute value' },
    params: number1,
    returns: 'number',
    evaluate: ([value]) => toNumberOrZero(value).abs(),
  },
  {
    name: 'INT',
    category: 'math',
    syntax: 'INT(number)',
    example: 'INT({数量} / 12)',
    description: { 'zh-CN': '向下取整，INT(-1.5)=-2', en: 'Rounds down to an integer: INT(-1.5) = -2' },
    params: number1,
    returns: 'number',
    evaluate: ([value]) => toNumberOrZero(value).floor(),
  },
  {
    name: 'MOD',
    category: 'math',
    syntax: 'MOD(number, divisor)',
    example: 'MOD({数量}, 12)',
    description: { 'zh-CN': '求余数，结果与除数同号', en: 'Remainder, with the sign of the divisor' },
    params: [{ accepts: NUMBER }, { accepts: NUMBER }],
    returns: 'number',
    evaluate: ([a, b]) => {
      const divisor = toNumberOrZero(b)
      if (divisor.isZero()) throw evalError('division by zero')
      return toNumberOrZero(a).mod(divisor)
    },
  },
  {
    name: 'POWER',
    category: 'math',
    syntax: 'POWER(number, exponent)',
    example: 'POWER(1.05, 3)',
    description: { 'zh-CN': '乘幂，同 ^ 运算符', en: 'Raises to a power, like the ^ operator' },
    params: [{ accepts: NUMBER }, { accepts: NUMBER }],
    returns: 'number',
    evaluate: ([a, b]) => power(toNumberOrZero(a), toNumberOrZero(b)),
  },
]
