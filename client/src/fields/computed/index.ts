import type { DerivedFieldUi } from '../types'
import ReadonlyWidget from './ReadonlyWidget.vue'

/** Looks like the value it computes (a money formula is right-aligned with ¥), but is read-only. */
const readOnly: DerivedFieldUi = { derive: (base) => ({ ...base, widget: ReadonlyWidget }) }

export const lookup = readOnly
export const rollup = readOnly
export const formula = readOnly
export const autoNumber = readOnly
