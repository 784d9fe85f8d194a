import { address } from './types/address'
import { autoNumber } from './types/auto-number'
import { checkbox, multiSelect, select } from './types/choice'
import { attachment, image } from './types/files'
import { formula } from './types/formula'
import { money, number } from './types/number'
import { copy, link, lookup, user } from './types/relations'
import { rollup } from './types/rollup'
import { subForm } from './types/sub-form'
import { date, datetime } from './types/temporal'
import { barcode, text, textarea } from './types/text'
import type { FieldTypeDefinition } from './types'

/** Every field type, registered in one place. Adding a type means adding one module here. */
const FIELD_TYPES: FieldTypeDefinition[] = [
  text,
  textarea,
  number,
  money,
  date,
  datetime,
  select,
  multiSelect,
  checkbox,
  link,
  lookup,
  copy,
  rollup,
  subForm,
  formula,
  autoNumber,
  user,
  attachment,
  image,
  address,
  barcode,
]

const byType = new Map(FIELD_TYPES.map((t) => [t.type, t]))

export function fieldType(type: string): FieldTypeDefinition | undefined {
  return byType.get(type)
}

export function allFieldTypes(): readonly FieldTypeDefinition[] {
  return FIELD_TYPES
}
