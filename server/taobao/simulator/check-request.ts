import { isSignMethod, signTopRequest } from '../sign'
import { parseTopTime } from '../time'
import type { RequestParams, SimApi, TopErrorBody } from './apis/context'
import type { Faults } from './faults'
import type { SessionRegistry } from './oauth'

const MAX_SKEW_MS = 10 * 60_000

export interface GatewayDeps {
  appKey: string
  appSecret: string
  faults: Faults
  sessions: SessionRegistry
  apis: ReadonlyMap<string, SimApi>
}

export type GateOutcome = { ok: true; api: SimApi; session: string | null } | { ok: false; error: TopErrorBody }

const fail = (code: number, msg: string, sub_code?: string, sub_msg?: string): GateOutcome => ({
  ok: false,
  error: { code, msg, ...(sub_code ? { sub_code } : {}), ...(sub_msg ? { sub_msg } : {}) },
})

function readTimestamp(text: string): number | null {
  if (/^\d{13}$/.test(text)) return Number(text)
  return parseTopTime(text)
}

/**
 * The gateway's checks, in the spec's order: method, app key, timestamp (against the simulated
 * clock), version, format, sign present, method known, flow control, signature, session.
 */
export function checkRequest(params: RequestParams, deps: GatewayDeps, now: number, wallNow: number): GateOutcome {
  const method = params.method
  if (!method) return fail(21, 'Missing method')
  if (!params.app_key) return fail(28, 'Missing app key')
  if (params.app_key !== deps.appKey) return fail(29, 'Invalid app key')
  if (!params.timestamp) return fail(30, 'Missing timestamp')
  const timestamp = readTimestamp(params.timestamp)
  if (timestamp === null) return fail(31, 'Invalid timestamp', undefined, `timestamp "${params.timestamp}" is not yyyy-MM-dd HH:mm:ss`)
  if (Math.abs(timestamp - now) > MAX_SKEW_MS) {
    return fail(31, 'Invalid timestamp', undefined, 'timestamp is more than 10 minutes away from the gateway clock (GMT+8)')
  }
  if (!params.v) return fail(32, 'Missing version')
  if (params.v !== '2.0') return fail(33, 'Unsupported version', undefined, `v must be 2.0, got ${params.v}`)
  if ((params.format ?? 'xml') !== 'json') return fail(34, 'Unsupported format', undefined, 'the simulator answers format=json only')
  if (!params.sign) return fail(24, 'Missing signature')
  const api = deps.apis.get(method)
  if (!api) return fail(22, 'Invalid method', undefined, `${method} is not served by this gateway`)
  const banSeconds = deps.faults.takeRateLimit(method, wallNow)
  if (banSeconds !== null) {
    return fail(7, 'App Call Limited', 'accesscontrol.limited-by-app-api-access-count', `This ban will last for ${banSeconds} more seconds`)
  }
  const signMethod = params.sign_method ?? 'md5'
  if (!isSignMethod(signMethod)) return fail(25, 'Invalid signature', undefined, `unsupported sign_method ${signMethod}`)
  if (signTopRequest(params, deps.appSecret, signMethod) !== params.sign.toUpperCase()) return fail(25, 'Invalid signature')
  const session = params.session || null
  if (api.needsSession) {
    if (!session) return fail(26, 'Missing session')
    const check = deps.sessions.check(session, now)
    if (check === 'invalid') return fail(27, 'Invalid session', 'invalid-sessionkey', 'the session key is not valid')
    if (check === 'expired') return fail(27, 'Invalid session', 'session-expired', 'the session key has expired')
  }
  return { ok: true, api, session }
}
