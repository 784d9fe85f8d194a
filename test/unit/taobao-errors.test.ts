import { describe, expect, it } from 'vitest'
import { classifyTopError, TopError } from '../../server/taobao/errors'
import { parseTopJson } from '../../server/taobao/json'

// real error answers (the spec's section 7)
const fromBody = (json: string) => TopError.fromErrorResponse('taobao.trades.sold.get', (parseTopJson(json) as any).error_response)

describe('TOP error classification', () => {
  it('classifies the real samples by code and sub_code', () => {
    const session = fromBody('{"error_response":{"code":27,"msg":"Invalid session","sub_code":"invalid-sessionkey","request_id":"rxvsf5lo4ufl"}}')
    expect(session).toMatchObject({ kind: 'session', retryable: false, code: 27, subCode: 'invalid-sessionkey', requestId: 'rxvsf5lo4ufl' })
    const permission = fromBody('{"error_response":{"code":11,"msg":"Insufficient isv permissions","sub_code":"isv.permission-api-package-limit","sub_msg":"scope ids is 11655 11998","request_id":"2swi5veg6778"}}')
    expect(permission).toMatchObject({ kind: 'permission', retryable: false })
    const isp = fromBody('{"error_response":{"code":15,"msg":"Remote service error","sub_code":"isp.top-remote-connection-error"}}')
    expect(isp).toMatchObject({ kind: 'isp', retryable: true })
    const limited = fromBody('{"error_response":{"code":7,"msg":"App Call Limited","sub_code":"accesscontrol.limited-by-app-api-access-count","sub_msg":"This ban will last for 2 more seconds"}}')
    expect(limited).toMatchObject({ kind: 'rate_limit', retryable: true, waitSeconds: 2 })
    expect(limited.message).toContain('taobao.trades.sold.get')
  })

  it('follows the table for every code family', () => {
    const cases: [number, string | undefined, string, boolean][] = [
      [4, undefined, 'rate_limit', true],
      [8, 'accesscontrol.limited-by-api-access-count', 'rate_limit', true],
      [10, undefined, 'unavailable', true],
      [12, undefined, 'permission', false],
      [13, undefined, 'permission', false],
      [21, undefined, 'method', false],
      [22, undefined, 'method', false],
      [24, undefined, 'signature', false],
      [25, undefined, 'signature', false],
      [26, undefined, 'session', false],
      [27, 'session-expired', 'session', false],
      [28, undefined, 'app_key', false],
      [29, undefined, 'app_key', false],
      [30, undefined, 'timestamp', true],
      [31, undefined, 'timestamp', true],
      [40, 'isv.missing-parameter', 'arguments', false],
      [41, 'isv.invalid-parameter', 'arguments', false],
      [43, undefined, 'arguments', false],
      [15, 'isp.top-remote-service-timeout', 'isp', true],
      [15, 'isv.trade-not-exist', 'isv', false],
      [15, 'isv.logistics-offline-service-error:TRADE_CLOSED', 'isv', false],
    ]
    for (const [code, subCode, kind, retryable] of cases) {
      expect(classifyTopError(code, subCode), `${code} ${subCode}`).toMatchObject({ kind, retryable })
    }
  })

  it('does not retry the isp errors that describe a bad request', () => {
    for (const subCode of ['isp.top-parse-error', 'isp.null-pointer-exception', 'isp.top-mapping-parse-error']) {
      expect(classifyTopError(15, subCode)).toEqual({ kind: 'isp', retryable: false })
    }
  })

  it('reads the ban from sub_msg, never classifies by msg', () => {
    expect(classifyTopError(7, 'accesscontrol.limited-by-app-access-count', 'This ban will last for 17 more seconds').waitSeconds).toBe(17)
    expect(classifyTopError(7, undefined, undefined).waitSeconds).toBe(1)
    // an alarming msg changes nothing: an unknown code with an isv sub code is a business error
    expect(classifyTopError(9999, 'isv.whatever')).toEqual({ kind: 'isv', retryable: false })
  })
})
