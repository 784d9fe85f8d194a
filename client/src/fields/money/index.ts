import { number } from '../number'
import type { FieldUi } from '../types'

/** Money is a number at scale 2 (or more) shown with ¥: the widget and format read info.money. */
export const money: FieldUi = { ...number, width: 120 }
