import type { DashboardDefinition } from '@schema/dashboards/types'
import type { LocalizedText } from '@schema/lib/localized'
import { api } from './client'

export interface DashboardInfo {
  key: string
  label: LocalizedText
  pack: string | null
  own: boolean
  customized: boolean
  editable: boolean
  definition: DashboardDefinition
}

export interface AggregateResult {
  data: Record<string, unknown>[]
  truncated: boolean
}

export const dashboardsApi = {
  list: () => api.get<{ data: DashboardInfo[] }>('/api/dashboards').then((r) => r.data),
  get: (key: string) => api.get<{ data: DashboardInfo }>(`/api/dashboards/${encodeURIComponent(key)}`).then((r) => r.data),
  save: (key: string, def: DashboardDefinition) => api.put<{ data: DashboardInfo }>(`/api/dashboards/${encodeURIComponent(key)}`, def).then((r) => r.data),
  create: (def: DashboardDefinition) => api.post<{ data: DashboardInfo }>('/api/dashboards', def).then((r) => r.data),
  remove: (key: string) => api.delete(`/api/dashboards/${encodeURIComponent(key)}`),
  /** the records service's aggregate query, with the caller's permissions */
  aggregate: (form: string, body: Record<string, unknown>, signal?: AbortSignal) =>
    api.post<AggregateResult>(`/api/forms/${encodeURIComponent(form)}/records/aggregate`, body, { signal }),
  /** how many records match: one row asked, the total read */
  count: (form: string, filter: unknown) =>
    api.post<{ total: number }>(`/api/forms/${encodeURIComponent(form)}/records/query`, { filter, limit: 1 }).then((r) => r.total),
  syncFailures: () => api.get<{ data: { count: number } }>('/api/shops/sync-failures').then((r) => r.data.count),
}
