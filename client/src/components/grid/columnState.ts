import type { ColumnState, GridApi } from 'ag-grid-community'
import { settingsApi } from '@/api/records'

interface SavedColumns {
  columns: { id: string; width?: number }[]
}

const key = (form: string) => `grid.${form}`

/** Applies the user's saved column order and widths (GET /api/me/settings/grid.<form>); true if there were any. */
export async function restoreColumns(api: GridApi, form: string): Promise<boolean> {
  const saved = await settingsApi.get<SavedColumns>(key(form)).catch(() => null)
  if (!saved?.columns?.length || api.isDestroyed()) return false
  const known = new Set(api.getColumnState().map((c) => c.colId))
  const state: ColumnState[] = saved.columns.filter((c) => known.has(c.id)).map((c) => ({ colId: c.id, ...(c.width ? { width: c.width } : {}) }))
  api.applyColumnState({ state, applyOrder: true })
  return true
}

/** Saves order and widths, debounced: resizing fires many events. */
export function columnSaver(form: string) {
  let timer: ReturnType<typeof setTimeout> | undefined
  return (api: GridApi) => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      if (api.isDestroyed()) return
      const columns = api
        .getColumnState()
        .filter((c) => !c.colId.startsWith('__') && !c.colId.startsWith('ag-'))
        .map((c) => ({ id: c.colId, width: c.width ?? undefined }))
      void settingsApi.put<SavedColumns>(key(form), { columns }).catch(() => undefined)
    }, 400)
  }
}
