import { createHash, createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { signingString, signTopRequest } from '../../server/taobao/sign'

// TOP doc 101617's example request.
const OFFICIAL_PARAMS = {
  method: 'taobao.item.seller.get',
  app_key: '12345678',
  session: 'test',
  timestamp: '2016-01-01 12:00:00',
  format: 'json',
  v: '2.0',
  sign_method: 'md5',
  fields: 'num_iid,title,nick,price,num',
  num_iid: '11223344',
}
const OFFICIAL_STRING =
  'app_key12345678fieldsnum_iid,title,nick,price,numformatjsonmethodtaobao.item.seller.getnum_iid11223344sessiontestsign_methodmd5timestamp2016-01-01 12:00:00v2.0'

describe('TOP request signing', () => {
  it('builds the official string and md5 sign', () => {
    expect(signingString(OFFICIAL_PARAMS)).toBe(OFFICIAL_STRING)
    expect(signTopRequest(OFFICIAL_PARAMS, 'helloworld', 'md5')).toBe('66987CB115214E59E6EC978214934FB8')
  })

  it('signs hmac (HMAC-MD5) and hmac-sha256 keyed by the secret, upper-case hex', () => {
    const params = { ...OFFICIAL_PARAMS, sign_method: 'hmac' }
    const hmacMd5 = createHmac('md5', 'helloworld').update(signingString(params)).digest('hex').toUpperCase()
    expect(signTopRequest(params, 'helloworld', 'hmac')).toBe(hmacMd5)
    const sha = { ...OFFICIAL_PARAMS, sign_method: 'hmac-sha256' }
    const hmacSha256 = createHmac('sha256', 'helloworld').update(signingString(sha)).digest('hex').toUpperCase()
    expect(signTopRequest(sha, 'helloworld', 'hmac-sha256')).toBe(hmacSha256)
    expect(hmacSha256).toMatch(/^[0-9A-F]{64}$/)
  })

  it('sorts keys by byte order: _ comes before lower-case letters', () => {
    expect(signingString({ foo: '1', bar: '2', foo_bar: '3', foobar: '4' })).toBe('bar2foo1foo_bar3foobar4')
  })

  it('leaves out sign and empty values, and hashes UTF-8 text', () => {
    const params = { sign: 'ABC', empty: '', missing: undefined, nothing: null, buyer_nick: '小鱼儿爱吃鱼', a: '1' }
    expect(signingString(params)).toBe('a1buyer_nick小鱼儿爱吃鱼')
    const expected = createHash('md5').update(`s${'a1buyer_nick小鱼儿爱吃鱼'}s`, 'utf8').digest('hex').toUpperCase()
    expect(signTopRequest(params, 's', 'md5')).toBe(expected)
  })
})
