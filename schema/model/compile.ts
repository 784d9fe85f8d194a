import { compileFormula, FormulaError } from '../formula'
import { fieldType } from '../fields/registry'
import { formulaScope } from '../fields/types/formula'
import type { FieldDefinition, ResolveContext, Resolution } from '../fields/types'
import type { FormDefinition } from '../template/form'
import { codecFor } from '../values'
import { childTable, formTable } from './names'
import { compileDocumentRules } from './document-rules'
import { checkFormExtras } from './extras'
import { checkTableStructure } from './structure'
import type { CompiledRule, FieldModel, FormModel, ModelProblem, TableModel } from './types'

export interface FormSource {
  def: FormDefinition
  /** where the form sits in its template, for messages: 'forms[2]' (or the form key) */
  at: string
}

interface TableSource {
  path: string
  fields: FieldDefinition[]
  /** template path of fields[i] */
  fieldAt(index: number): string
  parentPath?: string
}

const PLACEHOLDER: Resolution = { value: { kind: 'text' }, storage: { kind: 'column', column: 'text' } }

/**
 * Compiles form definitions into models: every field resolved against the forms around it (link
 * targets, lookups, rollups, formulas), dependencies ordered, problems collected with the path to
 * the place in the template. Pure: the server, the validator and the client all use it.
 */
export function compileForms(sources: FormSource[]): { forms: Map<string, FormModel>; problems: ModelProblem[] } {
  const problems: ModelProblem[] = []
  const tables = new Map<string, TableSource>()
  for (const { def, at } of sources) {
    tables.set(def.key, { path: def.key, fields: def.fields, fieldAt: (i) => `${at}.fields[${i}]` })
    def.fields.forEach((field, i) => {
      if (field.type !== 'sub_form' || !Array.isArray(field.fields)) return
      tables.set(`${def.key}.${field.key}`, {
        path: `${def.key}.${field.key}`,
        fields: field.fields as FieldDefinition[],
        fieldAt: (j) => `${at}.fields[${i}].fields[${j}]`,
        parentPath: def.key,
      })
    })
  }

  const resolved = new Map<string, Resolution>()
  const resolving: string[] = []

  function resolveField(tablePath: string, key: string): Resolution | undefined {
    const table = tables.get(tablePath)
    const index = table?.fields.findIndex((f) => f.key === key) ?? -1
    if (!table || index < 0) return undefined
    const id = `${tablePath}#${key}`
    const cached = resolved.get(id)
    if (cached) return cached
    const at = table.fieldAt(index)
    if (resolving.includes(id)) {
      const cycle = [...resolving.slice(resolving.indexOf(id)), id].map((r) => r.replace('#', '.'))
      problems.push({ path: at, message: `circular reference: ${cycle.join(' → ')}` })
      return PLACEHOLDER
    }
    const def = table.fields[index]
    const type = fieldType(def.type)
    if (!type) return PLACEHOLDER // reported by the structural check
    resolving.push(id)
    let resolution: Resolution
    try {
      resolution = type.resolve(def, contextFor(tablePath))
    } finally {
      resolving.pop()
    }
    for (const p of resolution.problems ?? []) problems.push({ path: `${at}.${p.at}`, message: p.message })
    resolved.set(id, resolution)
    return resolution
  }

  function contextFor(tablePath: string): ResolveContext {
    const table = tables.get(tablePath)!
    return {
      formPath: tablePath,
      sibling: (key) => table.fields.find((f) => f.key === key),
      allSiblings: () => table.fields,
      siblingValue: (key) => resolveField(tablePath, key)?.value,
      formField(path, key) {
        const field = tables.get(path)?.fields.find((f) => f.key === key)
        const resolution = field && resolveField(path, key)
        return field && resolution ? { field, value: resolution.value } : undefined
      },
      formExists: (path) => tables.has(path),
      parent: table.parentPath ? contextFor(table.parentPath) : undefined,
    }
  }

  function buildTable(source: TableSource, sqlTable: string, parent?: TableModel): TableModel {
    problems.push(...checkTableStructure(source.fields, source.fieldAt, Boolean(parent)))
    const fields: FieldModel[] = []
    const model: TableModel = {
      path: source.path,
      table: sqlTable,
      fields,
      field: (key) => fields.find((f) => f.key === key),
      computeOrder: [],
      parent,
    }
    for (const def of source.fields) {
      const type = fieldType(def.type)
      if (!type) continue
      const resolution = resolveField(source.path, def.key) ?? PLACEHOLDER
      const field: FieldModel = {
        key: def.key,
        def,
        type,
        codec: codecFor(resolution.value.kind),
        value: resolution.value,
        storage: resolution.storage,
        computed: resolution.computed,
        formula: resolution.formula,
        dependsOn: sameTableDependencies(def, resolution),
      }
      if (def.type === 'sub_form' && tables.has(`${source.path}.${def.key}`)) {
        field.lines = buildTable(tables.get(`${source.path}.${def.key}`)!, childTable(sqlTable, def.key), model)
      }
      fields.push(field)
    }
    model.computeOrder = computeOrder(fields)
    return model
  }

  const forms = new Map<string, FormModel>()
  for (const { def, at } of sources) {
    const table = buildTable(tables.get(def.key)!, formTable(def.key))
    const form: FormModel = {
      ...table,
      field: table.field,
      key: def.key,
      def,
      document: Boolean(def.document),
      titleField: def.title_field ?? 'id',
      rules: compileRules(def, at, contextFor(def.key), problems),
      postings: [],
      actions: [],
    }
    for (const f of form.fields) if (f.lines) f.lines.parent = form
    forms.set(def.key, form)
  }
  const tableAt = (path: string): TableModel | undefined => {
    const [formKey, sub] = path.split('.')
    const form = forms.get(formKey)
    return sub ? form?.field(sub)?.lines : form
  }
  for (const { def, at } of sources) problems.push(...checkFormExtras(forms.get(def.key)!, at, tableAt))
  const atOf = new Map(sources.map((s) => [s.def.key, s.at]))
  compileDocumentRules(forms, (key) => atOf.get(key) ?? key, problems)
  return { forms, problems }
}

/** Same-table fields a computed field must wait for. */
function sameTableDependencies(def: FieldDefinition, resolution: Resolution): string[] {
  switch (resolution.computed) {
    case 'formula':
      // 'lines.amount' waits for the lines; 'parent.x' is the parent's input, ready before lines.
      return [...new Set((resolution.formula?.dependencies ?? []).filter((d) => !d.startsWith('parent.')).map((d) => d.split('.')[0]))]
    case 'copy':
      // a prorated copy follows its quantity as well as its link
      return def.prorate ? [def.link as string, (def.prorate as { by: string }).by] : [def.link as string]
    case 'lookup':
      return [def.link as string]
    case 'rollup':
      return typeof def.source === 'string' ? [def.source] : []
    default:
      return []
  }
}

/** Computed fields in dependency order (cycles were reported while resolving). */
function computeOrder(fields: FieldModel[]): FieldModel[] {
  const order: FieldModel[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const byKey = new Map(fields.map((f) => [f.key, f]))
  const visit = (field: FieldModel) => {
    if (state.has(field.key)) return
    state.set(field.key, 'visiting')
    for (const dep of field.dependsOn) {
      const target = byKey.get(dep)
      if (target) visit(target)
    }
    state.set(field.key, 'done')
    if (field.computed) order.push(field)
  }
  fields.forEach(visit)
  return order
}

function compileRules(def: FormDefinition, at: string, ctx: ResolveContext, problems: ModelProblem[]): CompiledRule[] {
  const rules: CompiledRule[] = []
  ;(def.rules ?? []).forEach((rule, i) => {
    try {
      const formula = compileFormula(rule.block_if, formulaScope(ctx))
      if (!['boolean', 'any', 'null'].includes(formula.type)) {
        problems.push({ path: `${at}.rules[${i}].block_if`, message: `must be a condition (TRUE or FALSE), not ${formula.type}` })
        return
      }
      rules.push({ formula, message: rule.message, on: rule.on ?? 'save' })
    } catch (error) {
      if (!(error instanceof FormulaError)) throw error
      problems.push({ path: `${at}.rules[${i}].block_if`, message: error.message })
    }
  })
  return rules
}

