import type { MessageCode } from '../messages/catalog'
import type { MessageParams } from '../messages/problem'
import type { CompiledFormula } from '../formula'
import type { ComputedBy, FieldDefinition, FieldTypeDefinition, ResolvedValue, Storage } from '../fields/types'
import type { LocalizedText } from '../lib/localized'
import type { FormDefinition } from '../template/form'
import type { CompiledAction } from './actions'
import type { CompiledLedger, CompiledPosting } from './document-rules'
import type { ValueCodec } from '../values'

/** A field after its form is compiled: everything the server and client need to handle it. */
export interface FieldModel {
  key: string
  def: FieldDefinition
  type: FieldTypeDefinition
  codec: ValueCodec
  value: ResolvedValue
  storage: Storage
  computed?: ComputedBy
  /** formula fields and form rules */
  formula?: CompiledFormula
  /** sub-form fields: the lines' own table */
  lines?: TableModel
  /** fields of the same table this one is computed from (drives recompute order) */
  dependsOn: string[]
}

/** A form's main table or one of its sub-form tables. */
export interface TableModel {
  /** 'quotes' or 'quotes.lines' */
  path: string
  /** SQL table name: 'f_quotes' or 'f_quotes__lines' */
  table: string
  fields: FieldModel[]
  field(key: string): FieldModel | undefined
  /** computed fields in the order they must be computed */
  computeOrder: FieldModel[]
  parent?: TableModel
}

export interface CompiledRule {
  formula: CompiledFormula
  message: LocalizedText
  on: 'save' | 'submit'
}

export interface FormModel extends TableModel {
  key: string
  def: FormDefinition
  document: boolean
  /** the field that names a record; 'id' when the form has none */
  titleField: string
  rules: CompiledRule[]
  /** set when this form is a ledger keeping a balance form */
  ledger?: CompiledLedger
  /** ledger lines this form posts on its actions */
  postings: CompiledPosting[]
  /** buttons this form offers (documents: submit and void, plus the template's) */
  actions: CompiledAction[]
  /** editable_when: users may edit or delete a record only while it is TRUE */
  editable?: CompiledFormula
}

export interface ModelProblem {
  /** where, as a path into the template: 'forms[2].fields[5].type' */
  path: string
  message: string
  /** when the problem is a value's (a filter value, a default): its code and params */
  code?: MessageCode
  params?: MessageParams
}
