import { compileFormula, FormulaError, type FormulaScope, type FormulaType } from '../../../schema/formula'
import { allSpellings } from '../../../schema/lib/localized'
import type { FieldModel, TableModel } from '../../../schema/model/types'
import { codecFor } from '../../../schema/values'

const typeOf = (field: FieldModel | undefined): FormulaType | undefined => (field ? (codecFor(field.value.kind).formulaType ?? undefined) : undefined)

/**
 * The fields a formula in `table` may read, as the server's formula scope sees them (see
 * schema/fields/types/formula.ts), built from the compiled draft instead of a resolve context.
 */
export function tableScope(table: TableModel): FormulaScope {
  return {
    resolve(name, braced) {
      let field = table.field(name)
      if (!field && braced) field = table.fields.find((f) => allSpellings(f.def.label).includes(name))
      const type = typeOf(field)
      return field && type ? { key: field.key, type } : undefined
    },
    resolveMember(object, member) {
      if (object === 'parent' && table.parent) {
        const type = typeOf(table.parent.field(member))
        return type ? { key: `parent.${member}`, type } : undefined
      }
      const lines = table.field(object)?.lines
      const type = typeOf(lines?.field(member))
      return type ? { key: `${object}.${member}`, type, list: true } : undefined
    },
  }
}

export type FormulaCheck =
  | { ok: true; type: FormulaType; volatile: boolean }
  | { ok: false; code: FormulaError['code'] | 'empty'; message: string; start: number; end: number }

/** Parses and type-checks a formula exactly as the server will; pure, so it runs as the merchant types. */
export function checkFormula(source: string, table: TableModel): FormulaCheck {
  if (!source.trim()) return { ok: false, code: 'empty', message: '', start: 0, end: 0 }
  try {
    const compiled = compileFormula(source, tableScope(table))
    return { ok: true, type: compiled.type, volatile: compiled.volatile }
  } catch (error) {
    if (!(error instanceof FormulaError)) throw error
    return { ok: false, code: error.code, message: error.message, start: error.position ?? 0, end: error.end ?? source.length }
  }
}
