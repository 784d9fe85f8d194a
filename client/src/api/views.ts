import { api } from './client'
import type { ViewDefinition } from './types'

export type ViewScope = 'shared' | 'personal'

/** A view as GET /api/forms/:form/views lists it (docs/views.md). */
export type SavedView = ViewDefinition & {
  scope: ViewScope
  /** shared views the pack declares */
  from_pack: boolean
  /** the caller may save or delete it */
  editable: boolean
}

const base = (form: string) => `/api/forms/${encodeURIComponent(form)}/views`

export const viewsApi = {
  list: (form: string) => api.get<{ data: SavedView[] }>(base(form)).then((r) => r.data),
  create: (form: string, view: Partial<ViewDefinition> & { scope: ViewScope }) => api.post<{ data: SavedView }>(base(form), view).then((r) => r.data),
  update: (form: string, key: string, view: ViewDefinition & { scope: ViewScope }) =>
    api.put<{ data: SavedView }>(`${base(form)}/${encodeURIComponent(key)}`, view).then((r) => r.data),
  remove: (form: string, key: string, scope: ViewScope) => api.delete(`${base(form)}/${encodeURIComponent(key)}?scope=${scope}`),
}
