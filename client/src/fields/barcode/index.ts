import { text } from '../text'
import type { FieldUi } from '../types'
import BarcodeWidget from './BarcodeWidget.vue'

export const barcode: FieldUi = { ...text, widget: BarcodeWidget, width: 150 }
