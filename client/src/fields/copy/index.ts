import ReadonlyWidget from '../computed/ReadonlyWidget.vue'
import type { DerivedFieldUi } from '../types'

/**
 * A copied value (a line's unit price from the product) is edited with the widget of the value it
 * copies, unless the template says the copy is not editable.
 */
export const copy: DerivedFieldUi = {
  derive: (base) => ({ ...base, widget: base.widget }),
}

export const frozenCopy: DerivedFieldUi = { derive: (base) => ({ ...base, widget: ReadonlyWidget }) }
