import { FormulaError, evalError } from '../errors'
import { isBlank, toBoolean } from '../values'
import type { Scalar, Value } from '../values'
import { ANY, BOOLEAN, type FunctionDef, type Thunk } from './types'

function scalar(value: Value): Scalar {
  if (Array.isArray(value)) throw evalError('unexpected list')
  return value
}

export const LOGIC_FUNCTIONS: FunctionDef[] = [
  {
    name: 'IF',
    category: 'logic',
    syntax: 'IF(condition, value_if_true, [value_if_false])',
    example: 'IF({金额} > 1000, "大单", "普通")',
    description: { 'zh-CN': '条件判断：条件成立取第二个参数，否则取第三个（省略时为空）', en: 'Picks the second argument when the condition is TRUE, else the third (blank if omitted)' },
    params: [{ accepts: BOOLEAN, label: 'condition' }, { accepts: ANY }, { accepts: ANY, optional: true }],
    returns: (args, h) => h.unify(args.slice(1), 'IF branches'),
    lazy: true,
    evaluate: ([condition, then, otherwise]) => scalar(toBoolean(scalar(condition())) ? then() : otherwise ? otherwise() : null),
  },
  {
    name: 'IFS',
    category: 'logic',
    syntax: 'IFS(condition1, value1, [condition2, value2], ...)',
    example: 'IFS({数量} >= 100, "批发", {数量} >= 10, "团购", TRUE, "零售")',
    description: { 'zh-CN': '多条件判断：取第一个成立条件对应的值', en: 'The value paired with the first TRUE condition' },
    params: [{ accepts: ANY, rest: true }],
    returns: (args, h) => {
      if (args.length % 2 !== 0) h.fail(`IFS expects pairs of condition and value, got ${args.length} arguments`)
      const conditions = args.filter((_, i) => i % 2 === 0)
      for (const c of conditions) {
        if (!['boolean', 'null', 'any'].includes(c.type)) h.fail(`IFS condition must be boolean, got ${c.type}`, c.node)
      }
      return h.unify(args.filter((_, i) => i % 2 === 1), 'IFS values')
    },
    lazy: true,
    evaluate: (args) => {
      for (let i = 0; i < args.length; i += 2) if (toBoolean(scalar(args[i]()))) return scalar(args[i + 1]())
      throw evalError('no IFS condition is TRUE')
    },
  },
  {
    name: 'AND',
    category: 'logic',
    syntax: 'AND(condition1, [condition2], ...)',
    example: 'AND({已付款}, {数量} > 0)',
    description: { 'zh-CN': '全部条件成立时为 TRUE', en: 'TRUE when every condition is TRUE' },
    params: [{ accepts: BOOLEAN, rest: true }],
    returns: 'boolean',
    lazy: true,
    evaluate: (args) => args.every((arg) => toBoolean(scalar(arg()))),
  },
  {
    name: 'OR',
    category: 'logic',
    syntax: 'OR(condition1, [condition2], ...)',
    example: 'OR({状态} = "hold", {状态} = "exception")',
    description: { 'zh-CN': '任一条件成立时为 TRUE', en: 'TRUE when any condition is TRUE' },
    params: [{ accepts: BOOLEAN, rest: true }],
    returns: 'boolean',
    lazy: true,
    evaluate: (args) => args.some((arg) => toBoolean(scalar(arg()))),
  },
  {
    name: 'XOR',
    category: 'logic',
    syntax: 'XOR(condition1, [condition2], ...)',
    example: 'XOR({加急}, {自提})',
    description: { 'zh-CN': '成立的条件个数为奇数时为 TRUE', en: 'TRUE when an odd number of conditions are TRUE' },
    params: [{ accepts: BOOLEAN, rest: true }],
    returns: 'boolean',
    evaluate: (args) => args.filter((arg) => toBoolean(scalar(arg))).length % 2 === 1,
  },
  {
    name: 'NOT',
    category: 'logic',
    syntax: 'NOT(condition)',
    example: 'NOT({已付款})',
    description: { 'zh-CN': '取反', en: 'Reverses TRUE and FALSE' },
    params: [{ accepts: BOOLEAN }],
    returns: 'boolean',
    evaluate: ([value]) => !toBoolean(scalar(value)),
  },
  {
    name: 'ISBLANK',
    category: 'logic',
    syntax: 'ISBLANK(value)',
    example: 'ISBLANK({运单号})',
    description: { 'zh-CN': '值为空（或空文本）时为 TRUE', en: 'TRUE when the value is blank (or empty text)' },
    params: [{ accepts: ANY }],
    returns: 'boolean',
    evaluate: ([value]) => isBlank(value),
  },
  {
    name: 'COALESCE',
    category: 'logic',
    syntax: 'COALESCE(value1, [value2], ...)',
    example: 'COALESCE({实付金额}, {应付金额}, 0)',
    description: { 'zh-CN': '返回第一个非空值', en: 'The first value that is not blank' },
    params: [{ accepts: ANY, rest: true }],
    returns: (args, h) => h.unify(args, 'COALESCE arguments'),
    lazy: true,
    evaluate: (args: Thunk[]) => {
      for (const arg of args) {
        const value = scalar(arg())
        if (!isBlank(value)) return value
      }
      return null
    },
  },
  {
    name: 'IFERROR',
    category: 'logic',
    syntax: 'IFERROR(value, value_if_error)',
    example: 'IFERROR({金额} / {数量}, 0)',
    description: { 'zh-CN': '计算出错（如除以零）时改用第二个参数', en: 'The second argument when the first fails (e.g. division by zero)' },
    params: [{ accepts: ANY }, { accepts: ANY }],
    returns: (args, h) => h.unify(args, 'IFERROR arguments'),
    lazy: true,
    evaluate: ([value, fallback]) => {
      try {
        return scalar(value())
      } catch (error) {
        if (error instanceof FormulaError && error.code === 'eval') return scalar(fallback())
        throw error
      }
    },
  },
]
