import type { ValueKind } from '../fields/types'
import { filesCodec, linkCodec, linkListCodec, textListCodec, userCodec } from './reference'
import { booleanCodec, dateCodec, datetimeCodec, decimalCodec, textCodec } from './scalar'
import { addressCodec, linesCodec } from './structured'
import type { ValueCodec } from './types'

const CODECS: Record<ValueKind, ValueCodec> = {
  text: textCodec,
  decimal: decimalCodec,
  boolean: booleanCodec,
  date: dateCodec,
  datetime: datetimeCodec,
  link: linkCodec,
  user: userCodec,
  text_list: textListCodec,
  link_list: linkListCodec,
  files: filesCodec,
  address: addressCodec,
  lines: linesCodec,
}

export function codecFor(kind: ValueKind): ValueCodec {
  return CODECS[kind]
}

export * from './types'
export { compareDecimal } from './scalar'
export { ADDRESS_PARTS, type Address } from './structured'
