import { formatDateTime as businessTime } from '@schema/lib/time'
import { formatDateTime } from '@/fields/shared/format'
import { i18n } from '@/i18n'

/** An instant from the API (ISO, UTC) on the business wall clock (UTC+8): "2026-11-27 10:00:05". */
export function timeText(iso: string | null | undefined, seconds = true): string {
  if (!iso) return ''
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? iso : formatDateTime(businessTime(ms), seconds)
}

/** How long a run took: "45 秒", "3 分 5 秒". */
export function durationText(from: string, to: string | null): string {
  if (!to) return ''
  const t = i18n.global.t
  const seconds = Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000))
  if (seconds < 60) return t('shops.duration.seconds', { s: seconds })
  return t('shops.duration.minutes', { m: Math.floor(seconds / 60), s: seconds % 60 })
}
