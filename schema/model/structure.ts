import { SYSTEM_COLUMNS } from '../fields/common'
import type { FieldDefinition } from '../fields/types'
import type { ModelProblem } from './types'

const MULTI_VALUED = new Set(['multi_select', 'attachment', 'image'])

/** Checks of a table's field list as a whole: names, nesting, what may live in lines. */
export function checkTableStructure(
  fields: FieldDefinition[],
  fieldAt: (index: number) => string,
  isLines: boolean,
): ModelProblem[] {
  const problems: ModelProblem[] = []
  const seen = new Map<string, number>()
  const columnNames = new Set<string>()
  fields.forEach((field, i) => {
    const at = fieldAt(i)
    if (seen.has(field.key)) problems.push({ path: `${at}.key`, message: `duplicate key "${field.key}" (also fields[${seen.get(field.key)}])` })
    seen.set(field.key, i)
    if ((SYSTEM_COLUMNS as readonly string[]).includes(field.key)) {
      problems.push({ path: `${at}.key`, message: `"${field.key}" is a system column name; choose another key` })
    }
    if (isLines && field.type === 'sub_form') problems.push({ path: `${at}.type`, message: 'a sub-form cannot contain another sub-form' })
    if (isLines && (MULTI_VALUED.has(field.type) || (field.type === 'link' && field.multiple))) {
      problems.push({ path: `${at}.type`, message: `"${field.type}${field.multiple ? ' (multiple)' : ''}" fields are not supported inside a sub-form` })
    }
    if (field.type === 'address') {
      for (const part of ['province', 'city', 'district', 'detail']) columnNames.add(`${field.key}_${part}`)
    }
  })
  fields.forEach((field, i) => {
    if (columnNames.has(field.key)) {
      problems.push({ path: `${fieldAt(i)}.key`, message: `"${field.key}" clashes with a column of an address field` })
    }
  })
  return problems
}
