import type { InjectionKey, Ref } from 'vue'
import type { FieldDefinition } from '../../../schema/fields/types'
import type { FormModel, ModelProblem, TableModel } from '../../../schema/model/types'
import type { FormDefinition } from '../../../schema/template/form'

/** What is selected in the designer: a field (or a sub-form column), a layout section, or the form. */
export type Selection = { kind: 'field'; key: string; column?: string } | { kind: 'section'; index: number } | { kind: 'form' }

/** Shared by the designer's panels (provided by FormDesigner.vue). */
export interface DesignerContext {
  draft: Ref<FormDefinition>
  /** the other installed forms, for links, lookups and copies */
  others: Ref<FormDefinition[]>
  /** the draft compiled with the others (refreshed shortly after each edit) */
  model: Ref<FormModel | undefined>
  /** template problems of the draft, with paths like `form.fields[3].formula` */
  problems: Ref<ModelProblem[]>
  selection: Ref<Selection>
  /** keys the server already stores (their key can no longer change) */
  savedKeys: Ref<ReadonlySet<string>>
  /** the compiled table of a field's form or sub-form ('' for the form itself) */
  table(subForm?: string): TableModel | undefined
  /** problems of one field, by its path below the form: 'fields[3]' or 'fields[3].fields[1]' */
  problemsAt(path: string): ModelProblem[]
  /** the template path of a field (or sub-form column) of the draft */
  pathOf(key: string, column?: string): string
  fieldOf(key: string, column?: string): FieldDefinition | undefined
}

export const DESIGNER: InjectionKey<DesignerContext> = Symbol('designer')
