import type { LocalizedText } from '@schema/lib/localized'
import { localize } from '@schema/lib/localized'
import { currentLocale, i18n } from '@/i18n'

/** A time as the admin pages show it: 2026-12-03 22:40. */
export function formatTime(ms: number | null | undefined): string {
  if (!ms) return ''
  const d = new Date(ms)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** A role's label: the one GET /api/roles gave, or the built-in role's words, or its key. */
export function roleLabel(key: string, label?: LocalizedText | string): string {
  if (label && label !== key) return typeof label === 'string' ? label : localize(label, currentLocale.value)
  const path = `people.roles.${key}`
  return i18n.global.te(path) ? i18n.global.t(path) : key
}
