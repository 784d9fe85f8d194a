export type ClockMode = 'manual' | 'realtime'

/**
 * The simulated time. Manual: stands still until a test advances it. Realtime: runs with the wall
 * clock (times `speed`) from the start time; advancing it jumps ahead. It never runs backwards.
 */
export class SimClock {
  readonly mode: ClockMode
  private readonly speed: number
  private base: number
  private wallBase: number
  private listeners: ((now: number) => void)[] = []

  constructor(startTime: number, mode: ClockMode, speed = 1) {
    this.mode = mode
    this.speed = speed
    this.base = startTime
    this.wallBase = Date.now()
  }

  now(): number {
    if (this.mode === 'manual') return this.base
    return this.base + Math.floor((Date.now() - this.wallBase) * this.speed)
  }

  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError('the simulated clock only moves forward')
    return this.set(this.now() + ms)
  }

  set(epochMs: number): number {
    if (epochMs < this.now()) throw new RangeError('the simulated clock only moves forward')
    this.base = epochMs
    this.wallBase = Date.now()
    for (const listener of this.listeners) listener(epochMs)
    return epochMs
  }

  onJump(listener: (now: number) => void) {
    this.listeners.push(listener)
  }
}
