import type { LocalizedText } from '../lib/localized'
import type { MessageCode } from './catalog'

/** A param is shown as it is, or (LocalizedText from a template) in the reader's language. */
export type MessageParam = string | number | LocalizedText
export type MessageParams = Record<string, MessageParam>

/** Something wrong that a user will read: a stable code, its params, and the English words. */
export interface Problem {
  code: MessageCode
  params: MessageParams
  message: string
}

export function problem(code: MessageCode, message: string, params: MessageParams = {}): Problem {
  return { code, params, message }
}
