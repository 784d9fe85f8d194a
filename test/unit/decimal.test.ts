import { describe, expect, it } from 'vitest'
import { Decimal, fromScaledInteger, parseDecimal, toScaledInteger } from '../../schema/lib/decimal'

/** The fast paths must agree with decimal.js everywhere. */
describe('exact decimals', () => {
  const slow = (input: unknown, scale: number) => {
    const text = typeof input === 'number' ? String(input) : String(input).trim()
    const value = new Decimal(text)
    if (value.decimalPlaces() > scale) return 'too many decimals'
    return value.toFixed(scale)
  }
  const inputs: unknown[] = ['0', '-0', '0.10', '200.07', '-3.5', '007.50', '1.500', 12, 0.1, -0.25, '99999999999.99', '1e3', ' 5 ', '-0.00', '1,234.50']
  it('parses like decimal.js, with the same errors', () => {
    for (const input of inputs) {
      for (const scale of [0, 2, 4]) {
        const result = parseDecimal(input, scale)
        const expected = (() => {
          try {
            return slow(typeof input === 'string' ? input.replace(/,/g, '') : input, scale)
          } catch {
            return 'not a number'
          }
        })()
        if (result.ok) expect(result.value, `${String(input)} @${scale}`).toBe(expected === '-0' ? '0' : expected.replace(/^-(0(\.0+)?)$/, '$1'))
        else expect(['too many decimals', 'not a number'], `${String(input)} @${scale}: ${result.error.message}`).toContain(expected === 'too many decimals' ? expected : 'not a number')
      }
    }
  })
  it('scales to integers and back exactly', () => {
    for (const [text, scale, stored] of [
      ['200.07', 2, 20007],
      ['-0.50', 2, -50],
      ['0.00', 2, 0],
      ['123456789012.34', 2, 12345678901234],
      ['5', 0, 5],
      ['-0.0001', 4, -1],
    ] as const) {
      expect(toScaledInteger(text, scale)).toBe(stored)
      expect(fromScaledInteger(stored, scale)).toBe(text)
      expect(fromScaledInteger(String(stored), scale)).toBe(text)
    }
    expect(fromScaledInteger(0, 2)).toBe('0.00')
    expect(fromScaledInteger('-5', 2)).toBe('-0.05')
    expect(parseDecimal('1.005', 2)).toEqual({ ok: false, error: { code: 'too_many_decimals', params: { max: 2 }, message: 'has more than 2 decimal places' } })
    expect(parseDecimal(0.1 + 0.2, 2).ok).toBe(false)
  })
})
