import { describe, expect, test } from 'vitest'
import { choiceFormula, parseChoiceFormula } from '../../client/src/designer/choiceCondition'

describe('an action condition picked from a choice field', () => {
  test('one value, several values, none', () => {
    expect(choiceFormula({ field: 'status', values: ['pending'] })).toBe('status = "pending"')
    expect(choiceFormula({ field: 'status', values: ['pending', 'hold'] })).toBe('OR(status = "pending", status = "hold")')
    expect(choiceFormula({ field: 'status', values: [] })).toBeUndefined()
  })

  test('reads back what it writes, quotes included', () => {
    for (const values of [['pending'], ['pending', 'hold', 'qc'], ['say "hi"', 'a, b']]) {
      expect(parseChoiceFormula(choiceFormula({ field: 'status', values })!)).toEqual({ field: 'status', values })
    }
    expect(parseChoiceFormula('OR(status = "pending", status = "hold", status = "exception")')).toEqual({ field: 'status', values: ['pending', 'hold', 'exception'] })
  })

  test('any other formula is left to the formula editor', () => {
    for (const formula of ['status = "pending" AND total > 3', 'OR(status = "a", kind = "b")', 'status <> "a"', 'AND(status = "a")', 'status = "a", status = "b"', 'status = pending', '']) {
      expect(parseChoiceFormula(formula)).toBeNull()
    }
  })
})
