import { ref, watch, type Ref } from 'vue'
import { aggregateRequest, applyFormulas, previousRange, type GlobalFilters, type Row } from '@schema/dashboards/query'
import type { Widget } from '@schema/dashboards/types'
import { dashboardsApi } from '@/api/dashboards'

/**
 * A widget's rows under the dashboard's filters, read with the aggregate endpoint (one SQL
 * aggregate per widget on the server); a KPI also reads the previous period of the same length.
 */
export function useWidgetData(widget: Ref<Widget>, globals: Ref<GlobalFilters>) {
  const rows = ref<Row[]>([])
  const previous = ref<Row | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  const truncated = ref(false)
  let controller: AbortController | null = null

  async function load() {
    controller?.abort()
    const mine = (controller = new AbortController())
    loading.value = true
    error.value = null
    const w = widget.value
    try {
      const current = dashboardsApi.aggregate(w.dataset.form, aggregateRequest(w.dataset, globals.value), mine.signal)
      const before =
        w.type === 'kpi' && globals.value.range && w.dataset.date_field && !w.options?.no_compare
          ? dashboardsApi.aggregate(w.dataset.form, aggregateRequest(w.dataset, { ...globals.value, range: previousRange(globals.value.range) }), mine.signal)
          : null
      const [now, then] = await Promise.all([current, before])
      if (mine.signal.aborted) return
      rows.value = applyFormulas(now.data, w)
      truncated.value = now.truncated
      previous.value = then ? (applyFormulas(then.data, w)[0] ?? null) : null
    } catch (e) {
      if ((e as Error).name === 'AbortError') return
      error.value = (e as Error).message
      rows.value = []
    } finally {
      if (controller === mine) loading.value = false
    }
  }

  watch([() => JSON.stringify(widget.value), () => JSON.stringify(globals.value)], load, { immediate: true })
  return { rows, previous, loading, error, truncated, reload: load }
}
