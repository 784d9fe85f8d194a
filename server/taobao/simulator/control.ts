import express, { type Response } from 'express'
import { formatTopTime, parseTopTime } from '../time'
import type { SimContext } from './apis/context'
import type { SimClock } from './clock'
import type { Faults, FaultsInput } from './faults'
import type { SessionRegistry } from './oauth'
import { computeTruth, readTruthQuery } from './truth'

export interface ControlDeps {
  clock: SimClock
  faults: Faults
  sessions: SessionRegistry
  ctx: SimContext
  startTime: number
}

function badRequest(res: Response, message: string) {
  res.status(400).json({ error: message })
}

/** /__sim/*: the test's hands on the simulator (test and demo mode only). */
export function controlRouter(deps: ControlDeps) {
  const { clock, faults, sessions, ctx } = deps
  const router = express.Router()
  router.use('/__sim', express.json())

  const clockState = () => ({ now: clock.now(), now_text: formatTopTime(clock.now()), mode: clock.mode, start_time: deps.startTime })

  router.get('/__sim/clock', (_req, res) => void res.json(clockState()))
  router.post('/__sim/clock', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>
    try {
      if (body.to !== undefined) {
        const to = typeof body.to === 'number' ? body.to : parseTopTime(String(body.to))
        if (to === null || !Number.isFinite(to)) return badRequest(res, '"to" is epoch ms or yyyy-MM-dd HH:mm:ss')
        clock.set(to)
      } else {
        const ms = Number(body.advance_ms ?? 0) + Number(body.advance_seconds ?? 0) * 1000 + Number(body.advance_minutes ?? 0) * 60_000 + Number(body.advance_hours ?? 0) * 3_600_000
        if (!Number.isFinite(ms)) return badRequest(res, 'advance_* must be numbers')
        clock.advance(ms)
      }
    } catch (error) {
      return badRequest(res, (error as Error).message)
    }
    ctx.store.ensureGenerated(clock.now())
    res.json(clockState())
  })

  router.get('/__sim/faults', (_req, res) => void res.json(faults.snapshot()))
  router.post('/__sim/faults', (req, res) => {
    const input = (req.body ?? {}) as FaultsInput
    faults.configure(input)
    if (input.expire_session) sessions.expireAll(clock.now())
    res.json(faults.snapshot())
  })

  router.get('/__sim/truth', (req, res) => {
    let query
    try {
      query = readTruthQuery(req.query as Record<string, unknown>)
    } catch (error) {
      return badRequest(res, (error as Error).message)
    }
    const now = clock.now()
    ctx.tmcPublisher.catchUp(now)
    res.json(computeTruth(ctx, now, query))
  })
  return router
}
