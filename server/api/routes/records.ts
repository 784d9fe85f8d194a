import { Router, type Request } from 'express'
import type { AppContext } from '../../context'
import { badRequest } from '../../lib/errors'
import type { AggregateOptions, ListOptions } from '../../records/types'
import { optionalInt, queryString, recordId } from '../params'

function service(ctx: AppContext, req: Request) {
  return ctx.records.as(req.actor!)
}

function listOptions(source: Record<string, unknown>): ListOptions {
  const lines = source.lines
  return {
    filter: source.filter,
    sort: source.sort as string | string[] | undefined,
    limit: safeInt(source.limit, 'limit'),
    offset: safeInt(source.offset, 'offset'),
    cursor: source.cursor === undefined || source.cursor === null ? undefined : String(source.cursor),
    lines: lines === true || lines === '1' || lines === 'true',
    ...(countOption(source.count) === 'none' ? { total: false } : {}),
  }
}

/** `count=none` leaves `total` out of the answer; `count=exact` (the default) counts. */
function countOption(value: unknown): 'exact' | 'none' {
  if (value === undefined || value === null || value === '' || value === 'exact') return 'exact'
  if (value === 'none') return 'none'
  throw badRequest('count must be "exact" or "none"').because('bad_count')
}

function safeInt(value: unknown, name: string): number | undefined {
  const n = optionalInt(value, name)
  if (n !== undefined && !Number.isSafeInteger(n)) throw badRequest(`${name} is too large`)
  return n
}

/** /api/forms/:form/records — thin: parse the request, call the records service, shape the reply. */
export function recordRoutes(ctx: AppContext): Router {
  const router = Router({ mergeParams: true })
  const form = (req: Request) => String(req.params.form)

  router.get('/', async (req, res) => {
    const query = Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, queryString(v)]))
    res.json(await service(ctx, req).list(form(req), listOptions(query)))
  })
  router.post('/query', async (req, res) => {
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) throw badRequest('send {filter, sort, limit, offset | cursor}')
    res.json(await service(ctx, req).list(form(req), listOptions(req.body)))
  })
  router.post('/aggregate', async (req, res) => {
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      throw badRequest('send {filter, group_by, measures, having, sort, limit}').because('aggregate_bad_request')
    }
    res.json(await service(ctx, req).aggregate(form(req), req.body as AggregateOptions))
  })
  router.post('/', async (req, res) => {
    const records = service(ctx, req)
    if (Array.isArray(req.body)) res.status(201).json({ data: await records.createMany(form(req), req.body) })
    else res.status(201).json({ data: await records.create(form(req), req.body) })
  })
  router.post('/upsert', async (req, res) => {
    const body = req.body as { by?: unknown; records?: unknown; if_newer?: unknown }
    if (!Array.isArray(body?.by) || !Array.isArray(body.records)) throw badRequest('send {"by": ["field", …], "records": […]}')
    if (body.by.length === 0 || !body.by.every((k) => typeof k === 'string')) throw badRequest('"by" must name at least one field to match records by')
    const result = await service(ctx, req).upsertMany(form(req), body.records, {
      by: body.by.map(String),
      ifNewer: typeof body.if_newer === 'string' ? body.if_newer : undefined,
    })
    res.json({ data: result })
  })
  router.post('/delete', async (req, res) => {
    const ids = (req.body as { ids?: unknown })?.ids
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => Number.isSafeInteger(id) && id > 0)) {
      throw badRequest('send {"ids": [1, 2, …]}')
    }
    res.json({ data: { deleted: await service(ctx, req).deleteMany(form(req), ids as number[]) } })
  })
  router.get('/:id', async (req, res) => {
    res.json({ data: await service(ctx, req).get(form(req), recordId(req)) })
  })
  router.patch('/:id', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>
    const ifMatch = req.headers['if-match']
    const version = body.version ?? (ifMatch ? Number(String(ifMatch).replace(/"/g, '')) : undefined)
    res.json({ data: await service(ctx, req).update(form(req), recordId(req), body, { version: version as number | undefined }) })
  })
  router.delete('/:id', async (req, res) => {
    await service(ctx, req).delete(form(req), recordId(req))
    res.status(204).end()
  })
  router.post('/actions/:action', async (req, res) => {
    const body = (req.body ?? {}) as { ids?: unknown; params?: unknown }
    if (!Array.isArray(body.ids) || !body.ids.every((id) => Number.isSafeInteger(id) && id > 0)) throw badRequest('send {"ids": [1, 2, …], "params": {…}}').because('bad_record_ids', { max: 500 })
    const params = (body.params ?? {}) as Record<string, unknown>
    if (typeof params !== 'object' || Array.isArray(params)) throw badRequest('action parameters must be an object')
    res.json({ data: await service(ctx, req).runBulkAction(form(req), body.ids as number[], String(req.params.action), params) })
  })
  router.post('/:id/actions/:action', async (req, res) => {
    const params = (req.body ?? {}) as Record<string, unknown>
    if (typeof params !== 'object' || Array.isArray(params)) throw badRequest('action parameters must be an object')
    const { record, result } = await service(ctx, req).runAction(form(req), recordId(req), String(req.params.action), params)
    res.json({ data: record, result })
  })
  return router
}
