import { businessDate, formatDateTime } from '@schema/lib/time'
import { codecFor } from '@schema/values'
import type { FieldDefinition, FieldInfo, User } from '@/api/types'

/** A new record's or line's starting value, as the server would fill it in ($today, $current_user…). */
export function defaultValue(def: FieldDefinition, info: FieldInfo, me: User | null, now = Date.now()): unknown {
  if (info.kind === 'lines') return []
  if (info.computed && info.computed !== 'copy') return null
  const value = def.default
  if (value === undefined) return info.kind === 'text_list' || info.kind === 'link_list' || info.kind === 'files' ? [] : null
  if (value === '$current_user') return me ? { id: me.id, display: me.display_name } : null
  if (value === '$today') return businessDate(now)
  if (value === '$now') return formatDateTime(now)
  const normalized = codecFor(info.kind).normalize(value, info)
  return normalized.ok ? normalized.value : null
}

let sequence = 0
/** Keys for new lines, so Vue keeps each line's inputs in place as lines come and go. */
export const newLineKey = () => `line-${++sequence}`
