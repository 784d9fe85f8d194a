import { shallowRef } from 'vue'
import type { IAfterGuiAttachedParams, IFilterParams } from 'ag-grid-community'
import type { FilterCondition } from '@schema/filter/types'
import type { Filter, FilterOperator } from '@/api/types'
import type { FieldContext } from '../types'

export interface GridFilterParams extends IFilterParams {
  ctx: FieldContext
}

export type Condition = FilterCondition

/** Operators of a filter that the field actually allows, in the filter's preferred order. */
export function allowedOps(ctx: FieldContext, preferred: FilterOperator[]): FilterOperator[] {
  const allowed = new Set(ctx.info.filter_operators)
  return preferred.filter((op) => allowed.has(op))
}

export const NO_VALUE_OPS: FilterOperator[] = ['is_empty', 'is_not_empty']

/**
 * The grid side of a column filter. The filter's model *is* a condition of the server's filter
 * language, so the datasource only has to AND the column models together. Filtering happens on
 * the server: doesFilterPass is never consulted by the Infinite Row Model.
 */
export function useGridFilter(params: GridFilterParams, read: (model: Condition | null) => void) {
  const applied = shallowRef<Condition | null>(null)
  let hide: (() => void) | undefined

  function apply(model: Condition | null) {
    applied.value = model
    params.filterChangedCallback()
    hide?.()
  }

  const exposed = {
    isFilterActive: () => applied.value !== null,
    getModel: (): Filter | null => applied.value,
    setModel(model: Condition | null) {
      applied.value = model ?? null
      read(applied.value)
    },
    doesFilterPass: () => true,
    afterGuiAttached(attached?: IAfterGuiAttachedParams) {
      hide = attached?.hidePopup
    },
  }
  return { applied, apply, exposed, field: params.ctx.key }
}
