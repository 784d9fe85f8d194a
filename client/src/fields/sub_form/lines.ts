/** A line as the form holds it: the API's line values plus client bookkeeping (keys start with _). */
export type LineRow = Record<string, unknown> & {
  _key: string
  /** copy fields the user typed over: kept instead of re-copied when the link changes */
  _provided?: string[]
  id?: number
  line_no?: number
}

export const isClientKey = (key: string) => key.startsWith('_')
