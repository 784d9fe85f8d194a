/**
 * A second process writing to the same database: creates `count` tickets concurrently; every
 * `failEvery`-th one fails inside its transaction, after its number was reserved and its row
 * written (a beforeCommit hook throws), so the transaction must give the number back.
 * Prints {"created": n, "failed": m} on stdout.
 */
import { createContext } from '../../server/app'
import { loadConfig } from '../../server/config'

const [dataDir, databaseUrl, count, failEvery, label] = process.argv.slice(2)
const ctx = await createContext({ ...loadConfig({}), dataDir, databaseUrl: databaseUrl === '-' ? null : databaseUrl })
ctx.hooks.on('beforeCommit', 'tickets', (event) => {
  for (const r of event.records) if (String(r.after?.title).endsWith('!fail')) throw new Error('injected failure')
})
let created = 0
let failed = 0
await Promise.all(
  Array.from({ length: Number(count) }, async (_, i) => {
    const title = `${label}-${i}${(i + 1) % Number(failEvery) === 0 ? '!fail' : ''}`
    try {
      await ctx.records.create('tickets', { title })
      created++
    } catch (error) {
      if ((error as Error).message !== 'injected failure') throw error
      failed++
    }
  }),
)
await ctx.db.close()
process.stdout.write(JSON.stringify({ created, failed }))
