import type { FieldUi } from '../types'
import LinesWidget from './LinesWidget.vue'

export const subForm: FieldUi = {
  widget: LinesWidget,
  format: (value) => (Array.isArray(value) ? `${value.length}` : ''),
  width: 80,
  wide: true,
  // the record form writes lines itself, line field by line field (see composables/recordState.ts)
}
