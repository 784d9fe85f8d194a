/** TOP timestamps are `yyyy-MM-dd HH:mm:ss` wall-clock time in GMT+8, whatever the host's zone. */
const GMT8_OFFSET_MS = 8 * 3_600_000
const TOP_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/

const pad = (n: number) => String(n).padStart(2, '0')

export function formatTopTime(epochMs: number): string {
  if (!Number.isFinite(epochMs)) throw new RangeError(`not a time: ${epochMs}`)
  const wall = new Date(epochMs + GMT8_OFFSET_MS)
  return (
    `${wall.getUTCFullYear()}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())} ` +
    `${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}`
  )
}

/** `yyyy-MM-dd HH:mm:ss` (GMT+8) → epoch ms; null when the text is not a valid TOP time. */
export function parseTopTime(text: string): number | null {
  const match = TOP_TIME.exec(text.trim())
  if (!match) return null
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number)
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null
  const wallClock = Date.UTC(year, month - 1, day, hour, minute, second)
  // Date.UTC rolls 2024-02-30 over into March: reject days the month does not have.
  if (new Date(wallClock).getUTCDate() !== day) return null
  return wallClock - GMT8_OFFSET_MS
}

export type TopTimeInput = number | string | Date

/** Epoch ms, a Date, or TOP text (validated) → TOP text. */
export function toTopTime(value: TopTimeInput): string {
  if (value instanceof Date) return formatTopTime(value.getTime())
  if (typeof value === 'number') return formatTopTime(value)
  if (parseTopTime(value) === null) throw new RangeError(`"${value}" is not a time like 2024-01-01 12:00:00`)
  return value.trim()
}

/**
 * The oldest `start_created` taobao.trades.sold.get accepts ("only the last 3 months"): three
 * calendar months before `epochMs` on the GMT+8 calendar, the day clamped to the month's end.
 * The simulator refuses anything older; a first sync should stay a little inside it.
 */
export function threeMonthsBefore(epochMs: number): number {
  const wall = new Date(epochMs + GMT8_OFFSET_MS)
  const year = wall.getUTCFullYear()
  const month = wall.getUTCMonth() - 3
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
  const day = Math.min(wall.getUTCDate(), lastDay)
  return Date.UTC(year, month, day, wall.getUTCHours(), wall.getUTCMinutes(), wall.getUTCSeconds(), wall.getUTCMilliseconds()) - GMT8_OFFSET_MS
}
