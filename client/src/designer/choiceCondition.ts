/**
 * The common action condition — "while <a choice field> is one of these values" — as a formula and
 * back, so the designer can offer it point-and-click and keep every other condition a formula.
 */
export interface ChoiceCondition {
  field: string
  values: string[]
}

// Formula strings use Excel's escape: a quote inside is doubled.
const quote = (value: string) => `"${value.replace(/"/g, '""')}"`

/** `status = "pending"`, or `OR(status = "pending", status = "hold")`; undefined without values. */
export function choiceFormula(condition: ChoiceCondition): string | undefined {
  const terms = condition.values.map((v) => `${condition.field} = ${quote(v)}`)
  if (!terms.length) return undefined
  return terms.length === 1 ? terms[0] : `OR(${terms.join(', ')})`
}

const TERM = /\s*([a-z][a-z0-9_]*)\s*=\s*"((?:[^"]|"")*)"\s*(,|$)/y

/** The condition a formula written by choiceFormula states, or null for any other formula. */
export function parseChoiceFormula(formula: string): ChoiceCondition | null {
  const source = formula.trim()
  const or = /^OR\((.*)\)$/is.exec(source)
  const inner = or ? or[1] : source
  let field: string | undefined
  const values: string[] = []
  TERM.lastIndex = 0
  while (TERM.lastIndex < inner.length) {
    const m = TERM.exec(inner)
    if (!m || (field && m[1] !== field)) return null
    field = m[1]
    values.push(m[2].replace(/""/g, '"'))
    if (m[3] !== ',') break
  }
  if (!field || TERM.lastIndex < inner.length || (!or && values.length > 1)) return null
  return { field, values }
}
