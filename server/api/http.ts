import fs from 'node:fs'
import path from 'node:path'
import express, { type Express } from 'express'
import type { AppContext } from '../context'
import { notFound } from '../lib/errors'
import { authenticate, requireSameOrigin } from './auth'
import { mayDo } from '../access/policy'
import { errorHandler } from './errors'
import { jsonDepthLimit } from './json-depth'
import { noStore, securityHeaders } from './headers'
import { buildOpenApi } from './openapi'
import { adminRoutes } from './routes/admin'
import { inviteRoutes, peopleRoutes } from './routes/people'
import { approvalRoutes } from './routes/approvals'
import { authRoutes } from './routes/auth'
import { dashboardRoutes } from './routes/dashboards'
import { designerRoutes } from './routes/designer'
import { erpRoutes } from './routes/erp'
import { exportRoutes } from './routes/export'
import { fileRoutes } from './routes/files'
import { formImportRoutes } from './routes/form-imports'
import { formRoutes } from './routes/forms'
import { importRoutes } from './routes/imports'
import { recordRoutes } from './routes/records'
import { reportRoutes } from './routes/reports'
import { roleRoutes } from './routes/roles'
import { settingsRoutes } from './routes/settings'
import { shopRoutes, taobaoRoutes } from './routes/shops'
import { viewRoutes } from './routes/views'

/** The HTTP API under /api and, when built, the client on the same port. */
export function createHttpApp(ctx: AppContext, options: { clientDir?: string; mounts?: Record<string, express.Handler> } = {}): Express {
  const app = express()
  app.disable('x-powered-by')
  // Only proxies named in ZG_TRUST_PROXY may say who the client is: otherwise anyone could pick
  // their own address with X-Forwarded-For (and with it reset login throttling).
  app.set('trust proxy', ctx.config.trustProxy)
  app.use(securityHeaders())
  app.use(express.json({ limit: '20mb' }), jsonDepthLimit)
  if (ctx.config.logRequests) app.use((req, _res, next) => (console.log(req.method, req.url), next()))

  for (const [path, handler] of Object.entries(options.mounts ?? {})) app.use(path, handler)

  const api = express.Router()
  api.use(noStore)
  api.get('/health', (_req, res) => {
    res.json({ ok: true })
  })
  api.use('/auth/invite', requireSameOrigin, inviteRoutes(ctx))
  api.use('/auth', requireSameOrigin, authRoutes(ctx))
  // Taobao sends the merchant back here, without our session cookie's SameSite guarantees: the
  // one-time state and the zg_oauth cookie tie the callback to the shop and the browser that asked.
  api.use('/taobao', taobaoRoutes(ctx))
  api.use(authenticate(ctx), requireSameOrigin)
  api.get('/openapi.json', async (req, res) => {
    await ctx.registry.refreshIfChanged()
    const actor = req.actor!
    res.json(
      buildOpenApi(ctx.registry, {
        allows: (form, operation) => mayDo(ctx.access, actor, operation, form),
        hidden: (form) => ctx.access.hiddenFields(actor, form),
        readonly: (form) => ctx.access.readonlyFields?.(actor, form) ?? new Set(),
      }),
    )
  })
  api.use('/forms/:form/views', viewRoutes(ctx))
  api.use('/forms/:form', formImportRoutes(ctx))
  api.use('/forms', formRoutes(ctx))
  api.use('/designer', designerRoutes(ctx))
  api.use('/forms/:form/records', async (_req, _res, next) => {
    await ctx.registry.refreshIfChanged()
    next()
  }, recordRoutes(ctx))
  api.use('/forms/:form/export', exportRoutes(ctx))
  api.use('/approvals', approvalRoutes(ctx))
  api.use('/dashboards', dashboardRoutes(ctx))
  api.use('/files', fileRoutes(ctx))
  api.use('/me/settings', settingsRoutes(ctx))
  api.use('/admin', peopleRoutes(ctx))
  api.use('/', peopleRoutes(ctx))
  api.use('/roles', roleRoutes(ctx))
  api.use('/', adminRoutes(ctx))
  api.use('/erp', erpRoutes(ctx))
  api.use('/shops', shopRoutes(ctx))
  api.use('/imports', importRoutes(ctx))
  api.use('/reports', reportRoutes(ctx))
  api.use(() => {
    throw notFound('no such API endpoint').because('unknown_endpoint')
  })
  app.use('/api', api)

  const clientDir = options.clientDir
  if (clientDir && fs.existsSync(path.join(clientDir, 'index.html'))) {
    app.use(express.static(clientDir, { index: false, maxAge: '1h' }))
    // The client routes in the browser: every other page is index.html.
    app.get(/^(?!\/api\/).*/, (_req, res) => res.sendFile(path.join(clientDir, 'index.html')))
  }
  app.use(errorHandler)
  return app
}
