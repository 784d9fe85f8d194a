import { checkRegion } from '../lib/regions'
import { problem } from '../messages/problem'
import type { ValueCodec } from './types'

export const ADDRESS_PARTS = ['province', 'city', 'district', 'detail'] as const
export type AddressPart = (typeof ADDRESS_PARTS)[number]
export type Address = Record<AddressPart, string | null>

const blankAddress = (): Address => ({ province: null, city: null, district: null, detail: null })

export const addressCodec: ValueCodec = {
  kind: 'address',
  normalize(input) {
    if (input === null || input === undefined || input === '') return { ok: true, value: null }
    if (typeof input !== 'object' || Array.isArray(input)) {
      return { ok: false, error: problem('address_must_be_object', 'must be {province, city, district, detail}') }
    }
    const address = blankAddress()
    for (const [part, raw] of Object.entries(input as Record<string, unknown>)) {
      if (!(ADDRESS_PARTS as readonly string[]).includes(part)) return { ok: false, error: problem('address_unknown_part', `unknown address part "${part}"`, { part }) }
      if (raw !== null && raw !== undefined && typeof raw !== 'string') return { ok: false, error: problem('address_part_must_be_text', `${part} must be text`, { part }) }
      address[part as AddressPart] = raw ? (raw as string).trim() || null : null
    }
    const regionProblem = checkRegion(address.province, address.city, address.district)
    if (regionProblem) return { ok: false, error: regionProblem }
    return { ok: true, value: ADDRESS_PARTS.every((p) => address[p] === null) ? null : address }
  },
  isEmpty: (v) => v === null || v === undefined,
  toStored: (v) => v ?? blankAddress(),
  fromStored(v) {
    const stored = (v ?? {}) as Partial<Address>
    const address = blankAddress()
    for (const part of ADDRESS_PARTS) address[part] = stored[part] ?? null
    return ADDRESS_PARTS.every((p) => address[p] === null) ? null : address
  },
  formulaType: null,
  filterOperators: ['is_empty', 'is_not_empty'],
  openApi: () => ({
    oneOf: [
      { type: 'null' },
      {
        type: 'object',
        properties: Object.fromEntries(ADDRESS_PARTS.map((p) => [p, { type: ['string', 'null'] }])),
      },
    ],
  }),
}

/** Sub-form lines are normalized line by line by the records service, against the lines' fields. */
export const linesCodec: ValueCodec = {
  kind: 'lines',
  normalize(input) {
    if (input === null || input === undefined) return { ok: true, value: [] }
    if (!Array.isArray(input)) return { ok: false, error: problem('lines_must_be_array', 'must be an array of lines') }
    if (input.some((line) => typeof line !== 'object' || line === null || Array.isArray(line))) {
      return { ok: false, error: problem('line_must_be_object', 'each line must be an object') }
    }
    return { ok: true, value: input }
  },
  isEmpty: (v) => !Array.isArray(v) || v.length === 0,
  toStored: (v) => v,
  fromStored: (v) => v ?? [],
  formulaType: null,
  filterOperators: ['any', 'all', 'is_empty', 'is_not_empty'],
  openApi: () => ({ type: 'array', items: { type: 'object' } }),
}
