import { problem, type Problem } from '../messages/problem'
import type { FilterOperator, Normalized, ValueCodec } from './types'

const ID_OPS: FilterOperator[] = ['eq', 'ne', 'in', 'not_in', 'is_empty', 'is_not_empty']
const LIST_OPS: FilterOperator[] = ['contains', 'not_contains', 'in', 'not_in', 'is_empty', 'is_not_empty']

/** A record id from input: 12, "12" or {id: 12}. */
export function normalizeId(input: unknown): Normalized {
  if (input === null || input === undefined || input === '') return { ok: true, value: null }
  const raw = typeof input === 'object' && input !== null && 'id' in input ? (input as { id: unknown }).id : input
  const id = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw
  if (typeof id === 'number' && Number.isSafeInteger(id) && id > 0) return { ok: true, value: id }
  return { ok: false, error: problem('must_be_record_id', 'must be a record id') }
}

/** Link values are ids when written and {id, display} when read (display joined by the query). */
function referenceCodec(kind: 'link' | 'user'): ValueCodec {
  return {
    kind,
    normalize: normalizeId,
    isEmpty: (v) => v === null || v === undefined,
    toStored: (v) => (v === null || v === undefined ? null : v),
    fromStored: (v) => (v === null || v === undefined ? null : Number(v)),
    // In formulas a link is the linked record's id: enough to compare two links.
    formulaType: 'number',
    filterOperators: ID_OPS,
    openApi: () => ({
      oneOf: [
        { type: 'null' },
        { type: 'object', properties: { id: { type: 'integer' }, display: { type: ['string', 'null'] } } },
      ],
      description: 'read as {id, display}; write an id',
    }),
  }
}

export const linkCodec = referenceCodec('link')
export const userCodec = referenceCodec('user')

/** A bad item is reported with its position (1-based) under the item's own code. */
function normalizeList(input: unknown, item: (v: unknown) => Normalized, itemProblem: (index: number, error: Problem) => Problem): Normalized {
  if (input === null || input === undefined || input === '') return { ok: true, value: [] }
  const items = Array.isArray(input) ? input : [input]
  const values: unknown[] = []
  for (const [index, raw] of items.entries()) {
    const result = item(raw)
    if (!result.ok) return { ok: false, error: itemProblem(index + 1, result.error) }
    if (result.value !== null && !values.includes(result.value)) values.push(result.value)
  }
  return { ok: true, value: values }
}

const textItem = (item: number, error: Problem) => problem('item_must_be_text', `item ${item} ${error.message}`, { item })
const idItem = (item: number, error: Problem) => problem('item_must_be_record_id', `item ${item} ${error.message}`, { item })

export const textListCodec: ValueCodec = {
  kind: 'text_list',
  normalize: (input) =>
    normalizeList(input, (v) =>
      typeof v === 'string' ? { ok: true, value: v === '' ? null : v } : { ok: false, error: problem('must_be_text', 'must be text') },
    textItem,
    ),
  isEmpty: (v) => !Array.isArray(v) || v.length === 0,
  toStored: (v) => v ?? [],
  fromStored: (v) => (Array.isArray(v) ? v.map(String) : []),
  formulaType: null,
  filterOperators: LIST_OPS,
  openApi: () => ({ type: 'array', items: { type: 'string' } }),
}

export const linkListCodec: ValueCodec = {
  kind: 'link_list',
  normalize: (input) => normalizeList(input, normalizeId, idItem),
  isEmpty: (v) => !Array.isArray(v) || v.length === 0,
  toStored: (v) => v ?? [],
  fromStored: (v) => (Array.isArray(v) ? v.map(Number) : []),
  formulaType: null,
  filterOperators: LIST_OPS,
  openApi: () => ({
    type: 'array',
    items: { type: 'object', properties: { id: { type: 'integer' }, display: { type: ['string', 'null'] } } },
    description: 'read as [{id, display}]; write an array of ids',
  }),
}

/** Attachments: written as file ids returned by POST /api/files, read as file descriptors. */
export const filesCodec: ValueCodec = {
  kind: 'files',
  normalize: (input) => normalizeList(input, normalizeId, idItem),
  isEmpty: (v) => !Array.isArray(v) || v.length === 0,
  toStored: (v) => v ?? [],
  fromStored: (v) => (Array.isArray(v) ? v.map(Number) : []),
  formulaType: null,
  filterOperators: ['is_empty', 'is_not_empty'],
  openApi: () => ({
    type: 'array',
    items: {
      type: 'object',
      properties: {
        id: { type: 'integer' },
        name: { type: 'string' },
        size: { type: 'integer' },
        mime: { type: 'string' },
        url: { type: 'string' },
      },
    },
    description: 'read as file descriptors; write an array of file ids from POST /api/files',
  }),
}
