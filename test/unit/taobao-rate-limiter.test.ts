import { describe, expect, it } from 'vitest'
import { TokenBucketRateLimiter } from '../../server/taobao/rate-limiter'

describe('per-shop token bucket', () => {
  it('lets a burst through, then spaces calls at the configured rate, in order', async () => {
    let now = 0
    const waits: number[] = []
    const limiter = new TokenBucketRateLimiter({
      qps: 4,
      burst: 2,
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms)
        now += ms
      },
    })
    const order: number[] = []
    await Promise.all([0, 1, 2, 3, 4].map((i) => limiter.acquire().then(() => order.push(i))))
    expect(order).toEqual([0, 1, 2, 3, 4])
    // two from the burst, then one every 250 ms
    expect(waits).toEqual([250, 250, 250])
    expect(now).toBe(750)
  })

  it('refills while idle, up to the burst', async () => {
    let now = 0
    const waits: number[] = []
    const limiter = new TokenBucketRateLimiter({ qps: 10, now: () => now, sleep: async (ms) => void (waits.push(ms), (now += ms)) })
    for (let i = 0; i < 10; i++) await limiter.acquire()
    expect(waits).toEqual([])
    now += 10_000
    for (let i = 0; i < 11; i++) await limiter.acquire()
    expect(waits).toEqual([100])
  })

  it('refuses a non-positive rate', () => {
    expect(() => new TokenBucketRateLimiter({ qps: 0 })).toThrow(RangeError)
  })
})
