import { isBlank } from '../shared/format'
import type { FieldUi } from '../types'
import TextFilter from './TextFilter.vue'
import TextWidget from './TextWidget.vue'

export const text: FieldUi = {
  widget: TextWidget,
  format: (value) => (isBlank(value) ? '' : String(value)),
  filter: TextFilter,
  width: 160,
}
