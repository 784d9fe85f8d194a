import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

export const ROOT = path.resolve(import.meta.dirname, '../..')
export const CLIENT_DIST = path.join(ROOT, 'dist/client')

function newestMtime(entry: string): number {
  if (!fs.existsSync(entry)) return 0
  const stat = fs.statSync(entry)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(stat.mtimeMs, ...fs.readdirSync(entry).map((name) => newestMtime(path.join(entry, name))))
}

/** Builds the client with Vite when dist/client is missing or older than its sources. */
export function buildClientIfNeeded(log: (line: string) => void = console.log): void {
  const built = path.join(CLIENT_DIST, 'index.html')
  const sources = ['client', 'schema', 'vite.config.ts', 'package.json'].map((p) => path.join(ROOT, p))
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= Math.max(...sources.map(newestMtime))) return
  log('Building the web client (first start or changed sources)…')
  const vite = path.join(ROOT, 'node_modules/vite/bin/vite.js')
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' })
  if (result.status !== 0) throw new Error('building the client failed (see the output above)')
}
