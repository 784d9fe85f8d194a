import { request } from './client'

/** The three statements (server/reports): lines as the bookkeeper's layout, amounts as decimal strings. */
export type StatementKey = 'income-statement' | 'cash-flow' | 'balance-sheet'

export interface StatementLine {
  account?: string | null
  label: string
  amount: string | null
  lines?: StatementLine[]
  [column: string]: unknown
}

export interface Statement {
  lines: StatementLine[]
  totals: Record<string, string>
  [extra: string]: unknown
}

export type StatementParams = { from?: string; to?: string; at?: string; shop?: number | null }

function query(params: StatementParams): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value))
  return search.toString()
}

export const reportsApi = {
  get: (statement: StatementKey, params: StatementParams) => request<{ data: Statement }>('GET', `/api/reports/${statement}?${query(params)}`).then((r) => r.data),
  /** the same statement as an Excel workbook (downloaded by the browser) */
  exportUrl: (statement: StatementKey, params: StatementParams) => `/api/reports/${statement}/export?${query({ ...params })}`,
}
