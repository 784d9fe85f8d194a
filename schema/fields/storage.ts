import type { ResolvedValue, Storage } from './types'

/** The usual storage of a value kind; field types only override it for special cases. */
export function defaultStorage(value: ResolvedValue): Storage {
  switch (value.kind) {
    case 'text':
      return { kind: 'column', column: value.multiline ? 'long_text' : 'text' }
    case 'decimal':
      return { kind: 'column', column: 'bigint' }
    case 'boolean':
      return { kind: 'column', column: 'boolean' }
    case 'date':
      return { kind: 'column', column: 'date' }
    case 'datetime':
      return { kind: 'column', column: 'epoch_ms' }
    case 'link':
    case 'user':
      return { kind: 'column', column: 'bigint' }
    case 'text_list':
      return { kind: 'values', column: 'text' }
    case 'link_list':
    case 'files':
      return { kind: 'values', column: 'bigint' }
    case 'address':
      return {
        kind: 'columns',
        parts: [
          { part: 'province', column: 'text' },
          { part: 'city', column: 'text' },
          { part: 'district', column: 'text' },
          { part: 'detail', column: 'text' },
        ],
      }
    case 'lines':
      return { kind: 'lines' }
  }
}

export function resolution(value: ResolvedValue, extra: { computed?: import('./types').ComputedBy } = {}) {
  return { value, storage: defaultStorage(value), ...extra }
}
