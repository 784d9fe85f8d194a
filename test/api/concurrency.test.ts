import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'

const run = promisify(execFile)
const WORKER = path.resolve(import.meta.dirname, '../support/autonumber-worker.ts')

const ticketsPack = {
  format: 'zhanggui.pack/1',
  key: 'tickets',
  name: '工单',
  version: '1.0.0',
  forms: [
    {
      key: 'tickets',
      label: '工单',
      fields: [
        { key: 'no', type: 'auto_number', label: '编号', pattern: 'T{0000}' },
        { key: 'title', type: 'text', label: '标题' },
      ],
    },
  ],
}

let app: TestApp
beforeAll(async () => {
  app = await startTestApp({ packs: [ticketsPack] })
})
afterAll(async () => {
  await app?.close()
})

describe('auto-numbers under concurrency', () => {
  it('never repeats a number across two processes, and failed transactions leave no gaps', async () => {
    const { dataDir, databaseUrl } = app.database
    const worker = (label: string) =>
      run(process.execPath, ['--import', 'tsx', WORKER, dataDir, databaseUrl ?? '-', '100', '7', label], { cwd: path.resolve(import.meta.dirname, '../..'), timeout: 120_000 })
    const results = await Promise.all([worker('a'), worker('b')])
    const totals = results.map((r) => JSON.parse(r.stdout) as { created: number; failed: number })
    const created = totals.reduce((n, t) => n + t.created, 0)
    expect(totals.map((t) => t.failed)).toEqual([14, 14])
    expect(created).toBe(172)

    const numbers: string[] = []
    let cursor: string | null = null
    do {
      const page: any = await app.api.get(`/api/forms/tickets/records?limit=100&sort=no${cursor ? `&cursor=${cursor}` : ''}`)
      numbers.push(...page.body.data.map((r: any) => r.no))
      cursor = page.body.next_cursor
    } while (cursor)
    expect(numbers).toHaveLength(created)
    // Unique and contiguous: T0001 … T0172, whatever order the processes interleaved in.
    expect(numbers).toEqual(Array.from({ length: created }, (_, i) => `T${String(i + 1).padStart(4, '0')}`))
    const titles = await app.api.get(`/api/forms/tickets/records?limit=1&filter=${encodeURIComponent(JSON.stringify({ field: 'title', op: 'ends_with', value: '!fail' }))}`)
    expect(titles.body.total).toBe(0)
  })
})
