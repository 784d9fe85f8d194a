import { evaluateFormula, type CompiledFormula, type FormulaInput, type FormulaValue } from '../formula'
import { Decimal, roundToScale } from '../lib/decimal'
import { formatDateTime, parseDateTimeText } from '../lib/time'
import type { ResolvedValue } from '../fields/types'

/** A canonical field value as the formula engine takes it. */
export function toFormulaInput(value: unknown, resolved: ResolvedValue | undefined): FormulaInput {
  if (value === null || value === undefined || value === '') return null
  switch (resolved?.kind) {
    case 'decimal':
      return new Decimal(String(value))
    case 'link':
    case 'user': {
      const id = typeof value === 'object' && value !== null && 'id' in value ? (value as { id: unknown }).id : value
      return new Decimal(String(id))
    }
    case 'datetime': {
      const ms = parseDateTimeText(String(value))
      return ms === null ? null : new Date(ms)
    }
    case 'boolean':
      return Boolean(value)
    default:
      return typeof value === 'string' ? value : String(value)
  }
}

/** A formula result as the canonical value of the field that holds it. */
export function fromFormulaValue(result: FormulaValue, resolved: ResolvedValue): unknown {
  if (result === null) return null
  switch (resolved.kind) {
    case 'decimal':
      return roundToScale(result instanceof Decimal ? result : new Decimal(String(result)), resolved.scale ?? 0)
    case 'datetime':
      return result instanceof Date ? formatDateTime(result.getTime()) : null
    case 'boolean':
      return Boolean(result)
    case 'date':
      return typeof result === 'string' ? result : null
    default:
      if (result instanceof Decimal) return result.toString()
      if (result instanceof Date) return formatDateTime(result.getTime())
      return String(result)
  }
}

/**
 * Evaluates a compiled formula; `read` returns the canonical value of a dependency key
 * ('qty', 'parent.rate') or the list of values of a sub-form column ('lines.amount').
 */
export function evaluateInto(
  formula: CompiledFormula,
  read: (dependency: string) => { value: unknown; resolved?: ResolvedValue } | { list: unknown[]; resolved?: ResolvedValue },
  target: ResolvedValue,
  now: Date,
): unknown {
  const values: Record<string, FormulaInput | FormulaInput[]> = {}
  for (const dependency of formula.dependencies) {
    const found = read(dependency)
    values[dependency] =
      'list' in found ? found.list.map((v) => toFormulaInput(v, found.resolved)) : toFormulaInput(found.value, found.resolved)
  }
  return fromFormulaValue(evaluateFormula(formula, values, { now }), target)
}
