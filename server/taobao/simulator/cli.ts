import { parseArgs } from 'node:util'
import { formatTopTime } from '../time'
import { createSimulator, type SimulatorMode } from './index'

const USAGE = `npm run taobao:sim -- [options]
  --port N              port to listen on (default 4010; 0 = any free port)
  --host H              interface (default 127.0.0.1)
  --seed N              data seed (default 42)
  --app-key K --app-secret S --session T [--refresh-token R]
  --mode test|demo|production   control routes /__sim/* exist in test and demo mode (default demo)
  --clock manual|realtime       default: manual in test mode, realtime otherwise
  --start "yyyy-MM-dd HH:mm:ss" simulated start time (default now)
  --qps N               gateway call limit per second (code 7 beyond it)
  --history-days N      days of trades before the start (default 30)
  --trades-per-hour N   average new trades per hour (default 20)
  --seller-ship-ratio R share of paid trades the simulated seller ships itself (default 0.6)`

function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      seed: { type: 'string', default: '42' },
      'app-key': { type: 'string' },
      'app-secret': { type: 'string' },
      session: { type: 'string' },
      'refresh-token': { type: 'string' },
      mode: { type: 'string', default: 'demo' },
      clock: { type: 'string' },
      start: { type: 'string' },
      qps: { type: 'string' },
      'history-days': { type: 'string' },
      'trades-per-hour': { type: 'string' },
      'seller-ship-ratio': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const number = (name: string, text: string | undefined) => {
    if (text === undefined) return undefined
    const value = Number(text)
    if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got "${text}"`)
    return value
  }
  const mode = values.mode as SimulatorMode
  if (!['test', 'demo', 'production'].includes(mode)) throw new Error(`--mode is test, demo or production, got "${mode}"`)
  if (values.clock && !['manual', 'realtime'].includes(values.clock)) throw new Error(`--clock is manual or realtime`)

  const sim = createSimulator({
    seed: number('seed', values.seed),
    appKey: values['app-key'],
    appSecret: values['app-secret'],
    session: values.session,
    refreshToken: values['refresh-token'],
    mode,
    clock: values.clock as 'manual' | 'realtime' | undefined,
    startTime: values.start,
    qps: number('qps', values.qps),
    historyDays: number('history-days', values['history-days']),
    tradesPerHour: number('trades-per-hour', values['trades-per-hour']),
    sellerShipRatio: number('seller-ship-ratio', values['seller-ship-ratio']),
  })
  sim.listen(number('port', values.port), values.host).then((server) => {
    const { options } = sim
    console.log(`Taobao simulator (${options.mode} mode, seed ${options.seed}, shop ${options.sellerNick}, ${sim.store.tradeCount} trades)`)
    console.log(`  gateway:   ${server.gatewayUrl}`)
    console.log(`  authorize: ${server.authorizeUrl}`)
    console.log(`  token:     ${server.tokenUrl}`)
    console.log(`  app key ${options.appKey}; session ${options.session ? 'configured' : 'none (use OAuth)'}`)
    console.log(`  clock ${sim.clock.mode} at ${formatTopTime(sim.clock.now())} (GMT+8)`)
    if (options.mode !== 'production') console.log(`  control:   ${server.url}/__sim/clock, /__sim/faults, /__sim/truth`)
    const stop = () => void server.close().then(() => process.exit(0))
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  }, fail)
}

function fail(error: unknown) {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
}

try {
  main()
} catch (error) {
  fail(error)
}
