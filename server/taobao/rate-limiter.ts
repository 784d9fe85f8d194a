export interface RateLimiter {
  /** resolves when one more call may be sent */
  acquire(): Promise<void>
}

export interface TokenBucketOptions {
  /** calls per second on average */
  qps: number
  /** calls that may go out at once after a quiet spell (default: qps, at least 1) */
  burst?: number
  now?: () => number
  sleep?: (ms: number) => Promise<void>
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Token bucket; waiting callers are served in arrival order. */
export class TokenBucketRateLimiter implements RateLimiter {
  private readonly qps: number
  private readonly burst: number
  private readonly now: () => number
  private readonly sleep: (ms: number) => Promise<void>
  private tokens: number
  private refilledAt: number
  private queue: Promise<void> = Promise.resolve()

  constructor(options: TokenBucketOptions) {
    if (!(options.qps > 0)) throw new RangeError(`qps must be positive, got ${options.qps}`)
    this.qps = options.qps
    this.burst = Math.max(1, options.burst ?? options.qps)
    this.now = options.now ?? (() => performance.now())
    this.sleep = options.sleep ?? realSleep
    this.tokens = this.burst
    this.refilledAt = this.now()
  }

  acquire(): Promise<void> {
    const turn = this.queue.then(() => this.takeToken())
    this.queue = turn.catch(() => undefined)
    return turn
  }

  private async takeToken(): Promise<void> {
    for (;;) {
      this.refill()
      if (this.tokens >= 1) {
        this.tokens -= 1
        return
      }
      await this.sleep(Math.ceil(((1 - this.tokens) / this.qps) * 1000))
    }
  }

  private refill() {
    const now = this.now()
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.qps)
    this.refilledAt = now
  }
}

const shopLimiters = new Map<string, { qps: number; limiter: TokenBucketRateLimiter }>()

/** One limiter per shop for the whole process, so concurrent jobs of a shop share its budget. */
export function shopRateLimiter(shopKey: string, qps: number): RateLimiter {
  const existing = shopLimiters.get(shopKey)
  if (existing && existing.qps === qps) return existing.limiter
  const limiter = new TokenBucketRateLimiter({ qps })
  shopLimiters.set(shopKey, { qps, limiter })
  return limiter
}
