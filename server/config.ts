import path from 'node:path'

/** Settings come from the environment; everything has a working default. */
export interface Config {
  port: number
  dataDir: string
  /** PostgreSQL connection string; SQLite under dataDir when absent */
  databaseUrl: string | null
  adminPassword: string | null
  /** key for secrets at rest; generated into the data dir when absent */
  secretKey: string | null
  /** the default Taobao gateway for shops without their own */
  taobaoGatewayUrl: string
  /** demo mode seeds sample data on first start */
  demo: boolean
  logRequests: boolean
  /** audit entries older than this many days are pruned daily; 0 keeps them forever (docs/audit.md) */
  auditRetentionDays: number
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`)
  return {
    port,
    dataDir: path.resolve(env.ZG_DATA_DIR ?? './data'),
    databaseUrl: env.DATABASE_URL?.trim() || null,
    adminPassword: env.ZG_ADMIN_PASSWORD || null,
    secretKey: env.ZG_SECRET_KEY || null,
    taobaoGatewayUrl: env.TAOBAO_GATEWAY_URL || 'https://gw.api.taobao.com/router/rest',
    demo: env.ZG_DEMO !== '0',
    logRequests: env.ZG_LOG_REQUESTS === '1',
    auditRetentionDays: retentionDays(env.ZG_AUDIT_RETENTION_DAYS),
  }
}

function retentionDays(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 0
  const days = Number(value)
  if (!Number.isInteger(days) || days < 0) throw new Error(`ZG_AUDIT_RETENTION_DAYS must be a whole number of days (0 = keep forever), got "${value}"`)
  return days
}
