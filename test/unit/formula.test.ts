import Decimal from 'decimal.js'
import { describe, expect, it } from 'vitest'
import {
  FORMULA_FUNCTIONS,
  FormulaError,
  compileFormula,
  evaluateFormula,
  findCycle,
  formatReference,
  parseFormula,
  rewriteReferences,
  type FormulaScope,
  type FormulaType,
  type FormulaValue,
  type FormulaValues,
} from '../../schema/formula'

// ---- a small form: fields by key and label, a sub-form `lines`, and `parent` ----

const FIELDS: Record<string, { label: string; type: FormulaType }> = {
  qty: { label: '数量', type: 'number' },
  price: { label: '单价', type: 'number' },
  discount: { label: '折扣', type: 'number' },
  total: { label: '合计', type: 'number' },
  tid: { label: '订单号', type: 'text' },
  sku: { label: '商品编码', type: 'text' },
  a1: { label: 'A 一', type: 'number' },
  B2: { label: 'B 二', type: 'number' },
  name: { label: '客户 名称', type: 'text' },
  order_date: { label: '下单日期', type: 'date' },
  ship_date: { label: '发货日期', type: 'date' },
  paid_at: { label: '付款时间', type: 'datetime' },
  vip: { label: '会员', type: 'boolean' },
  note: { label: '备注', type: 'any' },
}
const LINE_COLUMNS: Record<string, { label: string; type: FormulaType }> = {
  amount: { label: '金额', type: 'number' },
  title: { label: '品名', type: 'text' },
}

const keyFor = (name: string, braced: boolean, fields: typeof FIELDS) =>
  name in fields ? name : braced ? Object.keys(fields).find((k) => fields[k].label === name) : undefined

const scope: FormulaScope = {
  resolve(name, braced) {
    const key = keyFor(name, braced, FIELDS)
    return key ? { key, type: FIELDS[key].type } : undefined
  },
  resolveMember(object, member, braced = false) {
    if (object === 'parent') return member === 'rate' ? { key: 'parent.rate', type: 'number' } : undefined
    if (object !== 'lines' && object !== '明细') return undefined
    const column = keyFor(member, braced, LINE_COLUMNS)
    return column ? { key: `lines.${column}`, type: LINE_COLUMNS[column].type, list: true } : undefined
  },
}

const run = (source: string, values: FormulaValues = {}, now?: Date): FormulaValue =>
  evaluateFormula(compileFormula(source, scope), values, { now })

/** Numbers come back as Decimal; compare their exact text. */
const num = (source: string, values: FormulaValues = {}): string => {
  const result = run(source, values)
  expect(result).toBeInstanceOf(Decimal)
  return (result as Decimal).toString()
}

function formulaError(fn: () => unknown): FormulaError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(FormulaError)
    return error as FormulaError
  }
  throw new Error('expected a FormulaError')
}
const compileError = (source: string) => formulaError(() => compileFormula(source, scope))

// ---------------------------------------------------------------------------------------------

describe('parser', () => {
  it('builds a plain JSON AST with positions', () => {
    const ast = parseFormula('qty * price')
    expect(JSON.parse(JSON.stringify(ast))).toEqual(ast)
    expect(ast).toMatchObject({
      kind: 'binary',
      op: '*',
      start: 0,
      end: 11,
      left: { kind: 'ref', name: 'qty', braced: false, start: 0, end: 3 },
      right: { kind: 'ref', name: 'price', start: 6, end: 11 },
    })
  })

  it('treats identifiers that look like cell references as field keys', () => {
    for (const key of ['qty', 'tid', 'sku', 'a1', 'B2', 'qty1', 'AB12']) {
      expect(parseFormula(key)).toMatchObject({ kind: 'ref', name: key, braced: false })
    }
  })

  it('reads braced names, members and parent references', () => {
    expect(parseFormula('{客户 名称}')).toMatchObject({ kind: 'ref', name: '客户 名称', braced: true })
    expect(parseFormula('lines.amount')).toMatchObject({ kind: 'member', object: 'lines', member: 'amount', braced: false })
    expect(parseFormula('{明细}.{金额}')).toMatchObject({ kind: 'member', object: '明细', member: '金额', braced: true })
    expect(parseFormula('parent.rate')).toMatchObject({ kind: 'member', object: 'parent', member: 'rate' })
  })

  it('upper-cases function names and reads keywords case-insensitively', () => {
    expect(parseFormula('sum(1)')).toMatchObject({ kind: 'call', name: 'SUM' })
    expect(parseFormula('true')).toMatchObject({ kind: 'boolean', value: true })
    expect(parseFormula('False')).toMatchObject({ kind: 'boolean', value: false })
    expect(parseFormula('NULL')).toMatchObject({ kind: 'null' })
    expect(parseFormula('true_flag')).toMatchObject({ kind: 'ref', name: 'true_flag' })
  })

  it('reads number and string literals', () => {
    expect(parseFormula('0.1')).toMatchObject({ kind: 'number', value: '0.1' })
    expect(parseFormula('1e3')).toMatchObject({ kind: 'number', value: '1e3' })
    expect(parseFormula('"say ""hi"""')).toMatchObject({ kind: 'string', value: 'say "hi"' })
    expect(parseFormula('"a\\b"')).toMatchObject({ kind: 'string', value: 'a\\b' })
  })

  it('follows Excel precedence', () => {
    expect(num('1 + 2 * 3')).toBe('7')
    expect(num('(1 + 2) * 3')).toBe('9')
    expect(num('2 ^ 3 ^ 2')).toBe('64') // left-associative, as in Excel
    expect(num('-2 ^ 2')).toBe('4') // negation binds tighter than ^, as in Excel
    expect(num('2 * 3 ^ 2')).toBe('18')
    expect(num('50%')).toBe('0.5')
    expect(num('200 * 5%')).toBe('10')
    expect(run('1 + 1 & "x"')).toBe('2x')
    expect(run('"a" & 1 = "a1"')).toBe(true)
    expect(run('1 + 2 > 2')).toBe(true)
  })

  it('ignores whitespace, including full-width spaces and newlines', () => {
    expect(num('\u3000qty\u3000*\n price ', { qty: 2, price: 3 })).toBe('6')
  })

  it('reports syntax errors with a position', () => {
    const error = formulaError(() => parseFormula('SUM(1, )'))
    expect(error.code).toBe('syntax')
    expect(error.position).toBe(7)
    expect(error.message).toBe('unexpected ")" at position 7')
    expect(formulaError(() => parseFormula('qty *')).message).toBe('unexpected end of formula at position 5')
    expect(formulaError(() => parseFormula('"abc')).message).toBe('unterminated string at position 0')
    expect(formulaError(() => parseFormula('1 + {数量')).message).toBe('unclosed brace at position 4')
    expect(formulaError(() => parseFormula('SUM（1）')).message).toMatch(/^unexpected "（" at position 3 \(use the ASCII "\("/)
    expect(formulaError(() => parseFormula('  ')).code).toBe('syntax')
    expect(formulaError(() => parseFormula('('.repeat(5000) + '1' + ')'.repeat(5000))).message).toBe('the formula is nested too deeply')
  })
})

describe('compileFormula', () => {
  it('resolves references and lists dependencies once, in order', () => {
    const compiled = compileFormula('qty * price + qty', scope)
    expect(compiled.type).toBe('number')
    expect(compiled.dependencies).toEqual(['qty', 'price'])
    expect(compiled.volatile).toBe(false)
    expect(compileFormula('SUM(lines.amount) - discount', scope).dependencies).toEqual(['lines.amount', 'discount'])
    expect(compileFormula('qty * parent.rate', scope).dependencies).toEqual(['qty', 'parent.rate'])
  })

  it('resolves {labels}, including labels with spaces, to keys', () => {
    const compiled = compileFormula('{数量} * {单价} & {客户 名称}', scope)
    expect(compiled.dependencies).toEqual(['qty', 'price', 'name'])
    expect(compileFormula('SUM({明细}.{金额})', scope).dependencies).toEqual(['lines.amount'])
    expect(compileFormula('{qty}', scope).dependencies).toEqual(['qty'])
  })

  it('accepts keys that look like cell references', () => {
    expect(compileFormula('tid & sku & (a1 + B2)', scope).dependencies).toEqual(['tid', 'sku', 'a1', 'B2'])
  })

  it('infers result types', () => {
    const type = (source: string) => compileFormula(source, scope).type
    expect(type('qty * price')).toBe('number')
    expect(type('IF(total > 1000, "大单", "普通")')).toBe('text')
    expect(type('qty > 1')).toBe('boolean')
    expect(type('order_date + 7')).toBe('date')
    expect(type('ship_date - order_date')).toBe('number')
    expect(type('NOW()')).toBe('datetime')
    expect(type('IF(vip, qty, NULL)')).toBe('number')
    expect(type('MAX(order_date, ship_date)')).toBe('date')
    expect(type('NULL')).toBe('null')
    expect(type('note')).toBe('any')
  })

  it('detects volatile formulas', () => {
    expect(compileFormula('DATEDIF(order_date, TODAY(), "D")', scope).volatile).toBe(true)
    expect(compileFormula('NOW()', scope).volatile).toBe(true)
    expect(compileFormula('DATEDIF(order_date, ship_date, "D")', scope).volatile).toBe(false)
  })

  it('rejects unknown fields and functions by name', () => {
    const field = compileError('qtty * price')
    expect(field.code).toBe('unknown_field')
    expect(field.message).toBe('unknown field "qtty"')
    expect(field.position).toBe(0)
    expect(compileError('{数 量}').message).toBe('unknown field "数 量"')
    expect(compileError('lines.amout').message).toBe('unknown field "lines.amout"')
    expect(compileError('TODAY').message).toBe('unknown field "TODAY" (to call the function, write TODAY())')
    const fn = compileError('1 + SUMM(qty)')
    expect(fn.code).toBe('unknown_function')
    expect(fn.message).toBe('unknown function "SUMM"')
    expect(fn.position).toBe(4)
  })

  it('checks arity', () => {
    const error = compileError('ROUND(1, 2, 3)')
    expect(error.code).toBe('arity')
    expect(error.message).toBe('ROUND expects 1 or 2 arguments, got 3')
    expect(compileError('ABS()').message).toBe('ABS expects 1 argument, got 0')
    expect(compileError('TODAY(1)').message).toBe('TODAY expects no arguments, got 1')
    expect(compileError('SUM()').message).toBe('SUM expects at least 1 argument, got 0')
    expect(compileError('SUBSTITUTE("a")').message).toBe('SUBSTITUTE expects 3 or 4 arguments, got 1')
  })

  it('rejects type errors', () => {
    const minus = compileError('"a" - 1')
    expect(minus.code).toBe('type')
    expect(minus.message).toBe('cannot apply "-" to text')
    expect(minus.position).toBe(0)
    expect(compileError('-name').message).toBe('cannot apply "-" to text')
    expect(compileError('IF(1, 2, 3)').message).toBe('IF condition must be boolean, got number')
    expect(compileError('IF(vip, 1, "a")').message).toBe('IF branches must have the same type, got number and text')
    expect(compileError('tid = 1').message).toBe('cannot compare text with number using "="')
    expect(compileError('order_date * 2').message).toBe('cannot apply "*" to date')
    expect(compileError('order_date + ship_date').message).toBe('cannot apply "+" to date')
    expect(compileError('SUM(lines.title)').message).toBe('SUM expects a list of numbers, got a list of text')
    expect(compileError('NOT(qty)').message).toBe('NOT argument 1 must be boolean, got number')
    expect(compileError('YEAR(tid)').message).toBe('YEAR argument 1 must be a date, got text')
    expect(compileError('DATEDIF(order_date, ship_date, "W")').message).toMatch(/^DATEDIF unit must be one of "Y", "M", "D"/)
  })

  it('allows a sub-form column only inside aggregate functions', () => {
    for (const source of ['lines.amount', 'lines.amount + 1', 'ROUND(lines.amount, 2)', 'lines.title & "x"', 'IF(vip, lines.amount, 0)']) {
      const error = compileError(source)
      expect(error.code).toBe('type')
      expect(error.message).toMatch(/^"lines\.amount"|^"lines\.title"/)
      expect(error.message).toContain('is a list')
    }
    expect(() => compileFormula('SUM(lines.amount) + COUNT(lines.title) + MAX(lines.amount)', scope)).not.toThrow()
  })

  it('lets blank and untyped values fit anywhere', () => {
    expect(() => compileFormula('note + 1', scope)).not.toThrow()
    expect(() => compileFormula('IF(note, NULL, "x")', scope)).not.toThrow()
    expect(() => compileFormula('tid = NULL', scope)).not.toThrow()
    expect(() => compileFormula('qty & tid & vip & order_date', scope)).not.toThrow()
  })

  it('produces a JSON-serialisable result that still evaluates', () => {
    const compiled = JSON.parse(JSON.stringify(compileFormula('qty * price', scope)))
    expect((evaluateFormula(compiled, { qty: 2, price: '1.5' }) as Decimal).toString()).toBe('3')
  })
})

describe('evaluateFormula: numbers', () => {
  it('uses exact decimal arithmetic', () => {
    const result = run('0.1 + 0.2')
    expect(result).toBeInstanceOf(Decimal)
    expect((result as Decimal).toString()).toBe('0.3')
    expect(num('a1 + B2', { a1: 0.1, B2: 0.2 })).toBe('0.3')
    expect(num('qty * price', { qty: 3, price: '19.9' })).toBe('59.7')
    expect(num('1.1 * 3')).toBe('3.3')
  })

  it('accepts numbers as Decimal, JS number or numeric string', () => {
    expect(num('qty + price + total', { qty: new Decimal('1.25'), price: 2, total: '0.75' })).toBe('4')
  })

  it('evaluates label references like key references', () => {
    expect(num('{数量} * {单价}', { qty: 4, price: '2.5' })).toBe('10')
  })

  it('rounds half away from zero, like Excel', () => {
    expect(num('ROUND(2.5)')).toBe('3')
    expect(num('ROUND(-2.5)')).toBe('-3')
    expect(num('ROUND(2.4)')).toBe('2')
    expect(num('ROUND(1.005, 2)')).toBe('1.01')
    expect(num('ROUND(-1.005, 2)')).toBe('-1.01')
    expect(num('ROUND(1234.5, -2)')).toBe('1200')
    expect(num('ROUND(10 / 3, 2)')).toBe('3.33')
    expect(num('ROUND(20 / 3, 2)')).toBe('6.67')
    expect(num('ROUND(price * 0.95, 2)', { price: '19.9' })).toBe('18.91')
    expect(num('ROUNDUP(1.01, 1)')).toBe('1.1')
    expect(num('ROUNDUP(-1.01, 1)')).toBe('-1.1')
    expect(num('ROUNDDOWN(1.99, 1)')).toBe('1.9')
    expect(num('ROUNDDOWN(-1.99)')).toBe('-1')
  })

  it('implements the other math functions', () => {
    expect(num('ABS(-3.5)')).toBe('3.5')
    expect(num('INT(-1.5)')).toBe('-2')
    expect(num('INT(1.9)')).toBe('1')
    expect(num('MOD(7, 3)')).toBe('1')
    expect(num('MOD(-3, 2)')).toBe('1') // the sign of the divisor, as in Excel
    expect(num('MOD(3, -2)')).toBe('-1')
    expect(num('POWER(2, 10)')).toBe('1024')
    expect(num('1.1 ^ 2')).toBe('1.21')
    expect(num('1e3 + 1')).toBe('1001')
  })

  it('throws an eval error on division by zero', () => {
    const compiled = compileFormula('total / qty', scope)
    for (const qty of [0, null]) {
      const error = formulaError(() => evaluateFormula(compiled, { total: 10, qty }))
      expect(error.code).toBe('eval')
      expect(error.message).toBe('division by zero')
      expect(error.position).toBe(0)
    }
    expect(formulaError(() => run('MOD(1, 0)')).message).toBe('division by zero')
    expect(num('IFERROR(total / qty, 0)', { total: 10, qty: 0 })).toBe('0')
    expect(num('IF(qty = 0, 0, total / qty)', { total: 10, qty: 0 })).toBe('0') // IF evaluates only the branch taken
  })

  it('treats blanks as 0 in arithmetic', () => {
    expect(num('qty * price + discount', { qty: 2, price: 3 })).toBe('6')
    expect(num('-discount', { discount: null })).toBe('0')
    expect(num('qty + 1', { qty: '' })).toBe('1')
  })
})

describe('evaluateFormula: sub-forms and aggregates', () => {
  const values = { 'lines.amount': [new Decimal('10.5'), null, 2, '0.25'], 'lines.title': ['杯子', null, '', '碟'], discount: 1 }

  it('aggregates a list with blanks', () => {
    expect(num('SUM(lines.amount)', values)).toBe('12.75')
    expect(num('SUM(lines.amount) - discount', values)).toBe('11.75')
    expect(num('COUNT(lines.amount)', values)).toBe('3')
    expect(num('COUNTA(lines.title)', values)).toBe('2')
    expect(num('AVERAGE(lines.amount)', values)).toBe('4.25')
    expect(num('MIN(lines.amount)', values)).toBe('0.25')
    expect(num('MAX(lines.amount, 20)', values)).toBe('20')
    expect(run('TEXTJOIN("、", TRUE, lines.title)', values)).toBe('杯子、碟')
    expect(run('CONCAT(lines.title, "!")', values)).toBe('杯子碟!')
  })

  it('handles empty sub-forms', () => {
    expect(num('SUM(lines.amount)', { 'lines.amount': [] })).toBe('0')
    expect(num('COUNT(lines.amount)', {})).toBe('0')
    expect(run('MAX(lines.amount)', { 'lines.amount': [] })).toBe(null)
    expect(formulaError(() => run('AVERAGE(lines.amount)', { 'lines.amount': [null] })).code).toBe('eval')
  })

  it('reads a parent field in a line formula', () => {
    expect(num('100 * parent.rate', { 'parent.rate': '0.13' })).toBe('13')
  })
})

describe('evaluateFormula: logic and text', () => {
  it('branches with IF and IFS', () => {
    expect(run('IF(total > 1000, "大单", "普通")', { total: 1200 })).toBe('大单')
    expect(run('IF(total > 1000, "大单", "普通")', { total: 1000 })).toBe('普通')
    expect(run('IF(vip, "VIP")', { vip: false })).toBe(null)
    expect(run('IFS(qty > 10, "L", qty > 5, "M", TRUE, "S")', { qty: 6 })).toBe('M')
    expect(run('AND(vip, qty > 1)', { vip: true, qty: 2 })).toBe(true)
    expect(run('OR(vip, qty > 1)', { vip: false, qty: 1 })).toBe(false)
    expect(run('NOT(vip)', { vip: false })).toBe(true)
    expect(run('XOR(TRUE, FALSE, TRUE)')).toBe(false)
  })

  it('handles blanks: ISBLANK, COALESCE, & and comparisons', () => {
    expect(run('ISBLANK(discount)', {})).toBe(true)
    expect(run('ISBLANK(discount)', { discount: 0 })).toBe(false)
    expect(num('COALESCE(discount, qty, 5)', { qty: 2 })).toBe('2')
    expect(run('"[" & name & "]"', {})).toBe('[]')
    expect(run('discount = 0', {})).toBe(true)
    expect(run('tid = ""', {})).toBe(true)
    expect(run('order_date < DATE(2000, 1, 1)', {})).toBe(true)
  })

  it('compares text case-insensitively, like Excel (EXACT is case-sensitive)', () => {
    expect(run('sku = "ab-1"', { sku: 'AB-1' })).toBe(true)
    expect(run('EXACT(sku, "ab-1")', { sku: 'AB-1' })).toBe(false)
    expect(run('"apple" < "Banana"')).toBe(true)
  })

  it('joins anything with &', () => {
    expect(run('qty & "件" & vip & order_date', { qty: 1.5, vip: true, order_date: '2026-01-02' })).toBe('1.5件TRUE2026-01-02')
  })

  it('implements the text functions', () => {
    expect(run('LEFT("掌柜软件", 2)')).toBe('掌柜')
    expect(run('LEFT("abc")')).toBe('a')
    expect(run('RIGHT("abcdef", 3)')).toBe('def')
    expect(run('MID("abcdef", 2, 3)')).toBe('bcd')
    expect(run('MID("abc", 2, 0)')).toBe('')
    expect(num('LEN("数量abc")')).toBe('5')
    expect(run('UPPER("abc")')).toBe('ABC')
    expect(run('LOWER("ABC")')).toBe('abc')
    expect(run('TRIM("  a   b  ")')).toBe('a b')
    expect(run('SUBSTITUTE("a-b-c", "-", "/")')).toBe('a/b/c')
    expect(run('SUBSTITUTE("aaa", "a", "b", 1)')).toBe('baa')
    expect(run('SUBSTITUTE("aaa", "a", "b", 2)')).toBe('aba')
    expect(run('REPT("ab", 3)')).toBe('ababab')
    expect(num('FIND("c", "abcabc")')).toBe('3')
    expect(num('FIND("c", "abcabc", 4)')).toBe('6')
    expect(formulaError(() => run('FIND("z", "abc")')).code).toBe('eval')
    expect(num('VALUE("1,234.50")')).toBe('1234.5')
    expect(num('VALUE("50%")')).toBe('0.5')
    expect(formulaError(() => run('VALUE("abc")')).code).toBe('eval')
    expect(formulaError(() => run('LEFT("abc", -1)')).code).toBe('eval')
  })

  it('formats numbers with TEXT', () => {
    expect(run('TEXT(1234.567, "0")')).toBe('1235')
    expect(run('TEXT(2.5, "0")')).toBe('3')
    expect(run('TEXT(1234.5, "0.00")')).toBe('1234.50')
    expect(run('TEXT(1234567.891, "#,##0.00")')).toBe('1,234,567.89')
    expect(run('TEXT(-1234.5, "#,##0.00")')).toBe('-1,234.50')
    expect(run('TEXT(0.256, "0%")')).toBe('26%')
    expect(run('TEXT(0.2567, "0.0%")')).toBe('25.7%')
    expect(run('TEXT(1234.5, "¥#,##0.00")')).toBe('¥1,234.50')
    expect(run('TEXT(12.5, "0.0""元""")')).toBe('12.5元')
    expect(run('TEXT(0.5, "#.##")')).toBe('.5')
    expect(run('TEXT(5, "000")')).toBe('005')
    expect(run('TEXT(-5, "0;(0)")')).toBe('(5)')
    expect(run('TEXT(0, "0;-0;""零""")')).toBe('零')
    expect(run('TEXT(1234567, "#,##0,")')).toBe('1,235')
    expect(run('TEXT(discount, "0.00")', {})).toBe('0.00')
  })

  it('formats dates with TEXT (Excel codes, case-insensitive)', () => {
    const values = { order_date: '2026-03-05', paid_at: new Date('2026-11-26T17:30:09Z') }
    expect(run('TEXT(order_date, "YYYY-MM-DD")', values)).toBe('2026-03-05')
    expect(run('TEXT(order_date, "yyyy年mm月dd日")', values)).toBe('2026年03月05日')
    expect(run('TEXT(order_date, "yyyy/m/d")', values)).toBe('2026/3/5')
    expect(run('TEXT(order_date, "mmm d, yyyy")', values)).toBe('Mar 5, 2026')
    expect(run('TEXT(order_date, "dddd")', values)).toBe('Thursday')
    expect(run('TEXT(paid_at, "yyyy-mm-dd hh:mm:ss")', values)).toBe('2026-11-27 01:30:09')
    expect(run('TEXT(paid_at, "h:mm AM/PM")', values)).toBe('1:30 AM')
    expect(run('TEXT(order_date, "yyyy-mm-dd")', {})).toBe('')
    expect(formulaError(() => run('TEXT(qty, "yyyy-mm-dd")', { qty: 1 })).code).toBe('eval')
  })
})

describe('evaluateFormula: dates', () => {
  const beforeMidnightUtc = new Date('2026-11-26T17:30:00Z') // 2026-11-27 01:30 in Shanghai

  it('takes TODAY() in Asia/Shanghai, across the UTC midnight boundary', () => {
    expect(run('TODAY()', {}, beforeMidnightUtc)).toBe('2026-11-27')
    expect(run('TODAY()', {}, new Date('2026-11-26T15:59:59Z'))).toBe('2026-11-26')
    expect(run('TODAY()', {}, new Date('2026-11-26T16:00:00Z'))).toBe('2026-11-27')
  })

  it('returns NOW() as a Date', () => {
    const now = run('NOW()', {}, beforeMidnightUtc)
    expect(now).toBeInstanceOf(Date)
    expect((now as Date).toISOString()).toBe('2026-11-26T17:30:00.000Z')
    expect(run('TODAY()')).toMatch(/^\d{4}-\d{2}-\d{2}$/)
  })

  it('computes DATEDIF with Excel semantics', () => {
    const datedif = (start: string, end: string, unit: string) =>
      num(`DATEDIF(order_date, ship_date, "${unit}")`, { order_date: start, ship_date: end })
    expect(datedif('2024-02-29', '2025-02-28', 'Y')).toBe('0')
    expect(datedif('2024-02-29', '2025-03-01', 'Y')).toBe('1')
    expect(datedif('2020-05-15', '2026-05-14', 'Y')).toBe('5')
    expect(datedif('2026-01-31', '2026-02-28', 'M')).toBe('0')
    expect(datedif('2026-01-31', '2026-03-31', 'M')).toBe('2')
    expect(datedif('2025-11-15', '2026-02-14', 'M')).toBe('2')
    expect(datedif('2026-01-01', '2026-12-31', 'D')).toBe('364')
    expect(datedif('2024-01-01', '2025-01-01', 'D')).toBe('366')
    expect(datedif('2020-05-15', '2026-08-14', 'YM')).toBe('2')
    expect(datedif('2026-03-05', '2026-03-05', 'd')).toBe('0')
    const error = formulaError(() => datedif('2026-03-06', '2026-03-05', 'D'))
    expect(error.code).toBe('eval')
    expect(run('DATEDIF(order_date, ship_date, "D")', { order_date: '2026-01-01' })).toBe(null)
  })

  it('counts days to today in Shanghai', () => {
    const compiled = compileFormula('DATEDIF(order_date, TODAY(), "D")', scope)
    expect((evaluateFormula(compiled, { order_date: '2026-11-20' }, { now: beforeMidnightUtc }) as Decimal).toString()).toBe('7')
  })

  it('does date arithmetic and date functions', () => {
    const values = { order_date: '2026-01-31', ship_date: '2026-03-01', paid_at: new Date('2026-11-26T17:30:00Z') }
    expect(run('order_date + 30', values)).toBe('2026-03-02')
    expect(run('order_date - 31', values)).toBe('2025-12-31')
    expect(num('ship_date - order_date', values)).toBe('29')
    expect(num('DAYS(ship_date, order_date)', values)).toBe('29')
    expect(run('EDATE(order_date, 1)', values)).toBe('2026-02-28')
    expect(run('EDATE(order_date, -2)', values)).toBe('2025-11-30')
    expect(run('DATEADD(order_date, 2, "W")', values)).toBe('2026-02-14')
    expect(run('DATEADD(order_date, 1, "y")', values)).toBe('2027-01-31')
    expect(run('DATE(2026, 13, 1)')).toBe('2027-01-01')
    expect(run('DATE(2026, 3, 0)')).toBe('2026-02-28')
    expect(run('DATE(26, 1, 1)')).toBe('1926-01-01')
    expect(run('MAX(order_date, ship_date)', values)).toBe('2026-03-01')
    expect(run('EDATE(DATE(2024, 2, 29), 12)')).toBe('2025-02-28')
    expect(run('DATEVALUE("2026-02-03")')).toBe('2026-02-03')
    expect(num('YEAR(order_date) * 100 + MONTH(order_date)', values)).toBe('202601')
    expect(num('DAY(paid_at)', values)).toBe('27') // the Shanghai calendar day
    expect((run('paid_at + 1', values) as Date).toISOString()).toBe('2026-11-27T17:30:00.000Z')
    expect(num('paid_at - DATE(2026, 11, 27)', values)).toBe('0.0625')
    expect(run('ship_date > order_date', values)).toBe(true)
    expect(run('order_date + 1', {})).toBe(null)
  })

  it('reports malformed input values', () => {
    expect(formulaError(() => run('order_date + 1', { order_date: '2026-02-30' })).code).toBe('eval')
    expect(formulaError(() => run('qty + 1', { qty: 'abc' })).message).toContain('field "qty"')
  })
})

describe('findCycle', () => {
  it('finds a cycle path', () => {
    expect(findCycle({ a: ['b'], b: ['a'] })).toEqual(['a', 'b', 'a'])
    expect(findCycle({ total: ['amount', 'discount'], amount: ['qty', 'price'], x: ['y'], y: ['z'], z: ['x'] })).toEqual([
      'x',
      'y',
      'z',
      'x',
    ])
    expect(findCycle({ a: ['a'] })).toEqual(['a', 'a'])
  })

  it('returns null for an acyclic graph', () => {
    expect(findCycle({ total: ['amount', 'discount'], amount: ['qty', 'price'], tax: ['total', 'amount'] })).toBe(null)
    expect(findCycle({})).toBe(null)
  })

  it('rejects a = b + 1, b = a * 2 from compiled dependencies', () => {
    const cycleScope: FormulaScope = {
      resolve: (name) => (['a', 'b'].includes(name) ? { key: name, type: 'number' } : undefined),
      resolveMember: () => undefined,
    }
    const graph = {
      a: compileFormula('b + 1', cycleScope).dependencies,
      b: compileFormula('a * 2', cycleScope).dependencies,
    }
    expect(findCycle(graph)).toEqual(['a', 'b', 'a'])
  })
})

describe('rewriteReferences', () => {
  const labelOf = (key: string) => FIELDS[key]?.label
  const keyOf = (label: string) => Object.keys(FIELDS).find((k) => FIELDS[k].label === label)

  it('shows labels in the editor and stores keys, keeping the rest intact', () => {
    const stored = 'IF(qty*price  >= 100, "qty: " & qty, sku) & "{x}"'
    const shown = rewriteReferences(stored, (ref) => (labelOf(ref.name) ? formatReference(labelOf(ref.name)) : undefined))
    expect(shown).toBe('IF({数量}*{单价}  >= 100, "qty: " & {数量}, {商品编码}) & "{x}"')
    const back = rewriteReferences(shown, (ref) => (ref.braced && keyOf(ref.name) ? keyOf(ref.name) : undefined))
    expect(back).toBe(stored)
  })

  it('passes member references whole', () => {
    const seen: unknown[] = []
    const result = rewriteReferences('SUM(lines.amount) * parent.rate', (ref) => {
      seen.push(ref)
      return ref.member === 'amount' ? formatReference('明细', '金额') : undefined
    })
    expect(result).toBe('SUM({明细}.{金额}) * parent.rate')
    expect(seen).toEqual([
      { name: 'lines', braced: false, member: 'amount' },
      { name: 'parent', braced: false, member: 'rate' },
    ])
  })

  it('braces only names that need it', () => {
    expect(formatReference('qty')).toBe('qty')
    expect(formatReference('客户 名称')).toBe('{客户 名称}')
    expect(formatReference('true')).toBe('{true}')
    expect(formatReference('1st')).toBe('{1st}')
  })

  it('throws on formulas that do not parse', () => {
    expect(formulaError(() => rewriteReferences('qty *', () => undefined)).code).toBe('syntax')
  })
})

describe('FORMULA_FUNCTIONS', () => {
  it('lists every function with zh-CN and en descriptions', () => {
    const names = FORMULA_FUNCTIONS.map((f) => f.name)
    for (const name of ['SUM', 'ROUND', 'IF', 'TEXT', 'DATEDIF', 'TODAY', 'COALESCE', 'LEFT']) expect(names).toContain(name)
    expect(new Set(names).size).toBe(names.length)
    for (const f of FORMULA_FUNCTIONS) {
      expect(f.description['zh-CN']).toMatch(/\S/)
      expect(f.description.en).toMatch(/\S/)
      expect(f.syntax.startsWith(`${f.name}(`)).toBe(true)
    }
  })

  it('matches function names case-insensitively', () => {
    expect(num('sum(1, 2) + Round(2.5)')).toBe('6')
  })
})
