import { isBlank, optionLabel } from '../shared/format'
import type { FieldUi } from '../types'
import ChoiceFilter from './ChoiceFilter.vue'
import OptionTagsCell from './OptionTagsCell.vue'
import SelectWidget from './SelectWidget.vue'

export const select: FieldUi = {
  widget: SelectWidget,
  format: (value, ctx, { locale }) => (isBlank(value) ? '' : optionLabel(ctx, String(value), locale)),
  cell: OptionTagsCell,
  filter: ChoiceFilter,
  width: 120,
}
