import { isBlank } from '../shared/format'
import type { FieldUi } from '../types'
import DateFilter from './DateFilter.vue'
import DateWidget from './DateWidget.vue'

export const date: FieldUi = {
  widget: DateWidget,
  format: (value) => (isBlank(value) ? '' : String(value).slice(0, 10)),
  filter: DateFilter,
  width: 120,
}
