import ChoiceFilter from '../select/ChoiceFilter.vue'
import OptionTagsCell from '../select/OptionTagsCell.vue'
import { optionLabel } from '../shared/format'
import type { FieldUi } from '../types'
import MultiSelectWidget from './MultiSelectWidget.vue'

export const multiSelect: FieldUi = {
  widget: MultiSelectWidget,
  format: (value, ctx, { locale }) => (Array.isArray(value) ? value.map((v) => optionLabel(ctx, String(v), locale)).join('、') : ''),
  cell: OptionTagsCell,
  filter: ChoiceFilter,
  width: 180,
}
