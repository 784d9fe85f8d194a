import { formatDecimal } from '../shared/format'
import type { FieldUi } from '../types'
import NumberFilter from './NumberFilter.vue'
import NumberWidget from './NumberWidget.vue'

export const number: FieldUi = {
  widget: NumberWidget,
  format: (value, ctx) => formatDecimal(value, ctx.info.money),
  filter: NumberFilter,
  align: 'right',
  width: 110,
}
