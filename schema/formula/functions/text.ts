import * as formulajs from '@formulajs/formulajs'
import { evalError } from '../errors'
import { formatText } from '../text-format'
import { D, isBlank, toInteger, toNumber, toText } from '../values'
import type { Scalar, Value } from '../values'
import { ANY, BOOLEAN, NUMBER, TEXT, type FunctionDef } from './types'

/** Excel's limit on the length of a text value; also keeps REPT from eating the memory. */
const MAX_TEXT = 32_767

/**
 * Call a formulajs text function with arguments already converted to strings and JS integers.
 * formulajs reports problems by returning Error objects (#VALUE!) rather than throwing.
 */
function fjs(name: string, fn: (...args: never[]) => unknown, ...args: unknown[]): unknown {
  const result = (fn as (...args: unknown[]) => unknown)(...args)
  if (result instanceof Error) throw evalError(`${name} failed: ${result.message}`)
  return result
}

function count(value: Value | undefined, what: string, fallback: number, min = 0): number {
  const n = value === undefined ? fallback : toInteger(value, what)
  if (n < min) throw evalError(`${what} must be at least ${min}, got ${n}`)
  return n
}

function joinedTexts(args: Value[], delimiter = '', skipEmpty = false): string {
  const texts = args.flat().filter((v) => !skipEmpty || !isBlank(v)).map(toText)
  const result = texts.join(delimiter)
  if (result.length > MAX_TEXT) throw evalError(`text is longer than ${MAX_TEXT} characters`)
  return result
}

/** SUBSTITUTE is our own: formulajs's misses an occurrence at the very start when instance_num is given. */
function substitute(text: string, old: string, replacement: string, instance?: number): string {
  if (old === '') return text
  if (instance === undefined) return text.split(old).join(replacement)
  let at = -1
  for (let seen = 0; seen < instance; seen++) {
    at = text.indexOf(old, at + (seen === 0 ? 0 : old.length))
    if (at === -1) return text
  }
  return text.slice(0, at) + replacement + text.slice(at + old.length)
}

const text1 = [{ accepts: TEXT }]

const concat = (name: string, description: FunctionDef['description']): FunctionDef => ({
  name,
  category: 'text',
  syntax: `${name}(text1, [text2], ...)`,
  example: `${name}({省份}, {城市}, {地址})`,
  description,
  params: [{ accepts: TEXT, rest: true, list: true }],
  returns: 'text',
  evaluate: (args) => joinedTexts(args),
})

export const TEXT_FUNCTIONS: FunctionDef[] = [
  concat('CONCAT', { 'zh-CN': '连接文本，可用于子表列', en: 'Joins texts; accepts sub-form columns' }),
  concat('CONCATENATE', { 'zh-CN': '连接文本（同 CONCAT）', en: 'Joins texts (same as CONCAT)' }),
  {
    name: 'TEXTJOIN',
    category: 'text',
    syntax: 'TEXTJOIN(delimiter, ignore_empty, text1, [text2], ...)',
    example: 'TEXTJOIN("/", TRUE, {省份}, {城市})',
    description: { 'zh-CN': '用分隔符连接文本，可跳过空值', en: 'Joins texts with a delimiter, optionally skipping blanks' },
    params: [{ accepts: TEXT }, { accepts: BOOLEAN }, { accepts: TEXT, rest: true, list: true }],
    returns: 'text',
    evaluate: ([delimiter, ignoreEmpty, ...values]) => joinedTexts(values, toText(delimiter), ignoreEmpty === true),
  },
  {
    name: 'TEXT',
    category: 'text',
    syntax: 'TEXT(value, format)',
    example: 'TEXT({下单日期}, "yyyy年mm月dd日")',
    description: { 'zh-CN': '按格式把数字或日期转为文本，如 "#,##0.00"、"yyyy年mm月dd日"', en: 'Formats a number or date as text, e.g. "#,##0.00", "yyyy-mm-dd"' },
    params: [{ accepts: ANY }, { accepts: TEXT }],
    returns: 'text',
    evaluate: ([value, format]) => formatText(value as Scalar, toText(format)),
  },
  {
    name: 'LEFT',
    category: 'text',
    syntax: 'LEFT(text, [count])',
    example: 'LEFT({手机号}, 3)',
    description: { 'zh-CN': '从左边取若干个字符', en: 'The first characters of a text' },
    params: [{ accepts: TEXT }, { accepts: NUMBER, optional: true }],
    returns: 'text',
    evaluate: ([text, n]) => fjs('LEFT', formulajs.LEFT, toText(text), count(n, 'LEFT count', 1)) as string,
  },
  {
    name: 'RIGHT',
    category: 'text',
    syntax: 'RIGHT(text, [count])',
    example: 'RIGHT({手机号}, 4)',
    description: { 'zh-CN': '从右边取若干个字符', en: 'The last characters of a text' },
    params: [{ accepts: TEXT }, { accepts: NUMBER, optional: true }],
    returns: 'text',
    evaluate: ([text, n]) => fjs('RIGHT', formulajs.RIGHT, toText(text), count(n, 'RIGHT count', 1)) as string,
  },
  {
    name: 'MID',
    category: 'text',
    syntax: 'MID(text, start, count)',
    example: 'MID({单号}, 3, 8)',
    description: { 'zh-CN': '从第 start 个字符起取若干个字符', en: 'Characters from position start (1-based)' },
    params: [{ accepts: TEXT }, { accepts: NUMBER }, { accepts: NUMBER }],
    returns: 'text',
    evaluate: ([text, start, n]) => {
      const from = count(start, 'MID start', 1, 1)
      const length = count(n, 'MID count', 0)
      return length === 0 ? '' : (fjs('MID', formulajs.MID, toText(text), from, length) as string)
    },
  },
  {
    name: 'LEN',
    category: 'text',
    syntax: 'LEN(text)',
    example: 'LEN({备注})',
    description: { 'zh-CN': '字符个数', en: 'Number of characters' },
    params: text1,
    returns: 'number',
    evaluate: ([text]) => new D(fjs('LEN', formulajs.LEN, toText(text)) as number),
  },
  {
    name: 'UPPER',
    category: 'text',
    syntax: 'UPPER(text)',
    example: 'UPPER({编码})',
    description: { 'zh-CN': '转为大写', en: 'Converts to upper case' },
    params: text1,
    returns: 'text',
    evaluate: ([text]) => fjs('UPPER', formulajs.UPPER, toText(text)) as string,
  },
  {
    name: 'LOWER',
    category: 'text',
    syntax: 'LOWER(text)',
    example: 'LOWER({编码})',
    description: { 'zh-CN': '转为小写', en: 'Converts to lower case' },
    params: text1,
    returns: 'text',
    evaluate: ([text]) => fjs('LOWER', formulajs.LOWER, toText(text)) as string,
  },
  {
    name: 'TRIM',
    category: 'text',
    syntax: 'TRIM(text)',
    example: 'TRIM({买家昵称})',
    description: { 'zh-CN': '去掉首尾空格，中间连续空格只留一个', en: 'Removes outer spaces and collapses inner runs of spaces' },
    params: text1,
    returns: 'text',
    evaluate: ([text]) => fjs('TRIM', formulajs.TRIM, toText(text)) as string,
  },
  {
    name: 'SUBSTITUTE',
    category: 'text',
    syntax: 'SUBSTITUTE(text, old_text, new_text, [instance])',
    example: 'SUBSTITUTE({备注}, "急", "加急")',
    description: { 'zh-CN': '替换文本（可只替换第几次出现）', en: 'Replaces text (optionally only the nth occurrence)' },
    params: [{ accepts: TEXT }, { accepts: TEXT }, { accepts: TEXT }, { accepts: NUMBER, optional: true }],
    returns: 'text',
    evaluate: ([text, old, replacement, instance]) =>
      substitute(toText(text), toText(old), toText(replacement), instance === undefined ? undefined : count(instance, 'SUBSTITUTE instance', 1, 1)),
  },
  {
    name: 'REPT',
    category: 'text',
    syntax: 'REPT(text, times)',
    example: 'REPT("★", {星级})',
    description: { 'zh-CN': '重复文本若干次', en: 'Repeats a text' },
    params: [{ accepts: TEXT }, { accepts: NUMBER }],
    returns: 'text',
    evaluate: ([text, times]) => {
      const value = toText(text)
      const n = count(times, 'REPT times', 0)
      if (value.length * n > MAX_TEXT) throw evalError(`text is longer than ${MAX_TEXT} characters`)
      return fjs('REPT', formulajs.REPT, value, n) as string
    },
  },
  {
    name: 'FIND',
    category: 'text',
    syntax: 'FIND(find_text, within_text, [start])',
    example: 'FIND("-", {编码})',
    description: { 'zh-CN': '查找文本出现的位置（区分大小写，从 1 开始），找不到时出错', en: 'Position (1-based, case-sensitive) of a text in another; an error when absent' },
    params: [{ accepts: TEXT }, { accepts: TEXT }, { accepts: NUMBER, optional: true }],
    returns: 'number',
    evaluate: ([find, within, start]) => {
      const [needle, haystack] = [toText(find), toText(within)]
      const from = count(start, 'FIND start', 1, 1)
      if (from > haystack.length + 1) throw evalError('FIND start is past the end of the text')
      const found = (formulajs.FIND as (...args: unknown[]) => unknown)(needle, haystack, from)
      if (found instanceof Error) throw evalError(`FIND: ${JSON.stringify(needle)} not found`)
      return new D(found as number)
    },
  },
  {
    name: 'EXACT',
    category: 'text',
    syntax: 'EXACT(text1, text2)',
    example: 'EXACT({编码}, UPPER({编码}))',
    description: { 'zh-CN': '两段文本完全相同（区分大小写）', en: 'TRUE when two texts are identical (case-sensitive)' },
    params: [{ accepts: TEXT }, { accepts: TEXT }],
    returns: 'boolean',
    evaluate: ([a, b]) => toText(a) === toText(b),
  },
  {
    name: 'VALUE',
    category: 'text',
    syntax: 'VALUE(text)',
    example: 'VALUE("12.50")',
    description: { 'zh-CN': '把文本转为数字，如 "1,234.5"、"50%"', en: 'Converts text to a number, e.g. "1,234.5", "50%"' },
    params: text1,
    returns: 'number',
    evaluate: ([value]) => {
      const text = toText(value).trim()
      if (text === '') return null
      const percent = text.endsWith('%')
      try {
        const number = toNumber(percent ? text.slice(0, -1) : text)
        return number && (percent ? number.div(100) : number)
      } catch {
        throw evalError(`VALUE cannot read ${JSON.stringify(text)} as a number`)
      }
    },
  },
]
