import type { LocalizedText } from '@schema/lib/localized'
import { api } from './client'

export type AuditSource = 'ui' | 'api' | 'import' | 'sync' | 'rule' | 'cli'
export const AUDIT_SOURCES: AuditSource[] = ['ui', 'api', 'import', 'sync', 'rule', 'cli']

/** One audit entry (docs/audit.md: what `changes` holds for each action). */
export interface AuditEntry {
  id: number
  at: string
  user_id: number | null
  actor_name: string | null
  token_id: number | null
  source: AuditSource | null
  ip: string | null
  form: string
  form_label?: LocalizedText | null
  record_id: number
  action: string
  changes: unknown
}

export interface RecordHistory {
  data: AuditEntry[]
  /** titles of linked records: {form: {id: title}} */
  titles: Record<string, Record<number, string>>
}

export interface AuditFilters {
  form?: string
  record_id?: number
  user?: number
  action?: string
  source?: string
  from?: string
  to?: string
}

export const auditApi = {
  history: (form: string, id: number) => api.get<RecordHistory>(`/api/forms/${encodeURIComponent(form)}/records/${id}/history`),
  list: (filters: AuditFilters, before: number | null, limit = 50) => {
    const query = new URLSearchParams()
    for (const [key, value] of Object.entries(filters)) if (value !== undefined && value !== null && value !== '') query.set(key, String(value))
    if (before) query.set('before', String(before))
    query.set('limit', String(limit))
    return api.get<{ data: AuditEntry[]; next_cursor: number | null }>(`/api/audit?${query}`)
  },
}
