import type { Request } from 'express'
import { badRequest, notFound } from '../lib/errors'

export function recordId(req: Request, name = 'id'): number {
  const raw = String(req.params[name] ?? '')
  if (!/^\d{1,15}$/.test(raw)) throw notFound(`record "${raw}" does not exist`)
  return Number(raw)
}

export function optionalInt(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined
  const text = String(value)
  if (!/^-?\d+$/.test(text)) throw badRequest(`${name} must be a whole number`)
  return Number(text)
}

export function queryString(value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw badRequest('repeated or structured query parameters are not supported here')
  return value
}
