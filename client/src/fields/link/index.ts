import { idOf, referenceDisplay } from '../shared/format'
import type { FieldUi } from '../types'
import LinkFilter from './LinkFilter.vue'
import LinkWidget from './LinkWidget.vue'

export const link: FieldUi = {
  widget: LinkWidget,
  format: (value) => (Array.isArray(value) ? value.map(referenceDisplay).join('、') : referenceDisplay(value)),
  filter: LinkFilter,
  width: 140,
  toInput: (value) => (Array.isArray(value) ? value.map(idOf) : idOf(value)),
}
