import FilesCell from '../files/FilesCell.vue'
import PresenceFilter from '../shared/PresenceFilter.vue'
import { fileIds, formatFiles } from '../files/format'
import type { FieldUi } from '../types'
import AttachmentWidget from './AttachmentWidget.vue'

export const attachment: FieldUi = {
  widget: AttachmentWidget,
  format: formatFiles,
  cell: FilesCell,
  filter: PresenceFilter,
  width: 160,
  wide: true,
  toInput: fileIds,
}
