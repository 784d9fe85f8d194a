import type { Reference, StoredFile } from '@/api/types'
import { localize, type Locale, type LocalizedText } from '@schema/lib/localized'
import type { FieldContext } from '../types'

export const isBlank = (v: unknown) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)

/** "1234567.5" → "1,234,567.5" without ever turning the decimal into a float. */
export function groupDigits(text: string): string {
  const [int, frac] = text.split('.')
  const sign = int.startsWith('-') ? '-' : ''
  const digits = int.replace(/^[-+]/, '').replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${sign}${digits}${frac !== undefined ? `.${frac}` : ''}`
}

export function formatDecimal(value: unknown, money = false): string {
  if (isBlank(value)) return ''
  const grouped = groupDigits(String(value))
  if (!money) return grouped
  // -¥22.00, as a refund or an issue reads in Chinese accounts (not ¥-22.00)
  return grouped.startsWith('-') ? `-¥${grouped.slice(1)}` : `¥${grouped}`
}

/** Datetimes are read as "2026-11-27T10:00:00.000+08:00": show the business wall clock as given. */
export function formatDateTime(value: unknown, seconds = false): string {
  if (isBlank(value)) return ''
  const text = String(value)
  return `${text.slice(0, 10)} ${text.slice(11, seconds ? 19 : 16)}`.trim()
}

export function referenceDisplay(value: unknown): string {
  if (isBlank(value)) return ''
  if (typeof value === 'object' && value !== null && 'id' in value) {
    const ref = value as Reference
    return ref.display ?? `#${ref.id}`
  }
  return `#${String(value)}`
}

export function idOf(value: unknown): unknown {
  if (value === null || value === undefined || value === '') return null
  return typeof value === 'object' && 'id' in (value as object) ? (value as { id: unknown }).id : value
}

export interface ChoiceOption {
  value: string
  label: LocalizedText
  color?: string
}

/** Options of a select field, or of the select a lookup reads. */
export function optionsOf(ctx: FieldContext): ChoiceOption[] {
  const def = ctx.source ?? ctx.def
  return Array.isArray(def.options) ? (def.options as ChoiceOption[]) : []
}

export function optionLabel(ctx: FieldContext, value: string, locale: Locale): string {
  const option = optionsOf(ctx).find((o) => o.value === value)
  return option ? localize(option.label, locale) : value
}

export function fileList(value: unknown): StoredFile[] {
  return Array.isArray(value) ? (value as StoredFile[]).filter((f) => f && typeof f === 'object') : []
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}
