import { parseFormula } from './parser'
import type { FormulaNode } from './types'

export interface ReferenceToken {
  /** the field name, or for `a.b` the object part */
  name: string
  /** written in braces (for `a.b`: either part) */
  braced: boolean
  /** for `a.b`: the member part */
  member?: string
}

function references(node: FormulaNode, found: (FormulaNode & { kind: 'ref' | 'member' })[]): typeof found {
  switch (node.kind) {
    case 'ref':
    case 'member':
      found.push(node)
      break
    case 'unary':
      references(node.operand, found)
      break
    case 'binary':
      references(node.left, found)
      references(node.right, found)
      break
    case 'call':
      node.args.forEach((arg) => references(arg, found))
      break
  }
  return found
}

/**
 * Replace reference tokens in formula text, leaving everything else (strings, spacing, case) as
 * written. `rename` returns the complete new token text (use formatReference to add braces when
 * needed), or undefined to keep the token. Throws FormulaError when the source does not parse.
 *
 *   rewriteReferences('{数量} * {单价}', (r) => keyOf(r.name))           → 'qty * price'
 *   rewriteReferences('qty * price', (r) => formatReference(labelOf(r.name))) → '{数量} * {单价}'
 */
export function rewriteReferences(source: string, rename: (ref: ReferenceToken) => string | undefined): string {
  const tokens = references(parseFormula(source), []).sort((a, b) => a.start - b.start)
  let result = ''
  let copied = 0
  for (const node of tokens) {
    const ref: ReferenceToken =
      node.kind === 'ref'
        ? { name: node.name, braced: node.braced }
        : { name: node.object, braced: node.braced, member: node.member }
    const replacement = rename(ref)
    if (replacement === undefined) continue
    result += source.slice(copied, node.start) + replacement
    copied = node.end
  }
  return result + source.slice(copied)
}

const BARE = /^[A-Za-z_][A-Za-z0-9_]*$/
const KEYWORDS = /^(true|false|null)$/i

/** The token for a field name: bare when it is a plain identifier (`qty`), else braced (`{数量}`). */
export function formatReference(name: string, member?: string): string {
  const part = (text: string) => {
    if (BARE.test(text) && !KEYWORDS.test(text)) return text
    if (text.includes('}') || text.trim() === '') throw new Error(`cannot reference the name ${JSON.stringify(text)} in a formula`)
    return `{${text}}`
  }
  return member === undefined ? part(name) : `${part(name)}.${part(member)}`
}
