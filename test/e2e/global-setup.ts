import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { createHttpApp } from '../../server/api/http'
import { createContext, createSampleData, installBundledPacks } from '../../server/app'
import { ensureAdmin } from '../../server/bootstrap'
import { loadConfig } from '../../server/config'
import type { AppContext } from '../../server/context'
import { installPack } from '../../server/forms/installer'
import { readPack } from '../../server/forms/pack-files'
import { ADMIN } from './helpers'

const ROOT = path.resolve(import.meta.dirname, '../..')

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string
    /** a server with every bundled pack (the Taobao ERP) and its demo data */
    erpBaseUrl: string
    /** another one like it, for the Taobao shop pages: their syncs bring trades and orders erp-day does not expect */
    shopsBaseUrl: string
    /** the 127.0.0.1 port taobao-shops.test starts its simulator on: the only gateway that server allows besides Taobao's */
    shopsGatewayPort: number
  }
}

/** The real server (API + dist/client, as `npm start` serves them) on a free port over a fresh SQLite directory. */
async function startServer(prepare: (ctx: AppContext) => Promise<void>, env: Record<string, string> = {}): Promise<{ url: string; stop: () => Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-e2e-'))
  const config = loadConfig({ ZG_DATA_DIR: dataDir, ZG_ADMIN_PASSWORD: ADMIN.password, PORT: '0', ...env })
  const ctx = await createContext(config)
  await prepare(ctx)
  await ensureAdmin(ctx)
  const server: Server = await new Promise((resolve, reject) => {
    const listening = createHttpApp(ctx, { clientDir: path.join(ROOT, 'dist/client') }).listen(0, '127.0.0.1', () => resolve(listening))
    listening.once('error', reject)
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await ctx.db.close()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/**
 * Builds the client once, then starts two servers:
 * - `baseUrl`: only the starter pack and its sample data, so records.test sees the same forms and
 *   records whatever other packs templates/ holds;
 * - `erpBaseUrl`: every bundled pack with its demo data, as a first `npm start` with demo data
 *   (the Taobao ERP day in erp-day.test);
 * - `shopsBaseUrl`: the same again for taobao-shops.test, whose syncs add trades and orders.
 */
export default async function setup(project: TestProject) {
  const build = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  })
  if (build.status !== 0) throw new Error('building the client failed')

  const gatewayPort = await freePort()
  const starter = readPack(path.join(ROOT, 'templates/starter')) as any
  const servers = await Promise.all([
    startServer(async (ctx) => {
      await installPack(ctx.db, ctx.registry, starter)
      await createSampleData(ctx, starter.sample_data)
    }),
    startServer(async (ctx) => {
      await installBundledPacks(ctx, { sampleData: true })
    }),
    startServer(
      async (ctx) => {
        await installBundledPacks(ctx, { sampleData: true })
      },
      { ZG_TAOBAO_GATEWAYS: `http://127.0.0.1:${gatewayPort}` },
    ),
  ])
  project.provide('baseUrl', servers[0].url)
  project.provide('erpBaseUrl', servers[1].url)
  project.provide('shopsBaseUrl', servers[2].url)
  project.provide('shopsGatewayPort', gatewayPort)

  return async () => {
    await Promise.all(servers.map((s) => s.stop()))
  }
}

/** A port free on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net')
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const port = (probe.address() as AddressInfo).port
      probe.close(() => resolve(port))
    })
  })
}
