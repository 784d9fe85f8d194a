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
  /** a browser session ends after this many minutes without a request (ZG_SESSION_IDLE_MINUTES) */
  sessionIdleMinutes: number
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
    sessionIdleMinutes: idleMinutes(env.ZG_SESSION_IDLE_MINUTES),
  }
}

function idleMinutes(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 120
  const minutes = Number(value)
  if (!Number.isFinite(minutes) || minutes <= 0) throw new Error(`ZG_SESSION_IDLE_MINUTES must be a number of minutes above 0, got "${value}"`)
  return minutes
}
