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
  }
}
