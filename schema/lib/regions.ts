import regions from '../data/china-regions.json'
import { problem, type Problem } from '../messages/problem'

/** 省 → 市 → 区县, from the bundled offline dataset (see ../data/README.md). */
export interface Region {
  code: string
  name: string
  children?: Region[]
}

export const CHINA_REGIONS: Region[] = regions as Region[]

const byName = (list: Region[] | undefined, name: string) => list?.find((r) => r.name === name)

/** Explains why a province/city/district triple is not in the dataset, or returns null. */
export function checkRegion(province?: string | null, city?: string | null, district?: string | null): Problem | null {
  if (!province) return city || district ? problem('province_required_for_city', 'province is required when a city or district is given') : null
  const p = byName(CHINA_REGIONS, province)
  if (!p) return problem('unknown_province', `unknown province "${province}"`, { province })
  if (!city) return district ? problem('city_required_for_district', 'city is required when a district is given') : null
  const c = byName(p.children, city)
  if (!c) return problem('unknown_city', `"${city}" is not a city of ${province}`, { city, province })
  if (district && !byName(c.children, district)) return problem('unknown_district', `"${district}" is not a district of ${city}`, { district, city })
  return null
}
