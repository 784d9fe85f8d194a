import { spawn } from 'node:child_process'
import path from 'node:path'
import { AppError } from '../lib/errors'

/**
 * pg_dump and pg_restore, the PostgreSQL client tools. They are looked up on PATH, or in
 * ZG_PG_BIN (a folder such as /usr/lib/postgresql/16/bin) when the server is newer than the
 * tools on PATH. The password travels in PGPASSWORD, never on the command line.
 */
export function runPgTool(tool: 'pg_dump' | 'pg_restore', databaseUrl: string, args: string[], pgBin: string | null): Promise<void> {
  const url = new URL(databaseUrl)
  const password = decodeURIComponent(url.password)
  url.password = ''
  const env = { ...process.env, ...(password ? { PGPASSWORD: password } : {}) }
  const command = pgBin ? path.join(pgBin, tool) : tool
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args, `--dbname=${url.toString()}`], { env, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 8000) stderr += chunk.toString('utf8')
    })
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(
          new AppError(500, 'internal', `${command} was not found: install the PostgreSQL client tools (e.g. apt-get install postgresql-client) or set ZG_PG_BIN to the folder holding ${tool}`).because(
            'backup_tool_missing',
            { tool: command },
          ),
        )
      } else reject(new AppError(500, 'internal', `${command} could not be run: ${error.message}`).because('backup_tool_failed', { tool: command, message: error.message }))
    })
    child.on('close', (code) => {
      if (code === 0) return resolve()
      const message = stderr.trim().split('\n').slice(-5).join('\n') || `exit code ${code}`
      reject(new AppError(500, 'internal', `${tool} failed: ${message}`).because('backup_tool_failed', { tool: command, message }))
    })
  })
}
