/** Business days are Asia/Shanghai days (UTC+8, no daylight saving), as the server's statements read them. */
export function shanghaiToday(now = Date.now()): string {
  return new Date(now + 8 * 3600_000).toISOString().slice(0, 10)
}

const pad = (n: number) => String(n).padStart(2, '0')
const lastDay = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate()

export function monthRange(day: string): [string, string] {
  const [y, m] = day.split('-').map(Number)
  return [`${y}-${pad(m)}-01`, `${y}-${pad(m)}-${pad(lastDay(y, m))}`]
}

export function previousMonthRange(day: string): [string, string] {
  const [y, m] = day.split('-').map(Number)
  return m === 1 ? monthRange(`${y - 1}-12-01`) : monthRange(`${y}-${pad(m - 1)}-01`)
}

export function yearRange(day: string): [string, string] {
  const y = day.slice(0, 4)
  return [`${y}-01-01`, `${y}-12-31`]
}

export function previousMonthEnd(day: string): string {
  return previousMonthRange(day)[1]
}
