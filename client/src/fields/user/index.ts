import { idOf, referenceDisplay } from '../shared/format'
import type { FieldUi } from '../types'
import UserFilter from './UserFilter.vue'
import UserWidget from './UserWidget.vue'

export const user: FieldUi = {
  widget: UserWidget,
  format: referenceDisplay,
  filter: UserFilter,
  width: 110,
  toInput: idOf,
}
