import { Router } from 'express'
import type { AppContext } from '../../context'
import { Views } from '../../views/service'

/** Saved views of a form (docs/views.md): template and shared ones, and the caller's personal ones. */
export function viewRoutes(ctx: AppContext): Router {
  const router = Router({ mergeParams: true })
  const views = new Views(ctx)
  const form = (params: Record<string, string>) => String(params.form)
  router.get('/', async (req, res) => {
    res.json({ data: await views.list(req.actor!, form(req.params)) })
  })
  router.post('/', async (req, res) => {
    res.status(201).json({ data: await views.create(req.actor!, form(req.params), req.body) })
  })
  router.put('/order', async (req, res) => {
    res.json({ data: await views.reorder(req.actor!, form(req.params), req.body) })
  })
  router.put('/:key', async (req, res) => {
    res.json({ data: await views.update(req.actor!, form(req.params), String(req.params.key), req.body) })
  })
  router.delete('/:key', async (req, res) => {
    await views.remove(req.actor!, form(req.params), String(req.params.key), req.query.scope)
    res.status(204).end()
  })
  return router
}
