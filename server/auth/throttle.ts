import type { Knex } from 'knex'
import { RateLimiterMemory } from 'rate-limiter-flexible'
import { AppError } from '../lib/errors'

/**
 * Slows password guessing at three levels (docs/security.md#login-throttling):
 * - per account, across addresses and app instances, in the database (zg_login_failures):
 *   ACCOUNT.failures failed logins within ACCOUNT.windowMs lock the username for ACCOUNT.lockMs;
 * - per address and account, in memory (rate-limiter-flexible): ADDRESS_ACCOUNT.failures within
 *   its window stop that pair until the window ends, so one guesser is stopped before the account
 *   as a whole is locked for its owner;
 * - per address, in memory: ADDRESS.failures over any usernames (spraying one password).
 * Addresses are the client's as Express sees it: X-Forwarded-For counts only from proxies named
 * in ZG_TRUST_PROXY, so a client cannot pick a fresh address per attempt.
 * Password checks (scrypt, on libuv's thread pool, which database drivers and file I/O share)
 * run at most CHECKS.concurrent at a time, CHECKS.queue more wait, the rest are refused at once:
 * a flood of logins cannot stall other requests.
 */
export const ACCOUNT = { failures: 10, windowMs: 15 * 60_000, lockMs: 15 * 60_000 }
export const ADDRESS_ACCOUNT = { failures: 5, windowSeconds: 5 * 60 }
export const ADDRESS = { failures: 30, windowSeconds: 15 * 60 }
export const CHECKS = { concurrent: 2, queue: 32 }

const tooMany = (message: string, retryMs: number) => {
  const error = new AppError(429, 'too_many_attempts', message)
  error.retryAfter = Math.max(1, Math.ceil(retryMs / 1000))
  return error
}
const minutes = (ms: number) => Math.max(1, Math.ceil(ms / 60_000))

export class LoginThrottle {
  private readonly pairs = new RateLimiterMemory({ keyPrefix: 'login_pair', points: ADDRESS_ACCOUNT.failures, duration: ADDRESS_ACCOUNT.windowSeconds })
  private readonly addresses = new RateLimiterMemory({ keyPrefix: 'login_ip', points: ADDRESS.failures, duration: ADDRESS.windowSeconds })
  private running = 0
  private readonly waiting: (() => void)[] = []

  constructor(private readonly knex: Knex) {}

  /** Throws 429 when this address, this pair or this account may not try now. */
  async check(address: string, username: string): Promise<void> {
    const ip = addressKey(address)
    const byAddress = await this.addresses.get(ip)
    if (byAddress && byAddress.consumedPoints >= ADDRESS.failures) {
      throw tooMany('too many failed logins from this address; try again later', byAddress.msBeforeNext).because('login_rate_limited', { minutes: minutes(byAddress.msBeforeNext) })
    }
    const pair = await this.pairs.get(`${ip}|${username}`)
    if (pair && pair.consumedPoints >= ADDRESS_ACCOUNT.failures) {
      throw tooMany('too many failed logins; wait a few minutes and try again', pair.msBeforeNext).because('login_locked')
    }
    const row = await this.knex('zg_login_failures').where({ username }).first('locked_until')
    const lockedFor = row?.locked_until == null ? 0 : Number(row.locked_until) - Date.now()
    if (lockedFor > 0) {
      throw tooMany(`this account is locked after too many failed logins; try again in ${minutes(lockedFor)} minutes`, lockedFor).because('account_locked', { minutes: minutes(lockedFor) })
    }
  }

  /** Counts a failed login against the address, the pair and the account. */
  async failed(address: string, username: string): Promise<void> {
    const ip = addressKey(address)
    await Promise.all([this.pairs.penalty(`${ip}|${username}`, 1), this.addresses.penalty(ip, 1)])
    await this.recordAccountFailure(username)
  }

  /** A correct password clears the pair's and the account's failures. */
  async succeeded(address: string, username: string): Promise<void> {
    await this.pairs.delete(`${addressKey(address)}|${username}`)
    await this.knex('zg_login_failures').where({ username }).delete()
  }

  private async recordAccountFailure(username: string): Promise<void> {
    const now = Date.now()
    const windowStart = now - ACCOUNT.windowMs
    const table = 'zg_login_failures'
    // One statement, so instances counting the same account at once both count.
    await this.knex(table)
      .insert({ username, failures: 1, window_start: now, locked_until: null, updated_at: now })
      .onConflict('username')
      .merge({
        failures: this.knex.raw(`CASE WHEN ${table}.window_start < ? THEN 1 ELSE ${table}.failures + 1 END`, [windowStart]),
        window_start: this.knex.raw(`CASE WHEN ${table}.window_start < ? THEN ? ELSE ${table}.window_start END`, [windowStart, now]),
        updated_at: now,
      })
    // The count starts again once a lock is set, so the owner gets a fresh allowance after it.
    await this.knex(table)
      .where({ username })
      .where('failures', '>=', ACCOUNT.failures)
      .update({ locked_until: now + ACCOUNT.lockMs, failures: 0, window_start: now })
    await this.knex(table).where('updated_at', '<', now - ACCOUNT.windowMs - ACCOUNT.lockMs).delete()
  }

  /** Runs a password check within the concurrency cap; refuses at once when the queue is full. */
  async limitChecks<T>(check: () => Promise<T>): Promise<T> {
    if (this.running >= CHECKS.concurrent) {
      if (this.waiting.length >= CHECKS.queue) throw tooMany('too many logins at once; try again in a moment', 1000).because('login_busy')
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    } else {
      this.running++
    }
    try {
      return await check()
    } finally {
      const next = this.waiting.shift()
      // The slot passes straight to the next in line; `running` only drops when nobody waits.
      if (next) next()
      else this.running--
    }
  }
}

/**
 * The key an address is limited under: IPv4 as it is (also when IPv4-mapped), IPv6 by its /64,
 * which one subscriber usually holds whole.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return mapped[1]
  if (!address.includes(':')) return address
  const [head, tail = ''] = address.split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`
}
