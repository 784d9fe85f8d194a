import { CHINA_REGIONS, type Region } from '../../../schema/lib/regions'

export interface SplitAddress {
  state: string | null
  city: string | null
  district: string | null
  /** 街道 / 镇 / 乡 when the detail starts with one */
  town: string | null
  /** everything after the district (town included), as exported (masked parts kept) */
  detail: string | null
  zip: string | null
}

const PROVINCE_SUFFIX = /(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$/
const CITY_SUFFIX = /(市|地区|盟|自治州)$/
const OUTSIDE_DATASET = /^(台湾|香港|澳门|海外|台湾省|香港特别行政区|澳门特别行政区)$/
const TOWN = /(街道|镇|乡|苏木|办事处)$/

/**
 * 收货地址 as the seller center writes it — `浙江省 杭州市 西湖区 文三路90号(310000)`: space-
 * separated province, city, district, then the street address, the zip in brackets at the end.
 * Split on those spaces when the first part is a province; otherwise (addresses typed without
 * spaces) the province, city and district are recognised from the bundled region list by name
 * (short names too: 浙江, 杭州). Whatever cannot be recognised stays in `detail`, so nothing of
 * the address is lost.
 */
export function splitAddress(text: string): SplitAddress {
  const result: SplitAddress = { state: null, city: null, district: null, town: null, detail: null, zip: null }
  let rest = text.trim()
  const zip = /\s*[(（]\s*(\d{6})\s*[)）]\s*$/.exec(rest)
  if (zip) {
    result.zip = zip[1]
    rest = rest.slice(0, zip.index).trim()
  }
  if (!rest) return result
  const tokens = rest.split(/\s+/)
  if (tokens.length >= 2 && isProvince(tokens[0])) {
    result.state = tokens[0]
    result.city = tokens[1]
    let detail = tokens.slice(2)
    if (detail.length >= 2 || (detail.length === 1 && isDistrict(tokens[0], tokens[1], detail[0]))) {
      result.district = detail[0]
      detail = detail.slice(1)
    }
    if (detail.length >= 2 && TOWN.test(detail[0])) result.town = detail[0]
    result.detail = detail.length ? detail.join(' ') : null
    return result
  }
  return { ...result, ...compact(rest) }
}

const short = (name: string, suffix: RegExp) => name.replace(suffix, '')

function findProvince(name: string): Region | undefined {
  return CHINA_REGIONS.find((p) => p.name === name || short(p.name, PROVINCE_SUFFIX) === name)
}

function isProvince(token: string): boolean {
  return findProvince(token) !== undefined || OUTSIDE_DATASET.test(token) || /(省|自治区|特别行政区)$/.test(token)
}

/** Cities of a province; a municipality's districts hang under 市辖区 / 县, so the province is its own city. */
function citiesOf(province: Region): Region[] {
  const children = province.children ?? []
  if (children.every((c) => c.name === '市辖区' || c.name === '县')) return [{ code: province.code, name: province.name, children: children.flatMap((c) => c.children ?? []) }]
  return children
}

function isDistrict(stateName: string, cityName: string, token: string): boolean {
  const province = findProvince(stateName)
  const city = province && citiesOf(province).find((c) => c.name === cityName || short(c.name, CITY_SUFFIX) === short(cityName, CITY_SUFFIX))
  if (city) return (city.children ?? []).some((d) => d.name === token)
  return /^[\u4e00-\u9fa5]{1,8}(区|县|市|旗)$/.test(token)
}

/** Longest name of `regions` (full, or short by `suffix`) that `text` starts with. */
function prefixMatch(text: string, regions: Region[], suffix: RegExp | null): { region: Region; length: number } | null {
  let best: { region: Region; length: number } | null = null
  for (const region of regions) {
    for (const name of suffix ? [region.name, short(region.name, suffix)] : [region.name]) {
      if (name.length >= 2 && text.startsWith(name) && (!best || name.length > best.length)) best = { region, length: name.length }
    }
  }
  return best
}

/** An address typed without spaces: province, city and district recognised by name. */
function compact(text: string): Partial<SplitAddress> {
  const found: Partial<SplitAddress> = {}
  let rest = text.replace(/\s+/g, ' ')
  const province = prefixMatch(rest, CHINA_REGIONS, PROVINCE_SUFFIX)
  if (!province) return { detail: rest }
  found.state = province.region.name
  rest = rest.slice(province.length).trim()
  const cities = citiesOf(province.region)
  let city = cities.length === 1 && cities[0].code === province.region.code ? { region: cities[0], length: 0 } : prefixMatch(rest, cities, CITY_SUFFIX)
  // 北京市北京市朝阳区…: a municipality's name repeated as its city.
  if (city && city.length === 0) {
    const again = prefixMatch(rest, [province.region], PROVINCE_SUFFIX)
    if (again) city = { region: city.region, length: again.length }
  }
  if (city) {
    found.city = city.region.name
    rest = rest.slice(city.length).trim()
    const district = prefixMatch(rest, city.region.children ?? [], null)
    if (district) {
      found.district = district.region.name
      rest = rest.slice(district.length).trim()
    }
  }
  const town = /^(\S{1,12}?(街道|镇|乡))/.exec(rest)
  if (town && town[1].length < rest.length) found.town = town[1]
  found.detail = rest || null
  return found
}
