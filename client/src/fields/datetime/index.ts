import { date } from '../date'
import { formatDateTime } from '../shared/format'
import type { FieldUi } from '../types'
import DatetimeWidget from './DatetimeWidget.vue'

export const datetime: FieldUi = {
  ...date,
  widget: DatetimeWidget,
  format: (value) => formatDateTime(value),
  width: 150,
}
