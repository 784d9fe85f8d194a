import type { TopErrorBody } from './apis/context'

/** POST /__sim/faults body. Each POST replaces the previous faults; `{}` clears them. */
export interface FaultsInput {
  /** the next n calls fail with isp.top-remote-connection-error (code 15) */
  isp_errors?: number
  /** the next n calls are refused with code 7 */
  rate_limit?: number
  /** the ban a rate limit names ("This ban will last for N more seconds"), default 1 */
  ban_seconds?: number
  /** the next slow_calls answers are held back slow_ms (after the call took effect) */
  slow_ms?: number
  slow_calls?: number
  /** expire every access token issued so far (refresh tokens stay valid) */
  expire_session?: boolean
  /** calls per second per app key; absent = the simulator's configured limit */
  qps?: number | null
  /** arbitrary error answers for the next calls, e.g. {"code":11,"sub_code":"isv.permission-api-package-limit","count":1} */
  errors?: (Partial<TopErrorBody> & { code: number; count?: number })[]
  /** limit the faults above to these API methods */
  methods?: string[]
}

export class Faults {
  ispErrors = 0
  rateLimit = 0
  banSeconds = 1
  slowMs = 0
  slowCalls = 0
  qps: number | null
  injected: { body: TopErrorBody; remaining: number }[] = []
  methods: Set<string> | null = null
  private bannedUntil = 0
  private windowSecond = 0
  private windowCount = 0

  constructor(private readonly configuredQps: number | null) {
    this.qps = configuredQps
  }

  configure(input: FaultsInput) {
    const count = (value: unknown) => Math.max(0, Math.floor(Number(value ?? 0)) || 0)
    this.ispErrors = count(input.isp_errors)
    this.rateLimit = count(input.rate_limit)
    this.banSeconds = Math.max(1, count(input.ban_seconds ?? 1))
    this.slowMs = count(input.slow_ms)
    this.slowCalls = input.slow_ms ? (input.slow_calls === undefined ? 1 : count(input.slow_calls)) : 0
    this.qps = input.qps === undefined ? this.configuredQps : input.qps === null ? null : Math.max(1, count(input.qps))
    this.injected = (input.errors ?? []).map(({ count: n, ...body }) => ({
      body: { code: Number(body.code), msg: body.msg ?? 'Injected error', sub_code: body.sub_code, sub_msg: body.sub_msg },
      remaining: n === undefined ? 1 : count(n),
    }))
    this.methods = input.methods?.length ? new Set(input.methods) : null
    this.bannedUntil = 0
  }

  private applies(method: string): boolean {
    return !this.methods || this.methods.has(method)
  }

  /** Flow control: the ban seconds to report, or null when the call may pass. */
  takeRateLimit(method: string, wallNow: number): number | null {
    if (this.rateLimit > 0 && this.applies(method)) {
      this.rateLimit -= 1
      return this.banSeconds
    }
    if (wallNow < this.bannedUntil) return Math.ceil((this.bannedUntil - wallNow) / 1000)
    if (this.qps === null) return null
    const second = Math.floor(wallNow / 1000)
    if (second !== this.windowSecond) {
      this.windowSecond = second
      this.windowCount = 0
    }
    this.windowCount += 1
    if (this.windowCount <= this.qps) return null
    this.bannedUntil = wallNow + this.banSeconds * 1000
    return this.banSeconds
  }

  takeIspError(method: string): boolean {
    if (this.ispErrors <= 0 || !this.applies(method)) return false
    this.ispErrors -= 1
    return true
  }

  takeInjectedError(method: string): TopErrorBody | null {
    if (!this.applies(method)) return null
    const next = this.injected.find((entry) => entry.remaining > 0)
    if (!next) return null
    next.remaining -= 1
    return next.body
  }

  takeSlowMs(method: string): number {
    if (this.slowCalls <= 0 || !this.applies(method)) return 0
    this.slowCalls -= 1
    return this.slowMs
  }

  snapshot() {
    return {
      isp_errors: this.ispErrors,
      rate_limit: this.rateLimit,
      ban_seconds: this.banSeconds,
      slow_ms: this.slowMs,
      slow_calls: this.slowCalls,
      qps: this.qps,
      errors: this.injected.filter((e) => e.remaining > 0).map((e) => ({ ...e.body, count: e.remaining })),
      methods: this.methods ? [...this.methods] : null,
    }
  }
}
