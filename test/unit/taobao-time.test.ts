import { afterEach, describe, expect, it } from 'vitest'
import { formatTopTime, parseTopTime, threeMonthsBefore, toTopTime } from '../../server/taobao/time'

const originalTz = process.env.TZ

afterEach(() => {
  if (originalTz === undefined) delete process.env.TZ
  else process.env.TZ = originalTz
})

// 2016-01-01 12:00:00 in Beijing is 04:00 UTC
const NOON_BEIJING = Date.UTC(2016, 0, 1, 4, 0, 0)

describe('TOP timestamps (GMT+8)', () => {
  for (const tz of ['UTC', 'America/New_York', 'Asia/Kolkata', 'Asia/Shanghai', 'Pacific/Kiritimati']) {
    it(`formats and parses the same way with the host in ${tz}`, () => {
      process.env.TZ = tz
      expect(formatTopTime(NOON_BEIJING)).toBe('2016-01-01 12:00:00')
      expect(parseTopTime('2016-01-01 12:00:00')).toBe(NOON_BEIJING)
      // Beijing's new year starts at 16:00 UTC on New Year's Eve
      expect(formatTopTime(Date.UTC(2023, 11, 31, 16, 0, 0))).toBe('2024-01-01 00:00:00')
      expect(formatTopTime(Date.UTC(2023, 11, 31, 15, 59, 59))).toBe('2023-12-31 23:59:59')
    })
  }

  it('round-trips whole seconds and truncates milliseconds', () => {
    for (const ms of [0, 951_782_400_000, 1_709_222_399_000, 1_795_773_774_000]) expect(parseTopTime(formatTopTime(ms))).toBe(ms)
    expect(formatTopTime(NOON_BEIJING + 999)).toBe('2016-01-01 12:00:00')
  })

  it('rejects text that is not a real TOP time', () => {
    for (const bad of ['2024-02-30 00:00:00', '2023-02-29 10:00:00', '2024-01-01 24:00:00', '2024-1-1 10:00:00', '2024-01-01T10:00:00', '2024-01-01', 'yesterday', '']) {
      expect(parseTopTime(bad), bad).toBeNull()
    }
    expect(parseTopTime('2024-02-29 23:59:59')).toBe(Date.UTC(2024, 1, 29, 15, 59, 59))
  })

  it('turns epoch ms, Dates and TOP text into TOP text', () => {
    expect(toTopTime(NOON_BEIJING)).toBe('2016-01-01 12:00:00')
    expect(toTopTime(new Date(NOON_BEIJING))).toBe('2016-01-01 12:00:00')
    expect(toTopTime(' 2016-01-01 12:00:00 ')).toBe('2016-01-01 12:00:00')
    expect(() => toTopTime('2016-13-01 12:00:00')).toThrow(RangeError)
  })

  it('finds the oldest start trades.sold.get accepts: three calendar months back, in GMT+8', () => {
    process.env.TZ = 'America/Los_Angeles'
    const back = (text: string) => formatTopTime(threeMonthsBefore(parseTopTime(text)!))
    expect(back('2025-06-01 12:00:00')).toBe('2025-03-01 12:00:00')
    expect(back('2025-05-31 23:30:00')).toBe('2025-02-28 23:30:00')
    expect(back('2024-05-31 08:00:00')).toBe('2024-02-29 08:00:00')
    expect(back('2025-01-15 00:00:05')).toBe('2024-10-15 00:00:05')
  })
})
