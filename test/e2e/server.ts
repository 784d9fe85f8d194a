import fs from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { createHttpApp } from '../../server/api/http'
import { createContext, installBundledPacks } from '../../server/app'
import { ensureAdmin } from '../../server/bootstrap'
import { loadConfig } from '../../server/config'
import type { AppContext } from '../../server/context'
import { ADMIN, launch, type Browser } from './helpers'

const ROOT = path.resolve(import.meta.dirname, '../..')

export interface E2eServer {
  ctx: AppContext
  browser: Browser
  close(): Promise<void>
}

/**
 * A server of the test's own over a fresh SQLite data directory, with the bundled packs (and
 * their sample data; `bundled: false` for an instance with no forms at all) and the admin,
 * serving the built client; `prepare` runs before it listens.
 */
export async function startE2eServer(name: string, prepare?: (ctx: AppContext) => Promise<void>, options: { bundled?: boolean } = {}): Promise<E2eServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `zg-e2e-${name}-`))
  const ctx = await createContext(loadConfig({ ZG_DATA_DIR: dataDir, ZG_ADMIN_PASSWORD: ADMIN.password, PORT: '0' }))
  if (options.bundled !== false) await installBundledPacks(ctx, { sampleData: true })
  await ensureAdmin(ctx)
  if (prepare) await prepare(ctx)
  const server: Server = await new Promise((resolve) => {
    const s = createHttpApp(ctx, { clientDir: path.join(ROOT, 'dist/client') }).listen(0, '127.0.0.1', () => resolve(s))
  })
  const browser = await launch(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  return {
    ctx,
    browser,
    async close() {
      await browser.close()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await ctx.db.close()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
