import type { FormulaScope, FormulaType } from '../formula'
import { allSpellings } from '../lib/localized'
import type { FieldModel, TableModel } from './types'

const formulaType = (field: FieldModel | undefined): FormulaType | undefined => field?.codec.formulaType ?? undefined

function byKeyOrLabel(table: TableModel, name: string, braced: boolean): FieldModel | undefined {
  return table.field(name) ?? (braced ? table.fields.find((f) => allSpellings(f.def.label).includes(name)) : undefined)
}

/**
 * A formula scope over compiled tables: bare names are fields of `table`, `lines.x` its sub-form
 * columns, and `<member>.x` any of the extra tables (parent, balance, an earlier posting…).
 */
export function tableScope(table: TableModel, members: Record<string, TableModel> = {}): FormulaScope {
  return {
    resolve(name, braced) {
      const field = byKeyOrLabel(table, name, braced)
      const type = formulaType(field)
      return field && type ? { key: field.key, type } : undefined
    },
    resolveMember(object, member, braced) {
      const extra = members[object]
      if (extra) {
        const field = byKeyOrLabel(extra, member, Boolean(braced))
        const type = formulaType(field)
        return field && type ? { key: `${object}.${field.key}`, type } : undefined
      }
      const sub = byKeyOrLabel(table, object, Boolean(braced))
      const column = sub?.lines ? byKeyOrLabel(sub.lines, member, Boolean(braced)) : undefined
      const type = formulaType(column)
      return sub && column && type ? { key: `${sub.key}.${column.key}`, type, list: true } : undefined
    },
  }
}
