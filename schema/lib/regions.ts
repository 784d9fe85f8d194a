import regions from '../data/china-regions.json'

/** 省 → 市 → 区县, from the bundled offline dataset (see ../data/README.md). */
export interface Region {
  code: string
  name: string
  children?: Region[]
}

export const CHINA_REGIONS: Region[] = regions as Region[]

const byName = (list: Region[] | undefined, name: string) => list?.find((r) => r.name === name)

/** Explains why a province/city/district triple is not in the dataset, or returns null. */
export function checkRegion(province?: string | null, city?: string | null, district?: string | null): string | null {
  if (!province) return city || district ? 'province is required when a city or district is given' : null
  const p = byName(CHINA_REGIONS, province)
  if (!p) return `unknown province "${province}"`
  if (!city) return district ? 'city is required when a district is given' : null
  const c = byName(p.children, city)
  if (!c) return `"${city}" is not a city of ${province}`
  if (district && !byName(c.children, district)) return `"${district}" is not a district of ${city}`
  return null
}
