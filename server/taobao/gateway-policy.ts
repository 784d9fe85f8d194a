/**
 * Where the Taobao client may send requests (shop gateways and their OAuth endpoints): Taobao's
 * own TOP gateways, origins an operator allow-lists (`ZG_TAOBAO_GATEWAYS`, the configured default
 * gateway), and the built-in demo simulator. Everything else is refused — loopback, private,
 * link-local and cloud-metadata addresses with their own reason, so a shop's gateway URL cannot be
 * used to reach the server's own network. Pure: no socket is opened and no name is resolved here.
 */

/** Taobao's gateways and the OAuth hosts that go with them (https only: secrets travel in them). */
export const OFFICIAL_GATEWAY_ORIGINS: readonly string[] = ['https://gw.api.taobao.com', 'https://gw.api.tbsandbox.com', 'https://oauth.taobao.com', 'https://oauth.tbsandbox.com']

export type GatewayRefusal = 'bad_url' | 'bad_scheme' | 'credentials_in_url' | 'private_address' | 'not_allowed'

export type GatewayVerdict = { ok: true; origin: string } | { ok: false; reason: GatewayRefusal; host: string | null }

export interface GatewayRules {
  /** origins allowed besides Taobao's (`http://127.0.0.1:4010`), normalized by parseGatewayOrigins */
  allowed: readonly string[]
  /** URL prefixes always allowed: the built-in demo simulator (`http://127.0.0.1:3000/taobao-sim/`) */
  builtIn?: readonly string[]
}

/** What kind of address a URL's host names. `name` is a DNS name that is not special. */
export type AddressClass = 'loopback' | 'private' | 'link_local' | 'metadata' | 'unspecified' | 'reserved' | 'public' | 'name'

const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal'])

/**
 * Reads a comma-separated list of origins (`http://127.0.0.1:4010, https://top.example.com`).
 * Each must be an http(s) origin without a path; a bad entry throws (a configuration error).
 */
export function parseGatewayOrigins(text: string | undefined | null): string[] {
  const origins: string[] = []
  for (const entry of (text ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    let url: URL
    try {
      url = new URL(entry)
    } catch {
      throw new Error(`ZG_TAOBAO_GATEWAYS: "${entry}" is not a URL; write origins such as http://127.0.0.1:4010`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`ZG_TAOBAO_GATEWAYS: "${entry}" is not http(s)`)
    if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) throw new Error(`ZG_TAOBAO_GATEWAYS: "${entry}" must be an origin (scheme, host and port only)`)
    origins.push(url.origin)
  }
  return origins
}

/** Whether `url` may be called, and if not, why. */
export function checkGatewayUrl(url: string, rules: GatewayRules): GatewayVerdict {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return { ok: false, reason: 'bad_url', host: null }
  }
  const host = parsed.hostname
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { ok: false, reason: 'bad_scheme', host }
  if (parsed.username || parsed.password) return { ok: false, reason: 'credentials_in_url', host }
  const origin = parsed.origin
  if (rules.allowed.includes(origin) || OFFICIAL_GATEWAY_ORIGINS.includes(origin)) return { ok: true, origin }
  const href = parsed.href
  if ((rules.builtIn ?? []).some((prefix) => href.startsWith(prefix))) return { ok: true, origin }
  const kind = addressClass(host)
  if (kind !== 'public' && kind !== 'name') return { ok: false, reason: 'private_address', host }
  return { ok: false, reason: 'not_allowed', host }
}

/**
 * Classifies a URL hostname as the WHATWG URL parser leaves it: IPv4 in dotted decimal (the parser
 * has already turned `2130706433`, `0x7f.1` and `0177.0.0.1` into `127.0.0.1`), IPv6 in brackets
 * (compressed, IPv4-mapped tails in hex: `[::ffff:7f00:1]`), or a name.
 */
export function addressClass(hostname: string): AddressClass {
  const host = hostname.toLowerCase().replace(/\.$/, '')
  if (host.startsWith('[') && host.endsWith(']')) return ipv6Class(host.slice(1, -1))
  const v4 = parseIpv4(host)
  if (v4) return ipv4Class(v4)
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback'
  if (METADATA_NAMES.has(host)) return 'metadata'
  return 'name'
}

function parseIpv4(host: string): number[] | null {
  const parts = host.split('.')
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null
  const octets = parts.map(Number)
  return octets.every((o) => o <= 255) ? octets : null
}

function ipv4Class([a, b, c, d]: number[]): AddressClass {
  if (a === 169 && b === 254 && c === 169 && d === 254) return 'metadata'
  if (a === 100 && b === 100 && c === 100 && d === 200) return 'metadata' // Alibaba Cloud's metadata service
  if (a === 0) return 'unspecified'
  if (a === 127) return 'loopback'
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private'
  if (a === 100 && b >= 64 && b <= 127) return 'private' // carrier-grade NAT
  if (a === 169 && b === 254) return 'link_local'
  if (a === 192 && b === 0 && c === 0) return 'reserved'
  if (a === 198 && (b === 18 || b === 19)) return 'reserved'
  if (a >= 224) return 'reserved' // multicast, reserved, broadcast
  return 'public'
}

/** The eight 16-bit groups of an IPv6 address, or null when it is not one. */
function parseIpv6(text: string): number[] | null {
  let address = text.split('%')[0]
  // a dotted IPv4 tail (::ffff:127.0.0.1) as two groups
  const tail = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(address)
  if (tail) {
    const v4 = parseIpv4(tail[2])
    if (!v4) return null
    address = `${tail[1]}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`
  }
  const halves = address.split('::')
  if (halves.length > 2) return null
  const groups = (part: string) => (part === '' ? [] : part.split(':'))
  const head = groups(halves[0])
  const rest = halves.length === 2 ? groups(halves[1]) : []
  if (halves.length === 1 && head.length !== 8) return null
  if (halves.length === 2 && head.length + rest.length > 7) return null
  const all = [...head, ...Array(8 - head.length - rest.length).fill('0'), ...rest]
  if (!all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null
  return all.map((g) => parseInt(g, 16))
}

function ipv6Class(text: string): AddressClass {
  const g = parseIpv6(text)
  if (!g) return 'reserved'
  const zeroHead = (n: number) => g.slice(0, n).every((x) => x === 0)
  const embedded = () => ipv4Class([g[6] >> 8, g[6] & 0xff, g[7] >> 8, g[7] & 0xff])
  if (zeroHead(8)) return 'unspecified'
  if (zeroHead(7) && g[7] === 1) return 'loopback'
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d): the IPv4 address decides
  if (zeroHead(5) && g[5] === 0xffff) return embedded()
  if (zeroHead(6)) return embedded()
  if (zeroHead(4) && g[4] === 0xffff && g[5] === 0) return embedded()
  // NAT64 (64:ff9b::a.b.c.d)
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return embedded()
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && g.slice(2, 7).every((x) => x === 0) && g[7] === 0x254) return 'metadata' // AWS's IPv6 metadata service
  if ((g[0] & 0xfe00) === 0xfc00) return 'private' // unique local fc00::/7
  if ((g[0] & 0xffc0) === 0xfe80) return 'link_local' // fe80::/10
  if ((g[0] & 0xffc0) === 0xfec0) return 'private' // deprecated site-local
  if ((g[0] & 0xff00) === 0xff00) return 'reserved' // multicast
  if (g[0] === 0x2001 && g[1] === 0x0db8) return 'reserved' // documentation
  return 'public'
}
