import ImageCell from '../files/ImageCell.vue'
import PresenceFilter from '../shared/PresenceFilter.vue'
import { fileIds, formatFiles } from '../files/format'
import type { FieldUi } from '../types'
import ImageWidget from './ImageWidget.vue'

export const image: FieldUi = {
  widget: ImageWidget,
  format: formatFiles,
  cell: ImageCell,
  filter: PresenceFilter,
  width: 110,
  wide: true,
  toInput: fileIds,
}
