import express, { type Request, type RequestHandler } from 'express'
import { responseRootKey } from '../client'
import { SimApiError, type RequestParams, type SimContext, type TopErrorBody } from './apis/context'
import { checkRequest, type GatewayDeps } from './check-request'
import type { SimClock } from './clock'
import type { Faults } from './faults'
import { hashSeed, Random } from './random'
import { toTopJson } from './serialize'

export interface GatewayHandlerDeps {
  gateway: GatewayDeps
  clock: SimClock
  faults: Faults
  ctx: SimContext
  log: (line: string) => void
}

/** Query string and urlencoded body together; the body wins, as in the gateway's merge. */
function mergeParams(req: Request): RequestParams {
  const params: RequestParams = {}
  const queryStart = req.originalUrl.indexOf('?')
  if (queryStart >= 0) {
    for (const [key, value] of new URLSearchParams(req.originalUrl.slice(queryStart + 1))) params[key] = value
  }
  const body = req.body as Record<string, unknown> | undefined
  if (body && typeof body === 'object') {
    for (const [key, value] of Object.entries(body)) {
      const last = Array.isArray(value) ? value[value.length - 1] : value
      if (last !== undefined && last !== null) params[key] = String(last)
    }
  }
  return params
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** /router/rest: every answer is HTTP 200 with `<root>_response` or `error_response`. */
export function gatewayHandler(deps: GatewayHandlerDeps): RequestHandler {
  const { ctx, clock, faults } = deps
  const requestIds = new Random(hashSeed(ctx.shop.seed, 'request-ids'))
  const nextRequestId = () => requestIds.alphanumeric(12).toLowerCase()

  return async (req, res) => {
    const params = mergeParams(req)
    const now = clock.now()
    const requestId = nextRequestId()
    // the gateway's clock, so a client can correct its own after a timestamp error
    res.setHeader('Date', new Date(now).toUTCString())
    const send = (body: unknown) => res.status(200).type('application/json; charset=utf-8').send(toTopJson(body))
    const sendError = (error: TopErrorBody) => send({ error_response: { ...error, request_id: requestId } })
    const method = params.method ?? ''
    if (method) ctx.activity.countCall(method)
    ctx.store.ensureGenerated(now)

    const gate = checkRequest(params, deps.gateway, now, Date.now())
    if (!gate.ok) return sendError(gate.error)
    const call = { params, now, ctx }
    let result: Record<string, unknown>
    try {
      const args = gate.api.validate(call)
      const injected = faults.takeInjectedError(method)
      if (injected) return sendError(injected)
      if (faults.takeIspError(method)) {
        return sendError({ code: 15, msg: 'Remote service error', sub_code: 'isp.top-remote-connection-error', sub_msg: 'remote service connection error' })
      }
      result = gate.api.run(args, call)
    } catch (error) {
      if (error instanceof SimApiError) return sendError(error.body)
      deps.log(`taobao simulator: ${method} failed: ${(error as Error).stack ?? String(error)}`)
      return void res.status(500).type('text/plain').send('simulator error')
    }
    const slowMs = faults.takeSlowMs(method)
    if (slowMs) await delay(slowMs)
    send({ [responseRootKey(method)]: { ...result, request_id: requestId } })
  }
}

export function restRouter(deps: GatewayHandlerDeps) {
  const router = express.Router()
  const handler = gatewayHandler(deps)
  router.get('/router/rest', handler)
  router.post('/router/rest', express.urlencoded({ extended: false, limit: '2mb' }), handler)
  return router
}
