import type { Knex } from 'knex'
import { autoNumberPeriod, formatAutoNumber, parseAutoNumberPattern } from '../../schema/lib/auto-number'
import type { FieldModel, FormModel } from '../../schema/model/types'

/**
 * Reserves `count` consecutive numbers of an auto-number field inside the caller's transaction.
 * The upsert locks the counter row until commit, so concurrent creates — from any number of
 * processes — queue on it and never share a number; a rolled-back write gives its numbers back.
 */
export async function reserveNumbers(trx: Knex.Transaction, form: FormModel, field: FieldModel, count: number, now: number): Promise<string[]> {
  const pattern = parseAutoNumberPattern(field.def.pattern as string)
  if ('error' in pattern) throw new Error(pattern.error)
  const period = autoNumberPeriod(pattern, now)
  const result = await trx.raw(
    `INSERT INTO zg_sequences (form, field, period, value) VALUES (?, ?, ?, ?)
     ON CONFLICT (form, field, period) DO UPDATE SET value = zg_sequences.value + excluded.value
     RETURNING value`,
    [form.key, field.key, period, count],
  )
  const rows = Array.isArray(result) ? result : result.rows
  const last = Number(rows[0].value)
  return Array.from({ length: count }, (_, i) => formatAutoNumber(pattern, now, last - count + 1 + i))
}
