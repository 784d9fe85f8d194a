import { api } from './client'
import type { BulkActionResult, FormInfo, ListQuery, ListResult, RecordData, StoredFile, User } from './types'

const base = (form: string) => `/api/forms/${encodeURIComponent(form)}/records`

export const formsApi = {
  list: () => api.get<{ data: FormInfo[] }>('/api/forms').then((r) => r.data),
}

export const recordsApi = {
  query: (form: string, query: ListQuery, signal?: AbortSignal) => api.post<ListResult>(`${base(form)}/query`, query, { signal }),
  get: (form: string, id: number) => api.get<{ data: RecordData }>(`${base(form)}/${id}`).then((r) => r.data),
  create: (form: string, values: Record<string, unknown>) => api.post<{ data: RecordData }>(base(form), values).then((r) => r.data),
  update: (form: string, id: number, changes: Record<string, unknown>, version: number) =>
    api.patch<{ data: RecordData }>(`${base(form)}/${id}`, { ...changes, version }).then((r) => r.data),
  remove: (form: string, id: number) => api.delete(`${base(form)}/${id}`),
  removeMany: (form: string, ids: number[]) => api.post<{ data: { deleted: number } }>(`${base(form)}/delete`, { ids }).then((r) => r.data.deleted),
  action: (form: string, id: number, action: string, params: Record<string, unknown> = {}) =>
    api.post<{ data: RecordData; result: unknown }>(`${base(form)}/${id}/actions/${encodeURIComponent(action)}`, params),
  bulkAction: (form: string, ids: number[], action: string, params: Record<string, unknown> = {}) =>
    api.post<{ data: BulkActionResult }>(`${base(form)}/actions/${encodeURIComponent(action)}`, { ids, params }).then((r) => r.data),
}

export const filesApi = {
  upload(form: string, file: File): Promise<StoredFile> {
    const body = new FormData()
    body.append('file', file, file.name)
    return api.post<{ data: StoredFile }>(`/api/files?form=${encodeURIComponent(form)}`, body).then((r) => r.data)
  },
}

export const settingsApi = {
  get: <T>(key: string) => api.get<{ data: T | null }>(`/api/me/settings/${encodeURIComponent(key)}`).then((r) => r.data),
  put: <T>(key: string, value: T) => api.put<{ data: T }>(`/api/me/settings/${encodeURIComponent(key)}`, { value }),
}

export const authApi = {
  me: () => api.get<{ data: User }>('/api/auth/me', { allowUnauthorized: true }).then((r) => r.data),
  login: (username: string, password: string) =>
    api.post<{ data: User }>('/api/auth/login', { username, password }, { allowUnauthorized: true }).then((r) => r.data),
  logout: () => api.post<void>('/api/auth/logout', {}, { allowUnauthorized: true }),
  /** administrators only */
  users: () => api.get<{ data: User[] }>('/api/users').then((r) => r.data),
}
