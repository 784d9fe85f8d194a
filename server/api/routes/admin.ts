import { Router } from 'express'
import type { AppContext } from '../../context'
import { installPack } from '../../forms/installer'
import type { Resolution } from '../../../schema/overlay/overlay'
import { badRequest, notFound } from '../../lib/errors'
import { recomputeAfterInstall } from '../../forms/customize'
import { requireCapability } from '../auth'
import { packFileRoutes } from './packs'

/** Template packs (packs.manage); users, tokens and sessions: routes/people.ts. */
export function adminRoutes(ctx: AppContext): Router {
  const router = Router()
  router.use('/packs', requireCapability(ctx, 'packs.manage'))
  router.use('/packs', packFileRoutes(ctx))

  router.get('/packs', async (_req, res) => {
    const rows = await ctx.db.knex('zg_packs').select('key', 'version', 'installed_at', 'updated_at', 'definition')
    const pending = new Map((await ctx.db.knex('zg_pack_pending').select('key', 'version', 'conflicts')).map((r) => [r.key, r]))
    res.json({
      data: rows.map((r) => {
        const def = JSON.parse(r.definition)
        const waiting = pending.get(r.key)
        return {
          key: r.key,
          version: r.version,
          name: def.name,
          forms: def.forms.map((f: { key: string }) => f.key),
          installed_at: Number(r.installed_at),
          pending_upgrade: waiting ? { version: waiting.version, conflicts: JSON.parse(waiting.conflicts) } : null,
        }
      }),
    })
  })
  /** Installs or upgrades a pack sent as JSON: `{pack, dry_run?, resolutions?}` or the pack itself. */
  router.post('/packs', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>
    const wrapped = typeof body.pack === 'object' && body.pack !== null
    const result = await installPack(ctx.db, ctx.registry, wrapped ? body.pack : body, {
      handlers: ctx.actions.names(),
      dryRun: wrapped && checkDryRun(body.dry_run),
      resolutions: wrapped ? checkResolutions(body.resolutions) : undefined,
    })
    await recomputeAfterInstall(ctx, result)
    res.json({ data: result })
  })
  /** Applies a bundled upgrade that waited for the merchant: `{resolutions: {<conflict id>: 'mine' | 'pack'}, dry_run?}`. */
  router.post('/packs/:key/upgrade', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>
    const waiting = await ctx.db.knex('zg_pack_pending').where({ key: String(req.params.key) }).first()
    if (!waiting) throw notFound(`no upgrade of pack "${String(req.params.key)}" is waiting`).because('no_pending_upgrade', { pack: String(req.params.key) })
    const result = await installPack(ctx.db, ctx.registry, JSON.parse(waiting.definition), {
      handlers: ctx.actions.names(),
      dryRun: checkDryRun(body.dry_run),
      resolutions: checkResolutions(body.resolutions),
    })
    await recomputeAfterInstall(ctx, result)
    res.json({ data: result })
  })
  return router
}

/** `{<conflict id>: 'mine' | 'pack'}`; anything else would be read as a choice nobody made. */
function checkResolutions(input: unknown): Record<string, Resolution> | undefined {
  if (input === undefined || input === null) return undefined
  if (typeof input !== 'object' || Array.isArray(input) || Object.values(input).some((v) => v !== 'mine' && v !== 'pack')) {
    throw badRequest('resolutions must map conflict ids to "mine" or "pack"').because('bad_resolutions')
  }
  return input as Record<string, Resolution>
}

/** A dry run that is not a boolean ("true", 1) would otherwise install for real. */
function checkDryRun(input: unknown): boolean {
  if (input === undefined || input === null) return false
  if (typeof input !== 'boolean') throw badRequest('dry_run must be true or false').because('dry_run_boolean')
  return input
}
