import { prepareFilter } from '../filter/prepare'
import { systemColumns } from '../filter/targets'
import type { FieldModel, FormModel, ModelProblem, TableModel } from './types'
import { checkView } from './views'

const SPECIAL_DEFAULTS = new Set(['$current_user', '$today', '$now'])

/** Checks of everything in a form that refers to its fields: layout, views, indexes, defaults. */
export function checkFormExtras(form: FormModel, at: string, table: (path: string) => TableModel | undefined): ModelProblem[] {
  const problems: ModelProblem[] = []
  const def = form.def
  const push = (path: string, message: string) => problems.push({ path: `${at}.${path}`, message })

  if (def.title_field) {
    const title = form.field(def.title_field)
    if (!title) push('title_field', `unknown field "${def.title_field}"`)
    else if (title.storage.kind !== 'column') push('title_field', `"${def.title_field}" cannot name a record (it is not a single stored value)`)
  }

  const placed = new Map<string, string>()
  def.layout?.sections.forEach((section, i) =>
    section.fields.forEach((key, j) => {
      const path = `layout.sections[${i}].fields[${j}]`
      if (!form.field(key)) push(path, `unknown field "${key}"`)
      else if (placed.has(key)) push(path, `"${key}" is already placed at ${placed.get(key)}`)
      placed.set(key, path)
    }),
  )

  def.views?.forEach((view, i) => problems.push(...checkView(form, view, `${at}.views[${i}]`, table)))

  const checkIndexes = (of: TableModel, indexes: { fields: string[] }[] | undefined, path: string) =>
    indexes?.forEach((index, i) =>
      index.fields.forEach((key, j) => {
        const field = of.field(key)
        // A system column (created_at, a line's parent_id, …) may be indexed too: ledgers and lines are read by it.
        if (!field && key in systemColumns(of)) return
        if (!field) push(`${path}[${i}].fields[${j}]`, `unknown field "${key}"`)
        else if (field.storage.kind !== 'column') push(`${path}[${i}].fields[${j}]`, `"${key}" is not stored in a single column`)
      }),
    )
  checkIndexes(form, def.indexes, 'indexes')
  form.fields.forEach((field) => {
    if (field.lines) checkIndexes(field.lines, field.def.indexes as { fields: string[] }[] | undefined, `fields.${field.key}.indexes`)
  })

  checkFields(form, at, problems, table)
  return problems
}

function checkFields(
  table: TableModel,
  at: string,
  problems: ModelProblem[],
  lookup: (path: string) => TableModel | undefined,
) {
  table.fields.forEach((field, i) => {
    const path = `${at}.fields[${i}]`
    if (field.def.unique && field.storage.kind !== 'column') {
      problems.push({ path: `${path}.unique`, message: `"${field.key}" cannot be unique: it is not a single stored value` })
    }
    checkDefault(field, path, problems)
    checkConditions(table, field, path, problems)
    if (field.def.type === 'rollup' && field.def.filter !== undefined) {
      const rows = rollupRows(table, field, lookup)
      if (rows) for (const p of prepareFilter(field.def.filter, rows, null, `${path}.filter`).problems) problems.push(p)
    }
    if (field.lines) checkFields(field.lines, path, problems, lookup)
  })
}

function checkDefault(field: FieldModel, path: string, problems: ModelProblem[]) {
  const value = field.def.default
  if (value === undefined) return
  if (field.computed) {
    problems.push({ path: `${path}.default`, message: 'computed fields take no default' })
    return
  }
  if (typeof value === 'string' && SPECIAL_DEFAULTS.has(value)) {
    const fits =
      (value === '$current_user' && field.value.kind === 'user') ||
      (value === '$today' && field.value.kind === 'date') ||
      (value === '$now' && field.value.kind === 'datetime')
    if (!fits) problems.push({ path: `${path}.default`, message: `${value} does not fit a ${field.def.type} field` })
    return
  }
  const result = field.codec.normalize(value, field.value)
  const problem = result.ok ? field.type.check?.(result.value, field.def) : result.error
  if (problem) problems.push({ path: `${path}.default`, ...problem })
}

/** The rows a rollup aggregates: this form's own lines, or another form's records or lines. */
function rollupRows(table: TableModel, field: FieldModel, lookup: (path: string) => TableModel | undefined) {
  const source = field.def.source as string | { form: string; sub_form?: string }
  if (typeof source === 'string') return table.field(source)?.lines
  return lookup(source.sub_form ? `${source.form}.${source.sub_form}` : source.form)
}

/** `visible_when` / `required_when` name another field beside this one. */
function checkConditions(table: TableModel, field: FieldModel, path: string, problems: ModelProblem[]) {
  for (const property of ['visible_when', 'required_when'] as const) {
    const condition = field.def[property]
    if (!condition) continue
    const other = table.field(condition.field)
    if (!other || other.key === field.key) {
      problems.push({ path: `${path}.${property}.field`, message: `"${condition.field}" is not another field of this ${table.parent ? 'sub-form' : 'form'}` })
    } else if (other.lines) {
      problems.push({ path: `${path}.${property}.field`, message: `"${condition.field}" is a sub-form; a condition reads one value` })
    }
  }
}
