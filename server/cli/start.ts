import { createHttpApp } from '../api/http'
import { createContext, installBundledPacks } from '../app'
import { ensureAdmin } from '../bootstrap'
import { loadConfig } from '../config'
import { scheduleAutoAudit } from '../erp/auto-audit'
import { DEMO_SIMULATOR_PATH, startDemoSimulator } from '../sync/demo'
import { scheduleShopSyncs } from '../sync/scheduler'
import { buildClientIfNeeded, CLIENT_DIST } from './build-client'

/** `npm start`: build the client if needed, prepare the database, serve API and client on one port. */
async function main() {
  const config = loadConfig()
  if (process.env.ZG_SKIP_CLIENT_BUILD !== '1') buildClientIfNeeded()
  // Everything the server creates from here on (database, uploads, keys, imports) is owner-only.
  process.umask(0o077)
  const ctx = await createContext(config)
  const installed = await installBundledPacks(ctx, { sampleData: config.demo })
  for (const pack of installed) {
    if (pack.status === 'waiting') {
      console.log(`Template pack ${pack.pack} ${pack.version} was not applied: it conflicts with your changes (${pack.conflicts.length}); still on ${pack.from}. Resolve it in the form designer (模板 → 升级) or with: npm run zg -- pack upgrade <file> --dry-run`)
      for (const c of pack.conflicts) console.log(`  - ${c.message}`)
    } else if (pack.status === 'kept') console.log(`Template pack ${pack.pack}: ${pack.from} is installed, newer than the bundled ${pack.version}; keeping it`)
    else if (pack.status !== 'unchanged') console.log(`Template pack ${pack.pack} ${pack.version}: ${pack.status}`)
  }
  const admin = await ensureAdmin(ctx)
  // The demo shop trades on the built-in Taobao simulator, served by this same server. Its clock
  // follows the wall clock; the /__sim/* control routes would let anyone steer it, so they stay off.
  const demo = config.demo ? await startDemoSimulator(ctx) : null
  const app = createHttpApp(ctx, { clientDir: CLIENT_DIST, mounts: demo ? { [DEMO_SIMULATOR_PATH]: demo.simulator.platform } : {} })
  scheduleAutoAudit(ctx)
  const server = app.listen(config.port, (error?: Error) => {
    if (error) {
      console.error(`Cannot listen on port ${config.port}: ${error.message}${(error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? ' (is another server running? set PORT)' : ''}`)
      process.exit(1)
    }
    const address = server.address()
    const port = typeof address === 'object' && address ? address.port : config.port
    void (async () => {
      await demo?.bind(port)
      scheduleShopSyncs(ctx)
    })()
    const where = config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`
    console.log(`掌柜 Zhanggui is running at http://localhost:${port} (data: ${where})`)
    if (admin?.generated) {
      console.log('')
      console.log('  An administrator account was created. Its password is shown only this once:')
      console.log(`    username: ${admin.username}`)
      console.log(`    password: ${admin.password}`)
      console.log('  (set ZG_ADMIN_PASSWORD before the first start to choose it; `npm run zg -- user passwd admin` changes it)')
      console.log('')
    } else if (admin) {
      console.log(`An administrator account "${admin.username}" was created with the password from ZG_ADMIN_PASSWORD.`)
    }
  })
  const stop = async () => {
    server.close()
    await ctx.db.close()
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
