import { Decimal } from '../../schema/lib/decimal'
import type { RecordsService } from '../records/service'
import type { ApiRecord } from '../records/types'

export type Line = Record<string, unknown> & { id: number }

/** {id, display} → id */
export function idOf(value: unknown): number | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'object' && 'id' in value) return Number((value as { id: unknown }).id)
  return Number(value)
}

export function linesOf(record: ApiRecord, key = 'lines'): Line[] {
  return (record[key] as Line[] | undefined) ?? []
}

/** A value as read → as written: links ({id, display}) become their id. */
export function plain(value: unknown): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && 'id' in value ? (value as { id: unknown }).id : value
}

export const decimal = (value: unknown) => new Decimal(String(value ?? 0))

/** The settings form's single record (or an empty one). */
export async function readSettings(service: RecordsService): Promise<Record<string, unknown>> {
  if (!service.hasForm('settings')) return {}
  return (await service.list('settings', { limit: 1, total: false })).data[0] ?? {}
}

export function nowIso(now = Date.now()): string {
  return new Date(now).toISOString()
}
