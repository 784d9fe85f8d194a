import type { IDatasource, IGetRowsParams, SortModelItem } from 'ag-grid-community'
import { recordsApi } from '@/api/records'
import type { Filter, ListResult } from '@/api/types'

export interface DatasourceHooks {
  /** filters from outside the columns: the view's and the quick search */
  extraFilters(): Filter[]
  defaultSort(): string | undefined
  onLoading(loading: boolean): void
  onLoaded(result: ListResult): void
  onError(error: unknown): void
}

export function sortSpec(model: SortModelItem[]): string | undefined {
  return model.length ? model.map((s) => (s.sort === 'desc' ? `-${s.colId}` : s.colId)).join(',') : undefined
}

/** Column filter models are already filter-language conditions; AND them with the others. */
export function combineFilters(filterModel: Record<string, unknown> | null, extra: Filter[]): Filter | undefined {
  const all = [...extra, ...Object.values(filterModel ?? {}).filter(Boolean)] as Filter[]
  if (all.length === 0) return undefined
  return all.length === 1 ? all[0] : { and: all }
}

/** The Infinite Row Model's source: one POST …/records/query per block, with offset paging. */
export function createDatasource(form: string, hooks: DatasourceHooks): IDatasource {
  return {
    getRows(params: IGetRowsParams) {
      const limit = params.endRow - params.startRow
      const first = params.startRow === 0
      if (first) hooks.onLoading(true)
      recordsApi
        .query(form, {
          filter: combineFilters(params.filterModel, hooks.extraFilters()),
          sort: sortSpec(params.sortModel) ?? hooks.defaultSort(),
          limit,
          offset: params.startRow,
        })
        .then((result) => {
          const end = params.startRow + result.data.length
          // The last row is known when the block came back short, or from an exact total.
          const lastRow = result.data.length < limit ? end : result.total_is_estimate ? undefined : result.total
          params.successCallback(result.data, lastRow)
          hooks.onLoaded(result)
        })
        .catch((error) => {
          params.failCallback()
          hooks.onError(error)
        })
        .finally(() => first && hooks.onLoading(false))
    },
  }
}
