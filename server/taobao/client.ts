import { TopError } from './errors'
import { parseTopJson } from './json'
import type { RateLimiter } from './rate-limiter'
import { signTopRequest, type SignMethod } from './sign'
import { formatTopTime } from './time'

export const TAOBAO_GATEWAY_URL = 'https://gw.api.taobao.com/router/rest'

/** A shop without its own gateway URL uses TAOBAO_GATEWAY_URL from the environment, else Taobao's. */
export function defaultGatewayUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.TAOBAO_GATEWAY_URL?.trim() || TAOBAO_GATEWAY_URL
}

export type TopParamValue = string | number | bigint | boolean | Date | readonly (string | number | bigint)[] | null | undefined
export type TopParams = Record<string, TopParamValue>

export interface TopClientOptions {
  /** e.g. https://gw.api.taobao.com/router/rest, or the simulator's /router/rest */
  gatewayUrl: string
  appKey: string
  appSecret: string
  /** the seller's access token, sent as `session` */
  session?: string | null
  /** default 'hmac-sha256' */
  signMethod?: SignMethod
  /** per HTTP request, default 15 000 */
  timeoutMs?: number
  /** retries of isp / unavailable / network / timeout failures, default 3 */
  maxRetries?: number
  /** waits on rate-limit bans before giving up, default 5 */
  maxRateLimitWaits?: number
  /** first backoff delay, doubled on each retry (default 500 ms, capped at retryMaxDelayMs = 30 s) */
  retryBaseDelayMs?: number
  retryMaxDelayMs?: number
  rateLimiter?: RateLimiter
  /** called once when the gateway rejects the session; returns a new session or null */
  refreshSession?: () => Promise<string | null>
  /** the session is invalid and could not be refreshed: the shop needs re-authorization */
  onSessionInvalid?: (error: TopError) => void | Promise<void>
  partnerId?: string
  sleep?: (ms: number) => Promise<void>
  now?: () => number
  /** jitter source, [0, 1) */
  random?: () => number
  fetch?: typeof fetch
  /** throws when a URL may not be called (the gateway allow-list); run before every request */
  checkUrl?: (url: string) => void
}

export interface TopCallOptions {
  /**
   * false for writes that must not be sent twice blindly (logistics.offline.send): a timeout,
   * network failure, isp or unavailable answer then throws at once, since the write may have been
   * applied; the caller re-reads and decides. Rate limits, timestamp and session errors are
   * rejected before execution and are still retried.
   */
  idempotent?: boolean
  timeoutMs?: number
}

/** System params live in the query string (as the official SDKs send them); API params in the body. */
const SYSTEM_PARAMS = new Set(['method', 'app_key', 'session', 'timestamp', 'v', 'sign_method', 'sign', 'format', 'simplify', 'partner_id'])
const RATE_LIMIT_JITTER_MS = 250

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** `taobao.trades.sold.get` → `trades_sold_get_response` */
export function responseRootKey(method: string): string {
  return `${method.replace(/^taobao\./, '').replace(/\./g, '_')}_response`
}

export function formatTopParam(value: Exclude<TopParamValue, null | undefined>): string {
  if (value instanceof Date) return formatTopTime(value.getTime())
  if (Array.isArray(value)) return value.map(String).join(',')
  return String(value)
}

export class TopClient {
  readonly gatewayUrl: string
  readonly appKey: string
  /** replaced after a successful refresh */
  session: string | null
  /** gateway clock minus ours, learned from the Date header when the gateway rejects our timestamp */
  clockOffsetMs = 0
  private readonly appSecret: string
  private readonly signMethod: SignMethod
  private readonly timeoutMs: number
  private readonly maxRetries: number
  private readonly maxRateLimitWaits: number
  private readonly retryBaseDelayMs: number
  private readonly retryMaxDelayMs: number
  private readonly options: TopClientOptions
  private readonly sleep: (ms: number) => Promise<void>
  private readonly now: () => number
  private readonly random: () => number
  private readonly fetchImpl: typeof fetch

  constructor(options: TopClientOptions) {
    this.options = options
    this.gatewayUrl = options.gatewayUrl
    this.appKey = options.appKey
    this.appSecret = options.appSecret
    this.session = options.session ?? null
    this.signMethod = options.signMethod ?? 'hmac-sha256'
    this.timeoutMs = options.timeoutMs ?? 15_000
    this.maxRetries = options.maxRetries ?? 3
    this.maxRateLimitWaits = options.maxRateLimitWaits ?? 5
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 500
    this.retryMaxDelayMs = options.retryMaxDelayMs ?? 30_000
    this.sleep = options.sleep ?? realSleep
    this.now = options.now ?? Date.now
    this.random = options.random ?? Math.random
    this.fetchImpl = options.fetch ?? fetch
  }

  /** The gateway's idea of now (our clock corrected by what a timestamp rejection taught us). */
  gatewayNow(): number {
    return this.now() + this.clockOffsetMs
  }

  /** Calls a TOP API and returns the inner object of `<root>_response`; throws TopError. */
  async call<T = Record<string, unknown>>(method: string, params: TopParams = {}, options: TopCallOptions = {}): Promise<T> {
    for (const key of Object.keys(params)) {
      if (SYSTEM_PARAMS.has(key)) throw new TypeError(`"${key}" is a system parameter; the client sets it`)
    }
    const idempotent = options.idempotent ?? true
    let retries = 0
    let rateLimitWaits = 0
    let refreshedSession = false
    let timestampRetried = false
    for (;;) {
      try {
        return (await this.send(method, params, options.timeoutMs ?? this.timeoutMs)) as T
      } catch (error) {
        if (!(error instanceof TopError)) throw error
        switch (error.kind) {
          case 'rate_limit':
            if (rateLimitWaits >= this.maxRateLimitWaits) throw error
            rateLimitWaits += 1
            await this.sleep((error.waitSeconds ?? 1) * 1000 + Math.floor(this.random() * RATE_LIMIT_JITTER_MS))
            continue
          case 'session': {
            if (!refreshedSession && this.options.refreshSession) {
              refreshedSession = true
              const session = await this.options.refreshSession().catch(() => null)
              if (session) {
                this.session = session
                continue
              }
            }
            await this.options.onSessionInvalid?.(error)
            throw error
          }
          case 'timestamp':
            if (timestampRetried) throw error
            timestampRetried = true
            continue
          default:
            if (!error.retryable || !idempotent || retries >= this.maxRetries) throw error
            await this.sleep(this.backoffDelay(retries))
            retries += 1
        }
      }
    }
  }

  private backoffDelay(retry: number): number {
    const delay = Math.min(this.retryMaxDelayMs, this.retryBaseDelayMs * 2 ** retry)
    return Math.round(delay * (1 + 0.2 * this.random()))
  }

  /** The signed request: system params in the query string, API params in the urlencoded body. */
  buildRequest(method: string, params: TopParams): { url: string; body: string } {
    const system: Record<string, string> = {
      method,
      app_key: this.appKey,
      timestamp: formatTopTime(this.gatewayNow()),
      format: 'json',
      v: '2.0',
      sign_method: this.signMethod,
      simplify: 'false',
    }
    if (this.session) system.session = this.session
    if (this.options.partnerId) system.partner_id = this.options.partnerId
    const api: Record<string, string> = {}
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== null) api[key] = formatTopParam(value)
    }
    system.sign = signTopRequest({ ...system, ...api }, this.appSecret, this.signMethod)
    const separator = this.gatewayUrl.includes('?') ? '&' : '?'
    return { url: this.gatewayUrl + separator + new URLSearchParams(system).toString(), body: new URLSearchParams(api).toString() }
  }

  private async send(method: string, params: TopParams, timeoutMs: number): Promise<unknown> {
    this.options.checkUrl?.(this.gatewayUrl)
    await this.options.rateLimiter?.acquire()
    const { url, body } = this.buildRequest(method, params)
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), timeoutMs)
    let status: number
    let dateHeader: string | null
    let text: string
    try {
      const response = await this.fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
        body,
        signal: controller.signal,
      })
      status = response.status
      dateHeader = response.headers.get('date')
      text = await response.text()
    } catch (error) {
      if (controller.signal.aborted) {
        throw new TopError({ method, code: null, kind: 'timeout', msg: `no answer within ${timeoutMs} ms`, cause: error })
      }
      throw new TopError({ method, code: null, kind: 'network', msg: (error as Error).message ?? 'request failed', cause: error })
    } finally {
      clearTimeout(timer)
    }
    return this.readResponse(method, status, dateHeader, text)
  }

  private readResponse(method: string, status: number, dateHeader: string | null, text: string): unknown {
    let body: unknown
    try {
      body = parseTopJson(text)
    } catch (error) {
      const kind = status >= 500 || status === 429 ? 'unavailable' : 'network'
      throw new TopError({ method, code: null, kind, httpStatus: status, msg: `HTTP ${status}, not a JSON answer`, cause: error })
    }
    if (!body || typeof body !== 'object') throw new TopError({ method, code: null, kind: 'network', httpStatus: status, msg: 'empty answer' })
    const envelope = body as Record<string, unknown>
    if (envelope.error_response && typeof envelope.error_response === 'object') {
      const error = TopError.fromErrorResponse(method, envelope.error_response as Record<string, unknown>, status)
      if (error.kind === 'timestamp') this.learnClockOffset(dateHeader)
      throw error
    }
    const root = responseRootKey(method)
    if (envelope[root] && typeof envelope[root] === 'object') return envelope[root]
    const responses = Object.keys(envelope).filter((key) => key.endsWith('_response'))
    if (responses.length === 1 && typeof envelope[responses[0]] === 'object') return envelope[responses[0]]
    if (status >= 500) throw new TopError({ method, code: null, kind: 'unavailable', httpStatus: status, msg: `HTTP ${status}` })
    throw new TopError({ method, code: null, kind: 'isp', httpStatus: status, msg: `answer without ${root}` })
  }

  private learnClockOffset(dateHeader: string | null) {
    const gatewayTime = dateHeader ? Date.parse(dateHeader) : Number.NaN
    if (Number.isFinite(gatewayTime)) this.clockOffsetMs = gatewayTime - this.now()
  }
}
