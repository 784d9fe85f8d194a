import { CHINA_REGIONS, type Region } from '@schema/lib/regions'

export interface RegionOption {
  value: string
  label: string
  children?: RegionOption[]
}

let options: RegionOption[] | null = null

/** Cascader options keyed by name: addresses are stored as names, validated against the same data. */
export function regionOptions(): RegionOption[] {
  const map = (regions: Region[]): RegionOption[] =>
    regions.map((r) => ({ value: r.name, label: r.name, ...(r.children?.length ? { children: map(r.children) } : {}) }))
  options ??= map(CHINA_REGIONS)
  return options
}
