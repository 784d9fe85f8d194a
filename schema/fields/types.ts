import type { TObject } from '@sinclair/typebox'
import type { CompiledFormula } from '../formula'
import type { LocalizedText } from '../lib/localized'
import type { Problem } from '../messages/problem'

/**
 * What a field holds once its form is compiled. Field types map onto a handful of value kinds;
 * each kind knows how to read input, store and load itself (see ../values/).
 */
export type ValueKind =
  | 'text'
  | 'decimal'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'link'
  | 'user'
  | 'text_list'
  | 'link_list'
  | 'files'
  | 'address'
  | 'lines'

export type ColumnKind = 'text' | 'long_text' | 'integer' | 'bigint' | 'boolean' | 'date' | 'epoch_ms'

export type Storage =
  /** one column named after the field key */
  | { kind: 'column'; column: ColumnKind }
  /** several columns `<key>_<part>` (address) */
  | { kind: 'columns'; parts: { part: string; column: ColumnKind }[] }
  /** a child table `f_<form>__<key>` of (parent_id, line_no, value) */
  | { kind: 'values'; column: ColumnKind }
  /** a child table `f_<form>__<key>` holding sub-form lines with their own columns */
  | { kind: 'lines' }
  /** not stored: computed when read */
  | { kind: 'none' }

/** How a field gets its value when the system, not the user, decides it. */
export type ComputedBy = 'formula' | 'rollup' | 'lookup' | 'copy' | 'auto_number'

/** The definition of a field as written in a template (type-specific properties included). */
export interface FieldDefinition {
  key: string
  type: string
  label: LocalizedText
  description?: LocalizedText
  required?: boolean
  unique?: boolean
  readonly?: boolean
  hidden?: boolean
  index?: boolean
  default?: unknown
  width?: number
  placeholder?: LocalizedText
  [option: string]: unknown
}

export interface ResolvedValue {
  kind: ValueKind
  /** decimals kept by a decimal value (0 for integers, 2 for money) */
  scale?: number
  /** 'money' shows a currency sign; purely presentational */
  money?: boolean
  /** for link and link_list: the form linked to */
  target?: string
  /** for text kinds that should be shown as multi-line */
  multiline?: boolean
}

/** A problem found while resolving a field against its form and the other forms. */
export interface DefinitionProblem {
  /** path below the field, e.g. 'form' or 'formula' */
  at: string
  message: string
}

/** What a field type needs to know about the forms around it when it resolves. */
export interface ResolveContext {
  /** the fields beside this one (a sub-form's own fields when resolving inside a sub-form) */
  sibling(key: string): FieldDefinition | undefined
  allSiblings(): FieldDefinition[]
  siblingValue(key: string): ResolvedValue | undefined
  /** another form's field, resolved */
  formField(form: string, key: string): { field: FieldDefinition; value: ResolvedValue } | undefined
  formExists(form: string): boolean
  /** inside a sub-form: the parent form's fields */
  parent?: ResolveContext
  /** the key path of the form being resolved (`quotes` or `quotes.lines`) */
  formPath: string
}

export interface Resolution {
  value: ResolvedValue
  storage: Storage
  computed?: ComputedBy
  problems?: DefinitionProblem[]
  /** for formula fields: the compiled formula */
  formula?: CompiledFormula
}

/** Per-type checks of a normalized value (options, length, range…), beyond what its kind checks. */
export type ValueCheck = (value: unknown, field: FieldDefinition) => Problem | null

export interface FieldTypeDefinition {
  type: string
  label: LocalizedText
  /** JSON Schema (TypeBox) of the field definition, including the common properties */
  schema: TObject
  /** true when the value is never written by users (formula, rollup, lookup, auto-number) */
  computed?: boolean
  resolve(field: FieldDefinition, ctx: ResolveContext): Resolution
  check?: ValueCheck
}
