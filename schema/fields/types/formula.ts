import { Type } from '@sinclair/typebox'
import { compileFormula, FormulaError, type FormulaScope, type FormulaType } from '../../formula'
import { allSpellings } from '../../lib/localized'
import { codecFor } from '../../values'
import { fieldSchema } from '../common'
import { resolution } from '../storage'
import type { FieldTypeDefinition, ResolveContext, ResolvedValue } from '../types'

export const FORMULA_RESULTS = ['number', 'money', 'text', 'date', 'datetime', 'boolean'] as const

/** Fields a formula may read, as the formula engine sees them. */
export function formulaScope(ctx: ResolveContext): FormulaScope {
  const typeOf = (value: ResolvedValue | undefined): FormulaType | undefined =>
    value ? (codecFor(value.kind).formulaType ?? undefined) : undefined
  return {
    resolve(name, braced) {
      let field = ctx.sibling(name)
      if (!field && braced) field = ctx.allSiblings().find((f) => allSpellings(f.label).includes(name))
      if (!field) return undefined
      const type = typeOf(ctx.siblingValue(field.key))
      return type ? { key: field.key, type } : undefined
    },
    resolveMember(object, member) {
      if (object === 'parent' && ctx.parent) {
        const type = typeOf(ctx.parent.siblingValue(member))
        return type ? { key: `parent.${member}`, type } : undefined
      }
      const sub = ctx.sibling(object)
      if (!sub || sub.type !== 'sub_form') return undefined
      const column = ctx.formField(`${ctx.formPath}.${object}`, member)
      const type = typeOf(column?.value)
      return type ? { key: `${object}.${member}`, type, list: true } : undefined
    },
  }
}

export const formula: FieldTypeDefinition = {
  type: 'formula',
  label: { 'zh-CN': '公式', en: 'Formula' },
  computed: true,
  schema: fieldSchema('formula', {
    formula: Type.String({ minLength: 1 }),
    result: Type.Optional(Type.Union(FORMULA_RESULTS.map((r) => Type.Literal(r)))),
    scale: Type.Optional(Type.Integer({ minimum: 0, maximum: 6, description: 'decimals kept for number results (default 2)' })),
  }),
  resolve(field, ctx) {
    let compiled
    try {
      compiled = compileFormula(field.formula as string, formulaScope(ctx))
    } catch (error) {
      if (!(error instanceof FormulaError)) throw error
      return { ...resolution({ kind: 'text' }, { computed: 'formula' }), problems: [{ at: 'formula', message: error.message }] }
    }
    const declared = field.result as (typeof FORMULA_RESULTS)[number] | undefined
    const inferred = compiled.type
    const numeric = declared === 'number' || declared === 'money'
    if (declared && inferred !== 'any' && inferred !== 'null' && inferred !== (numeric ? 'number' : declared)) {
      return {
        ...resolution({ kind: 'text' }, { computed: 'formula' }),
        problems: [{ at: 'result', message: `the formula gives ${inferred}, not ${declared}` }],
      }
    }
    const type = declared ?? (inferred === 'any' || inferred === 'null' ? 'text' : inferred)
    const value: ResolvedValue =
      type === 'money'
        ? { kind: 'decimal', scale: (field.scale as number | undefined) ?? 2, money: true }
        : type === 'number'
          ? { kind: 'decimal', scale: (field.scale as number | undefined) ?? 2 }
          : { kind: type }
    // Clock-dependent formulas (TODAY, NOW) are computed when read, so they are never stale.
    if (compiled.volatile) return { value, storage: { kind: 'none' }, computed: 'formula', formula: compiled }
    return { ...resolution(value, { computed: 'formula' }), formula: compiled }
  },
}
