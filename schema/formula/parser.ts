import { FormulaError } from './errors'
// Generated ahead of time from ./grammar by scripts/build-grammar.ts, so that the Peggy compiler
// (large, and it needs eval) is not loaded at runtime. Regenerate after editing the grammar.
import * as parser from './parser.generated.js'
import type { FormulaNode } from './types'

/** Full-width punctuation that Chinese input methods produce, and what was probably meant. */
const FULL_WIDTH: Record<string, string> = {
  '（': '(', '）': ')', '，': ',', '“': '"', '”': '"', '＋': '+', '－': '-', '＊': '*', '／': '/',
  '＝': '=', '＜': '<', '＞': '>', '＆': '&', '％': '%', '｛': '{', '｝': '}', '．': '.', '。': '.',
}

function hintFor(found: string): string {
  if (FULL_WIDTH[found]) return ` (use the ASCII "${FULL_WIDTH[found]}" instead of the full-width "${found}")`
  if (/\p{L}/u.test(found) && !/[A-Za-z]/.test(found)) return ' (put names in braces, e.g. {数量})'
  return ''
}

/** Parse formula text into a plain JSON AST. Throws FormulaError (code 'syntax'). */
export function parseFormula(source: string): FormulaNode {
  if (source.trim() === '') throw new FormulaError('syntax', 'the formula is empty', 0)
  try {
    return parser.parse(source) as FormulaNode
  } catch (error) {
    // Stack overflow on pathological input such as a thousand nested parentheses.
    if (error instanceof RangeError) throw new FormulaError('syntax', 'the formula is nested too deeply', 0)
    if (!(error instanceof parser.SyntaxError)) throw error
    const position = error.location.start.offset
    // Errors raised by error() in the grammar carry their own message and no `expected`.
    if (error.expected === null) throw new FormulaError('syntax', `${error.message} at position ${position}`, position)
    const found = error.found
    const message =
      found === null || found === undefined
        ? `unexpected end of formula at position ${position}`
        : `unexpected ${JSON.stringify(found)} at position ${position}${hintFor(found)}`
    throw new FormulaError('syntax', message, position, position + (found?.length ?? 0))
  }
}
