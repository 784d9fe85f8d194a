export type TopErrorKind =
  | 'rate_limit'
  | 'unavailable'
  | 'isp'
  | 'isv'
  | 'permission'
  | 'signature'
  | 'session'
  | 'app_key'
  | 'timestamp'
  | 'method'
  | 'arguments'
  | 'network'
  | 'timeout'

export interface TopErrorFields {
  /** TOP error code; null for failures that never got a TOP answer (network, timeout) */
  code: number | null
  msg: string
  subCode?: string
  subMsg?: string
  requestId?: string
  method: string
  httpStatus?: number
  kind?: TopErrorKind
  cause?: unknown
}

export interface TopErrorClass {
  kind: TopErrorKind
  /** worth sending the same request again (after a wait) */
  retryable: boolean
  /** rate limits: how long the gateway says the ban lasts */
  waitSeconds?: number
}

/** `isp.*` sub codes that describe a bad request, not a passing outage: retrying cannot help. */
const PERMANENT_ISP_ERRORS = new Set(['isp.top-parse-error', 'isp.null-pointer-exception', 'isp.top-mapping-parse-error'])
const BAN_SECONDS = /ban will last for (\d+) more seconds/i
const DEFAULT_BAN_SECONDS = 1

/** Classification by code and sub_code only (the spec's table); msg texts are not a contract. */
export function classifyTopError(code: number | null, subCode?: string, subMsg?: string): TopErrorClass {
  const sub = subCode ?? ''
  if ((code !== null && code >= 4 && code <= 8) || sub.startsWith('accesscontrol.')) {
    const match = subMsg ? BAN_SECONDS.exec(subMsg) : null
    return { kind: 'rate_limit', retryable: true, waitSeconds: match ? Number(match[1]) : DEFAULT_BAN_SECONDS }
  }
  switch (code) {
    case 10:
      return { kind: 'unavailable', retryable: true }
    case 11:
    case 12:
    case 13:
      return { kind: 'permission', retryable: false }
    case 21:
    case 22:
      return { kind: 'method', retryable: false }
    case 24:
    case 25:
      return { kind: 'signature', retryable: false }
    case 26:
    case 27:
      return { kind: 'session', retryable: false }
    case 28:
    case 29:
      return { kind: 'app_key', retryable: false }
    case 30:
    case 31:
      return { kind: 'timestamp', retryable: true }
    case 40:
    case 41:
    case 43:
      return { kind: 'arguments', retryable: false }
  }
  if (sub.startsWith('isp.')) return { kind: 'isp', retryable: !PERMANENT_ISP_ERRORS.has(sub) }
  if (sub.startsWith('isv.')) return { kind: 'isv', retryable: false }
  // Code 15 without an isp sub code, and codes this table does not know: a business answer.
  return { kind: code === 15 && !sub ? 'isp' : 'isv', retryable: false }
}

export class TopError extends Error {
  readonly code: number | null
  readonly msg: string
  readonly subCode?: string
  readonly subMsg?: string
  readonly requestId?: string
  readonly method: string
  readonly httpStatus?: number
  readonly kind: TopErrorKind
  readonly retryable: boolean
  readonly waitSeconds?: number

  constructor(fields: TopErrorFields) {
    const detail = fields.subCode || fields.subMsg ? ` (${[fields.subCode, fields.subMsg].filter(Boolean).join(': ')})` : ''
    super(`${fields.method}: ${fields.code ?? fields.kind ?? 'error'} ${fields.msg}${detail}`, { cause: fields.cause })
    this.name = 'TopError'
    this.code = fields.code
    this.msg = fields.msg
    this.subCode = fields.subCode
    this.subMsg = fields.subMsg
    this.requestId = fields.requestId
    this.method = fields.method
    this.httpStatus = fields.httpStatus
    const classified = fields.kind
      ? { kind: fields.kind, retryable: fields.kind === 'network' || fields.kind === 'timeout' || fields.kind === 'unavailable' }
      : classifyTopError(fields.code, fields.subCode, fields.subMsg)
    this.kind = classified.kind
    this.retryable = classified.retryable
    this.waitSeconds = 'waitSeconds' in classified ? classified.waitSeconds : undefined
  }

  /** From a parsed `error_response` body. */
  static fromErrorResponse(method: string, body: Record<string, unknown>, httpStatus?: number): TopError {
    const text = (value: unknown) => (value === undefined || value === null ? undefined : String(value))
    const code = Number(body.code)
    return new TopError({
      method,
      httpStatus,
      code: Number.isFinite(code) ? code : null,
      msg: text(body.msg) ?? 'error',
      subCode: text(body.sub_code),
      subMsg: text(body.sub_msg),
      requestId: text(body.request_id),
    })
  }
}

export function isTopError(error: unknown): error is TopError {
  return error instanceof TopError
}
