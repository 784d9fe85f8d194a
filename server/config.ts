import path from 'node:path'
import { parseGatewayOrigins } from './taobao/gateway-policy'

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
  /** origins besides Taobao's that shops may use as their gateway (ZG_TAOBAO_GATEWAYS, comma-separated) */
  taobaoGateways: string[]
  /** demo mode seeds sample data on first start */
  demo: boolean
  logRequests: boolean
  /**
   * Express's `trust proxy`: which hops' X-Forwarded-For / -Proto to believe (ZG_TRUST_PROXY: a
   * hop count such as `1`, or addresses and subnets such as `10.0.0.1,192.168.0.0/16`, or
   * `loopback`). false (the default) believes none: the client is the socket's address.
   */
  trustProxy: false | number | string[]
  /** ZG_COOKIE_SECURE=1 marks cookies Secure always; otherwise when the request came over https */
  cookieSecure: boolean
  /** a browser session ends after this many minutes without a request (ZG_SESSION_IDLE_MINUTES) */
  sessionIdleMinutes: number
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
    taobaoGateways: parseGatewayOrigins(env.ZG_TAOBAO_GATEWAYS),
    demo: env.ZG_DEMO !== '0',
    logRequests: env.ZG_LOG_REQUESTS === '1',
    trustProxy: parseTrustProxy(env.ZG_TRUST_PROXY),
    cookieSecure: env.ZG_COOKIE_SECURE === '1' || env.ZG_COOKIE_SECURE === 'true',
    sessionIdleMinutes: idleMinutes(env.ZG_SESSION_IDLE_MINUTES),
    auditRetentionDays: retentionDays(env.ZG_AUDIT_RETENTION_DAYS),
  }
}

/** `1` → one hop; `10.0.0.1, 10.0.0.0/8` or `loopback` → those addresses; empty, `0` or `false` → none. */
export function parseTrustProxy(value: string | undefined): false | number | string[] {
  const text = value?.trim() ?? ''
  if (!text || text === '0' || text === 'false') return false
  if (/^\d+$/.test(text)) return Number(text)
  if (text === 'true') throw new Error('ZG_TRUST_PROXY=true would believe X-Forwarded-For from anyone; give the hop count (e.g. 1) or the proxies\' addresses')
  return text.split(',').map((part) => part.trim()).filter(Boolean)
}

function idleMinutes(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 120
  const minutes = Number(value)
  if (!Number.isFinite(minutes) || minutes <= 0) throw new Error(`ZG_SESSION_IDLE_MINUTES must be a number of minutes above 0, got "${value}"`)
  return minutes
}

function retentionDays(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 0
  const days = Number(value)
  if (!Number.isInteger(days) || days < 0) throw new Error(`ZG_AUDIT_RETENTION_DAYS must be a whole number of days (0 = keep forever), got "${value}"`)
  return days
}
