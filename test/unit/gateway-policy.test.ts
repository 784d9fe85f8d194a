import { describe, expect, it } from 'vitest'
import { addressClass, checkGatewayUrl, parseGatewayOrigins } from '../../server/taobao/gateway-policy'

// Pure checks: nothing here opens a socket or resolves a name.
const none = { allowed: [] as string[] }
const reason = (url: string, rules = none) => {
  const verdict = checkGatewayUrl(url, rules)
  return verdict.ok ? 'ok' : verdict.reason
}

describe('the gateway URL validator', () => {
  it("allows Taobao's own gateways over https, and nothing else by default", () => {
    expect(reason('https://gw.api.taobao.com/router/rest')).toBe('ok')
    expect(reason('https://gw.api.tbsandbox.com/router/rest')).toBe('ok')
    expect(reason('https://oauth.taobao.com/token')).toBe('ok')
    expect(reason('http://gw.api.taobao.com/router/rest')).toBe('not_allowed')
    expect(reason('https://gw.api.taobao.com.evil.example/router/rest')).toBe('not_allowed')
    expect(reason('https://evil.example/router/rest')).toBe('not_allowed')
    expect(reason('https://gw.api.taobao.com:8443/router/rest')).toBe('not_allowed')
  })

  it('refuses what is not an http(s) URL, and URLs with credentials', () => {
    expect(reason('not a url')).toBe('bad_url')
    expect(reason('ftp://gw.api.taobao.com/router/rest')).toBe('bad_scheme')
    expect(reason('file:///etc/passwd')).toBe('bad_scheme')
    expect(reason('https://user:pass@gw.api.taobao.com/router/rest')).toBe('credentials_in_url')
  })

  it('refuses loopback, private, link-local and metadata addresses in every spelling', () => {
    const refused = [
      'http://127.0.0.1:4010/router/rest',
      'http://127.1.2.3/',
      'http://localhost:3000/',
      'http://LOCALHOST./',
      'http://api.localhost/',
      'http://0.0.0.0/',
      'http://10.1.2.3/',
      'http://172.16.0.1/',
      'http://172.31.255.255/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://169.254.1.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://100.100.100.200/latest/meta-data/',
      'http://metadata.google.internal/computeMetadata/v1/',
      // decimal, hex and octal IPv4 (the URL parser turns them into dotted decimal)
      'http://2130706433/',
      'http://0x7f000001/',
      'http://0x7f.1/',
      'http://0177.0.0.1/',
      'http://017700000001/',
      'http://127.1/',
      'http://2852039166/', // 169.254.169.254
      'http://0xa9fea9fe/',
      'http://3232235777/', // 192.168.1.1
      // IPv6
      'http://[::1]:4010/',
      'http://[0:0:0:0:0:0:0:1]/',
      'http://[::]/',
      'http://[fc00::1]/',
      'http://[fd12:3456::1]/',
      'http://[fe80::1]/',
      'http://[febf::1]/',
      'http://[fd00:ec2::254]/',
      // IPv4-mapped, -compatible, -translated and NAT64 forms of private addresses
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/',
      'http://[::ffff:169.254.169.254]/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://[::ffff:10.0.0.1]/',
      'http://[::127.0.0.1]/',
      'http://[::ffff:0:192.168.0.1]/',
      'http://[64:ff9b::a9fe:a9fe]/',
    ]
    for (const url of refused) expect(reason(url), url).toBe('private_address')
  })

  it('tells public addresses from private ones', () => {
    expect(addressClass('172.15.0.1')).toBe('public')
    expect(addressClass('172.32.0.1')).toBe('public')
    expect(addressClass('8.8.8.8')).toBe('public')
    expect(addressClass('[2001:4860:4860::8888]')).toBe('public')
    expect(addressClass('[::ffff:8.8.8.8]')).toBe('public')
    expect(addressClass('example.com')).toBe('name')
    expect(addressClass('169.254.169.254')).toBe('metadata')
    expect(addressClass('[fd00:ec2::254]')).toBe('metadata')
    expect(addressClass('[fe80::1]')).toBe('link_local')
    expect(addressClass('169.254.3.4')).toBe('link_local')
    expect(addressClass('[::1]')).toBe('loopback')
    // public addresses and names are still refused unless allow-listed: only the reason differs
    expect(reason('http://8.8.8.8/router/rest')).toBe('not_allowed')
  })

  it('allows the origins on the allow-list, exactly, and the built-in simulator', () => {
    const rules = { allowed: parseGatewayOrigins(' http://127.0.0.1:4010 , https://top.example.com'), builtIn: ['http://127.0.0.1:3000/taobao-sim/'] }
    expect(rules.allowed).toEqual(['http://127.0.0.1:4010', 'https://top.example.com'])
    expect(reason('http://127.0.0.1:4010/router/rest', rules)).toBe('ok')
    expect(reason('https://top.example.com/router/rest', rules)).toBe('ok')
    expect(reason('http://127.0.0.1:4011/router/rest', rules)).toBe('private_address')
    expect(reason('https://127.0.0.1:4010/router/rest', rules)).toBe('private_address')
    expect(reason('http://top.example.com/router/rest', rules)).toBe('not_allowed')
    expect(reason('http://127.0.0.1:3000/taobao-sim/router/rest', rules)).toBe('ok')
    expect(reason('http://127.0.0.1:3000/api/admin', rules)).toBe('private_address')
    expect(reason('http://127.0.0.1:3000/taobao-sim/../api/admin', rules)).toBe('private_address')
    // the same address spelled otherwise is the same origin
    expect(reason('http://2130706433:4010/router/rest', rules)).toBe('ok')
  })

  it('reads ZG_TAOBAO_GATEWAYS and refuses entries that are not origins', () => {
    expect(parseGatewayOrigins(undefined)).toEqual([])
    expect(parseGatewayOrigins('')).toEqual([])
    expect(parseGatewayOrigins('HTTP://LOCALHOST:4010/')).toEqual(['http://localhost:4010'])
    expect(() => parseGatewayOrigins('127.0.0.1:4010')).toThrow(/ZG_TAOBAO_GATEWAYS/)
    expect(() => parseGatewayOrigins('http://127.0.0.1:4010/router/rest')).toThrow(/origin/)
    expect(() => parseGatewayOrigins('ftp://127.0.0.1')).toThrow(/http/)
  })
})
