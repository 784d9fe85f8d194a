import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { createHttpApp } from '../../server/api/http'
import { createContext, createSampleData } from '../../server/app'
import { ensureAdmin } from '../../server/bootstrap'
import { loadConfig } from '../../server/config'
import { installPack } from '../../server/forms/installer'
import { ADMIN } from './helpers'

const ROOT = path.resolve(import.meta.dirname, '../..')

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string
  }
}

/**
 * Builds the client once, then serves it with the real server (API + dist/client, as `npm start`
 * does) on a free port over a fresh SQLite directory. Only the starter pack and its sample data
 * are installed, so the tests see the same forms and records whatever other packs templates/ holds.
 */
export default async function setup(project: TestProject) {
  const build = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  })
  if (build.status !== 0) throw new Error('building the client failed')

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-e2e-'))
  const config = loadConfig({ ZG_DATA_DIR: dataDir, ZG_ADMIN_PASSWORD: ADMIN.password, PORT: '0' })
  const ctx = await createContext(config)
  const starter = JSON.parse(fs.readFileSync(path.join(ROOT, 'templates/starter/pack.json'), 'utf8'))
  await installPack(ctx.db, ctx.registry, starter)
  await createSampleData(ctx, starter.sample_data)
  await ensureAdmin(ctx)

  const server: Server = await new Promise((resolve, reject) => {
    const listening = createHttpApp(ctx, { clientDir: path.join(ROOT, 'dist/client') }).listen(0, '127.0.0.1', () => resolve(listening))
    listening.once('error', reject)
  })
  project.provide('baseUrl', `http://127.0.0.1:${(server.address() as AddressInfo).port}`)

  return async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await ctx.db.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}
