import { Decimal } from '../../schema/lib/decimal'
import type { ApiRecord } from '../records/types'

/**
 * A courier's freight for a parcel: the province's first-weight price, plus the extra price for
 * every started kilogram beyond the first weight (the courier's defaults where the province has
 * no line of its own).
 */
export function estimateFreight(courier: ApiRecord, province: string, weightKg: string): string {
  const lines = (courier.freight as Record<string, unknown>[] | undefined) ?? []
  const line = lines.find((l) => String(l.province) === province || (province && String(l.province).startsWith(province.replace(/[省市]$/, ''))))
  const firstWeight = new Decimal(String(line?.first_weight ?? courier.default_first_weight ?? '1'))
  const firstPrice = new Decimal(String(line?.first_price ?? courier.default_first_price ?? '0'))
  const extraPrice = new Decimal(String(line?.extra_price ?? courier.default_extra_price ?? '0'))
  const extra = Decimal.max(new Decimal(weightKg || '0').minus(firstWeight), 0).ceil()
  return firstPrice.plus(extra.mul(extraPrice)).toFixed(2)
}
