import { Type, type TProperties, type TObject } from '@sinclair/typebox'
import { LocalizedText } from '../lib/localized'

/**
 * Keys become SQL identifiers (`f_<form>__<field>`), so they are short, lower-case ASCII. No double
 * underscore: it joins a form to its child tables and names backup columns (`<key>__bak<n>`).
 */
export const KEY_PATTERN = '^[a-z](?:_?[a-z0-9])*_?$'
export const MAX_KEY_LENGTH = 28

/**
 * Names a key may not take because code looks keys up in plain objects, where they would find
 * Object.prototype's members (`constructor`, `__proto__`, `toString`…) instead of nothing.
 * Most of them already fail KEY_PATTERN; they are listed whole so the refusal says why.
 */
export const RESERVED_KEYS: readonly string[] = [...Object.getOwnPropertyNames(Object.prototype), 'prototype'].sort()

export function isReservedKey(key: string): boolean {
  return RESERVED_KEYS.includes(key)
}

/** schema/validate/ajv.ts reports the `not` with its own code (key_reserved). */
export const Key = Type.String({ pattern: KEY_PATTERN, maxLength: MAX_KEY_LENGTH, not: { enum: RESERVED_KEYS } })

/** Columns every form table has; field keys may not take these names. */
export const SYSTEM_COLUMNS = [
  'id',
  'version',
  'created_at',
  'updated_at',
  'created_by',
  'updated_by',
  'doc_status',
  'parent_id',
  'line_no',
] as const

/**
 * "When another field has a value": `{field}` holds when that field (beside this one) is not blank
 * (a checkbox: ticked); with `equals` when its value is one of those (a select's option values).
 */
export const FieldCondition = Type.Object(
  {
    field: Key,
    equals: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean()]), { minItems: 1 })),
  },
  { additionalProperties: false },
)

export const commonFieldProperties = {
  key: Key,
  label: LocalizedText,
  description: Type.Optional(LocalizedText),
  required: Type.Optional(Type.Boolean()),
  unique: Type.Optional(Type.Boolean()),
  readonly: Type.Optional(Type.Boolean({ description: 'not writable by users (forms or API): actions, rules and the sync set it' })),
  hidden: Type.Optional(Type.Boolean({ description: 'not shown in forms and grids by default' })),
  index: Type.Optional(Type.Boolean({ description: 'create a database index on this field' })),
  default: Type.Optional(Type.Unknown()),
  width: Type.Optional(Type.Integer({ minimum: 40, maximum: 1200 })),
  placeholder: Type.Optional(LocalizedText),
  visible_when: Type.Optional({ ...FieldCondition, description: 'shown only while the condition holds; not required while hidden' }),
  required_when: Type.Optional({ ...FieldCondition, description: 'required while the condition holds (checked by the server on write)' }),
}

/** The full schema of one field type: the common properties plus its own. */
export function fieldSchema(type: string, own: TProperties): TObject {
  const properties: TProperties = { ...commonFieldProperties, type: Type.Literal(type), ...own }
  return Type.Object(properties, { additionalProperties: false })
}

/** A decimal bound in a template: a number or a decimal string. */
export const DecimalBound = Type.Union([Type.Number(), Type.String({ pattern: '^-?\\d+(\\.\\d+)?$' })])
