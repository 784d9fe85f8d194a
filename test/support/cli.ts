import { AsyncLocalStorage } from 'node:async_hooks'
import { format } from 'node:util'
import { runZg } from '../../server/cli/zg'
import { loadConfig } from '../../server/config'

/** Where console output of the command running in this async context goes. */
const capture = new AsyncLocalStorage<(text: string) => void>()
let routed = false

/** Console output inside a capture() goes to it (concurrent commands each get their own); other output as before. */
function routeConsole() {
  if (routed) return
  routed = true
  for (const method of ['log', 'info', 'warn', 'error'] as const) {
    const original = console[method].bind(console)
    console[method] = (...args: unknown[]) => {
      const sink = capture.getStore()
      if (sink) sink(`${format(...args)}\n`)
      else original(...args)
    }
  }
}

/**
 * Runs `npm run zg -- <args>` in this process, as a merchant would on the test's database: the real
 * argument parsing, a context of its own over the same database (as a second process has), the exit
 * code and the printed output. A process start per command cost seconds; the entry point's own
 * wiring is checked once by a real process in test/api/cli-forms.test.ts.
 */
export async function zg(database: { dataDir: string; databaseUrl: string | null }, ...args: string[]): Promise<{ code: number; out: string }> {
  routeConsole()
  let out = ''
  const config = { ...loadConfig({}), dataDir: database.dataDir, databaseUrl: database.databaseUrl, demo: false }
  const code = await capture.run((text) => (out += text), () => runZg(args, config))
  return { code, out }
}
