import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express, { type Express, type Router } from 'express'
import { parseTopTime } from '../time'
import { QueryCache, ShopActivity, type SimContext } from './apis/context'
import { SIM_APIS } from './apis/index'
import type { SimCatalogInput } from './catalog'
import { SimClock, type ClockMode } from './clock'
import { controlRouter } from './control'
import { Faults, type FaultsInput } from './faults'
import { oauthRouter, SessionRegistry } from './oauth'
import { hashSeed, Random } from './random'
import { restRouter } from './server'
import { TradeStore } from './store'
import { TmcPublisher, TmcQueue } from './tmc'
import { computeTruth, type TruthQuery } from './truth'

export type SimTruth = ReturnType<typeof computeTruth>

export type { SimCatalogInput, SimCatalogItemInput, SimCatalogSkuInput } from './catalog'
export type { FaultsInput } from './faults'
export type { TruthOrder, TruthQuery, TruthRefund, TruthTrade } from './truth'

export type SimulatorMode = 'test' | 'demo' | 'production'

export interface SimulatorOptions {
  /** same seed (and start time) → same shop, trades and lifecycle; default 1 */
  seed?: number
  appKey?: string
  appSecret?: string
  /** an access token that works until a fault expires it; null for none (then only OAuth tokens) */
  session?: string | null
  /** a refresh token paired with `session` */
  refreshToken?: string
  /** control routes (/__sim/*) exist on `app` in test and demo mode only, never on `platform`; default 'test' */
  mode?: SimulatorMode
  /** manual: time stands still until advanced (default in test mode); realtime: follows the wall clock */
  clock?: ClockMode
  /** realtime clock speed-up factor, default 1 */
  clockSpeed?: number
  /** the simulated clock's start, epoch ms or TOP text; default now */
  startTime?: number | string
  /** days of trades that exist before the start; default 30 */
  historyDays?: number
  /** average trades per hour (the day has a rhythm around it); default 20 */
  tradesPerHour?: number
  /** gateway QPS limit per app key (code 7 beyond it); default none */
  qps?: number | null
  sellerNick?: string
  sellerUserId?: string
  /** the shop's items; default: a generated clothing and homeware catalog */
  catalog?: SimCatalogInput
  /** share of paid trades the simulated seller ships within two days; default 0.6 */
  sellerShipRatio?: number
  /** share of TMC deliveries repeated once; default 0.02 */
  tmcDuplicateRate?: number
  /** a consumed, unconfirmed TMC message comes back after this long (simulated); default 300 */
  tmcRedeliverSeconds?: number
  /** lifetime of OAuth access tokens (simulated); default 30 days */
  tokenTtlSeconds?: number
  faults?: FaultsInput
  /** where internal errors go; default console.error */
  log?: (line: string) => void
}

export interface ListeningSimulator {
  /** http://host:port */
  url: string
  gatewayUrl: string
  authorizeUrl: string
  tokenUrl: string
  port: number
  close(): Promise<void>
}

export interface ResolvedSimulatorOptions {
  seed: number
  appKey: string
  appSecret: string
  session: string | null
  mode: SimulatorMode
  startTime: number
  historyDays: number
  tradesPerHour: number
  sellerNick: string
  sellerUserId: string
}

export interface Simulator {
  /** the platform plus, outside production mode, the /__sim/* control routes (tests, standalone) */
  app: Express
  /** the gateway and OAuth pages only: what a public server may mount (no unauthenticated controls) */
  platform: Router
  options: ResolvedSimulatorOptions
  clock: SimClock
  store: TradeStore
  faults: Faults
  sessions: SessionRegistry
  context: SimContext
  truth(query?: TruthQuery): SimTruth
  /** serve on a port (0 = any free one) */
  listen(port?: number, host?: string): Promise<ListeningSimulator>
}

const SHOP_NAMES = ['悦家生活馆', '棉花糖服饰', '简居家居旗舰店', '木子良品', '初见女装', '掌柜小店', '禾木家纺', '晴天衣橱']

function resolveStart(value: number | string | undefined): number {
  if (value === undefined) return Math.floor(Date.now() / 1000) * 1000
  const ms = typeof value === 'number' ? value : parseTopTime(value)
  if (ms === null || !Number.isFinite(ms)) throw new RangeError(`startTime "${value}" is not epoch ms or yyyy-MM-dd HH:mm:ss`)
  return Math.floor(ms / 1000) * 1000
}

/** A Taobao Open Platform stand-in: the real protocol over HTTP, a deterministic shop behind it. */
export function createSimulator(input: SimulatorOptions = {}): Simulator {
  const seed = input.seed ?? 1
  const mode = input.mode ?? 'test'
  const startTime = resolveStart(input.startTime)
  const options: ResolvedSimulatorOptions = {
    seed,
    appKey: input.appKey ?? 'sim-app-key',
    appSecret: input.appSecret ?? 'sim-app-secret',
    session: input.session === undefined ? 'sim-session' : input.session,
    mode,
    startTime,
    historyDays: input.historyDays ?? 30,
    tradesPerHour: input.tradesPerHour ?? 20,
    sellerNick: input.sellerNick ?? new Random(hashSeed(seed, 'shop')).pick(SHOP_NAMES),
    sellerUserId: input.sellerUserId ?? String(2_200_000_000_000 + (hashSeed(seed, 'seller-id') % 900_000_000)),
  }
  const log = input.log ?? ((line: string) => console.error(line))
  const clock = new SimClock(startTime, input.clock ?? (mode === 'test' ? 'manual' : 'realtime'), input.clockSpeed ?? 1)
  const store = new TradeStore({
    seed,
    startTime,
    historyDays: options.historyDays,
    tradesPerHour: options.tradesPerHour,
    sellerShipRatio: input.sellerShipRatio ?? 0.6,
    catalog: input.catalog,
  })
  const shop = { sellerNick: options.sellerNick, seed, userId: options.sellerUserId }
  const tmcQueue = new TmcQueue(seed, input.tmcDuplicateRate ?? 0.02, (input.tmcRedeliverSeconds ?? 300) * 1000)
  const context: SimContext = {
    shop,
    appKey: options.appKey,
    store,
    tmcQueue,
    tmcPublisher: new TmcPublisher(store, tmcQueue, shop, startTime),
    activity: new ShopActivity(),
    queryCache: new QueryCache(),
  }
  const tokenTtlMs = (input.tokenTtlSeconds ?? 30 * 86_400) * 1000
  const sessions = new SessionRegistry(tokenTtlMs, Math.max(tokenTtlMs, 60 * 86_400_000))
  if (options.session) sessions.addPermanent(options.session, input.refreshToken)
  const faults = new Faults(input.qps ?? null)
  if (input.faults) faults.configure(input.faults)

  const platform = express.Router()
  const gateway = { appKey: options.appKey, appSecret: options.appSecret, faults, sessions, apis: SIM_APIS }
  platform.use(restRouter({ gateway, clock, faults, ctx: context, log }))
  platform.use(
    oauthRouter({
      appKey: options.appKey,
      appSecret: options.appSecret,
      sellerNick: options.sellerNick,
      sellerUserId: options.sellerUserId,
      clock,
      sessions,
      autoApprove: mode !== 'production',
    }),
  )
  const app = express()
  app.disable('x-powered-by')
  app.use(platform)
  if (mode !== 'production') app.use(controlRouter({ clock, faults, sessions, ctx: context, startTime }))

  return {
    app,
    platform,
    options,
    clock,
    store,
    faults,
    sessions,
    context,
    truth: (query = {}) => {
      context.tmcPublisher.catchUp(clock.now())
      return computeTruth(context, clock.now(), query)
    },
    listen: (port = 0, host = '127.0.0.1') => listen(app, port, host),
  }
}

function listen(app: Express, port: number, host: string): Promise<ListeningSimulator> {
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(port, host)
    server.once('error', reject)
    server.once('listening', () => {
      const actual = (server.address() as AddressInfo).port
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${actual}`
      resolve({
        url,
        gatewayUrl: `${url}/router/rest`,
        authorizeUrl: `${url}/authorize`,
        tokenUrl: `${url}/token`,
        port: actual,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()))
            server.closeAllConnections()
          }),
      })
    })
  })
}
