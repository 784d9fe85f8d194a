import type { FieldUi } from '../types'
import BooleanFilter from './BooleanFilter.vue'
import CheckCell from './CheckCell.vue'
import CheckboxWidget from './CheckboxWidget.vue'

export const checkbox: FieldUi = {
  widget: CheckboxWidget,
  format: (value) => (value === true ? '✓' : ''),
  cell: CheckCell,
  filter: BooleanFilter,
  align: 'center',
  width: 80,
}
