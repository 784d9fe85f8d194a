import { text } from '../text'
import type { FieldUi } from '../types'
import TextareaWidget from './TextareaWidget.vue'

export const textarea: FieldUi = {
  ...text,
  widget: TextareaWidget,
  // one line in the grid; the full text is in the record
  format: (value) => (typeof value === 'string' ? value.replace(/\s+/g, ' ') : ''),
  width: 220,
  wide: true,
}
