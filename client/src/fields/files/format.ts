import { fileList, idOf } from '../shared/format'

export const formatFiles = (value: unknown) =>
  fileList(value)
    .map((f) => f.name)
    .join('、')

export const fileIds = (value: unknown) => fileList(value).map(idOf)
