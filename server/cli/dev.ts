import { spawn } from 'node:child_process'
import path from 'node:path'
import { ROOT } from './build-client'

/**
 * `npm run dev`: the API server (restarted on change by tsx watch) on PORT (3000) and Vite's dev
 * server with hot reload on 5173, proxying /api to it.
 */
const children = [
  spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'watch', 'server/cli/start.ts'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, ZG_SKIP_CLIENT_BUILD: '1' },
  }),
  spawn(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js')], { cwd: ROOT, stdio: 'inherit' }),
]
const stop = () => children.forEach((c) => c.kill())
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
