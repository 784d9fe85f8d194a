/** Seeded randomness: the same seed gives the same shop, trades and lifecycle on every run. */

/** A 32-bit hash of any mix of strings and numbers (FNV-1a, then an avalanche finish). */
export function hashSeed(...parts: (string | number)[]): number {
  let hash = 0x811c9dc5
  for (const part of parts) {
    const text = `${part}\u0001`
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i)
      hash = Math.imul(hash, 0x01000193)
    }
  }
  hash ^= hash >>> 16
  hash = Math.imul(hash, 0x85ebca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2ae35)
  hash ^= hash >>> 16
  return hash >>> 0
}

/** mulberry32: small, fast, and good enough for test data. */
export class Random {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** [0, 1) */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** integer in [min, max] */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(probability: number): boolean {
    return this.next() < probability
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]
  }

  /** index chosen with the given relative weights */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((sum, w) => sum + w, 0)
    let roll = this.next() * total
    for (let i = 0; i < weights.length; i++) {
      roll -= weights[i]
      if (roll < 0) return i
    }
    return weights.length - 1
  }

  /** a duration in whole seconds, uniform in [minMs, maxMs] */
  durationMs(minMs: number, maxMs: number): number {
    return Math.round((minMs + this.next() * (maxMs - minMs)) / 1000) * 1000
  }

  /** exponential with the given mean */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean
  }

  digits(count: number): string {
    let out = ''
    for (let i = 0; i < count; i++) out += String(Math.floor(this.next() * 10))
    return out
  }

  alphanumeric(count: number): string {
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
    let out = ''
    for (let i = 0; i < count; i++) out += chars[Math.floor(this.next() * chars.length)]
    return out
  }
}
