import { Router } from 'express'
import type { AppContext } from '../../context'
import { Dashboards } from '../../dashboards/service'

/** Dashboards: list what the user may see, read one, save, create one's own, delete one's own. */
export function dashboardRoutes(ctx: AppContext): Router {
  const router = Router()
  const dashboards = new Dashboards(ctx)
  router.get('/', async (req, res) => {
    res.json({ data: await dashboards.list(req.actor!) })
  })
  router.get('/:key', async (req, res) => {
    res.json({ data: await dashboards.get(req.actor!, String(req.params.key)) })
  })
  router.put('/:key', async (req, res) => {
    res.json({ data: await dashboards.save(req.actor!, String(req.params.key), req.body) })
  })
  router.post('/', async (req, res) => {
    res.status(201).json({ data: await dashboards.create(req.actor!, req.body) })
  })
  router.delete('/:key', async (req, res) => {
    await dashboards.remove(req.actor!, String(req.params.key))
    res.status(204).end()
  })
  return router
}
