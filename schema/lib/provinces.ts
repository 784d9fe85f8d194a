/**
 * China's 34 provincial divisions by the short names the vendored map (echarts 4.9 china.json)
 * uses, and a normaliser so every spelling a platform or a person writes meets them:
 * 内蒙古自治区 / 内蒙古, 上海市 / 上海, 广西壮族自治区, 香港特别行政区, 台湾省 …
 */
export const PROVINCES = [
  '北京', '天津', '河北', '山西', '内蒙古', '辽宁', '吉林', '黑龙江', '上海', '江苏', '浙江', '安徽',
  '福建', '江西', '山东', '河南', '湖北', '湖南', '广东', '广西', '海南', '重庆', '四川', '贵州',
  '云南', '西藏', '陕西', '甘肃', '青海', '宁夏', '新疆', '台湾', '香港', '澳门',
] as const
export type Province = (typeof PROVINCES)[number]

/** English and pinyin spellings (seller-center exports and addresses typed in English). */
const ALIASES: Record<string, Province> = {
  beijing: '北京', tianjin: '天津', hebei: '河北', shanxi: '山西', 'inner mongolia': '内蒙古', neimenggu: '内蒙古',
  liaoning: '辽宁', jilin: '吉林', heilongjiang: '黑龙江', shanghai: '上海', jiangsu: '江苏', zhejiang: '浙江',
  anhui: '安徽', fujian: '福建', jiangxi: '江西', shandong: '山东', henan: '河南', hubei: '湖北', hunan: '湖南',
  guangdong: '广东', guangxi: '广西', hainan: '海南', chongqing: '重庆', sichuan: '四川', guizhou: '贵州',
  yunnan: '云南', tibet: '西藏', xizang: '西藏', shaanxi: '陕西', gansu: '甘肃', qinghai: '青海', ningxia: '宁夏',
  xinjiang: '新疆', taiwan: '台湾', 'hong kong': '香港', hongkong: '香港', macau: '澳门', macao: '澳门',
}

// Longest first, so no short name shadows a longer one that starts with it.
const BY_LENGTH = [...PROVINCES].sort((a, b) => b.length - a.length)

/** The map's name of a province written any common way, or null when it is not one. */
export function normalizeProvince(name: string | null | undefined): Province | null {
  if (!name) return null
  const text = name.trim().replace(/\s+/g, ' ')
  if (!text) return null
  const hit = BY_LENGTH.find((p) => text.startsWith(p))
  if (hit) return hit
  const latin = text.toLowerCase().replace(/\b(province|municipality|city|shi|sheng|autonomous region|special administrative region|sar)\b/g, '').trim()
  return Object.hasOwn(ALIASES, latin) ? ALIASES[latin] : null
}
