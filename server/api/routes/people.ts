import { Router, type Request } from 'express'
import { SYSTEM_ACTOR } from '../../access/actor'
import { logEvent } from '../../audit/events'
import { createToken, endSession, findSession, findToken, listSessions, listTokens, parseExpiry, revokeToken } from '../../auth/credentials'
import {
  acceptInvite,
  checkTokenRoles,
  createInvite,
  createUser,
  deleteUser,
  findUser,
  inviteFor,
  listUserDetails,
  listUsers,
  resetPassword,
  updateUser,
  userDetail,
  type UserPatch,
} from '../../auth/users'
import type { AppContext } from '../../context'
import { AppError, badRequest, notFound } from '../../lib/errors'
import { hasCapability } from '../../access/policy'
import { requireCapability, sessionToken } from '../auth'
import { recordId } from '../params'


/** The form a scope id list points into: zg_users.shop_ids → shops, warehouse_ids → warehouses. */
const SCOPE_FORMS = { shops: 'shops', warehouses: 'warehouses' } as const

/**
 * Users, API tokens and sessions (docs/users.md). Mounted at /api/admin and, for the clients and
 * scripts written before, at /api (GET /api/users, /api/tokens).
 */
export function peopleRoutes(ctx: AppContext): Router {
  const router = Router()
  const knex = () => ctx.db.knex
  /** who may manage users, everyone's tokens and sessions: capability users.manage */
  const manage = requireCapability(ctx, 'users.manage')
  const mayManage = (req: Request) => req.actor !== undefined && hasCapability(ctx.access, req.actor, 'users.manage')

  /** Names of active users, for user pickers: every user may see who they can assign to. */
  router.get('/users/directory', async (_req, res) => {
    const users = await listUsers(knex())
    res.json({ data: users.filter((u) => !u.disabled).map((u) => ({ id: u.id, display_name: u.display_name })) })
  })

  router.get('/users', manage, async (req, res) => {
    res.json({ data: await listUserDetails(knex(), { includeDeleted: req.query.deleted === '1' }) })
  })
  router.get('/users/:id', manage, async (req, res) => {
    res.json({ data: await userDetail(knex(), recordId(req)) })
  })
  /**
   * {username, display_name?, roles?: [keys], password?, invite?: true, shops?, warehouses?}:
   * without a password the user is invited (the answer carries the one-time invite code).
   */
  router.post('/users', manage, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>
    const invite = body.password === undefined || body.password === null || body.password === ''
    const patch = await scopePatch(ctx, body)
    const user = await createUser(
      knex(),
      {
        username: String(body.username ?? ''),
        password: invite ? undefined : (body.password as string),
        display_name: typeof body.display_name === 'string' ? body.display_name : undefined,
        role: body.roles === undefined ? (body.role as 'admin' | 'member' | undefined) : undefined,
        roles: body.roles,
      },
      req.actor!,
    )
    if (patch.shops || patch.warehouses) await updateUser(knex(), user.id, patch, req.actor!)
    const code = invite ? await createInvite(knex(), user.id, req.actor!) : undefined
    res.status(201).json({ data: { ...(await userDetail(knex(), user.id)), ...(code ? { invite: code } : {}) } })
  })
  /** {roles?, shops?, warehouses?, disabled?, display_name?} */
  router.put('/users/:id', manage, async (req, res) => {
    const id = recordId(req)
    const body = (req.body ?? {}) as Record<string, unknown>
    const patch: UserPatch = { ...(await scopePatch(ctx, body)), roles: body.roles, disabled: body.disabled, display_name: body.display_name }
    res.json({ data: await updateUser(knex(), id, patch, req.actor!) })
  })
  router.delete('/users/:id', manage, async (req, res) => {
    await deleteUser(knex(), recordId(req), req.actor!)
    res.status(204).end()
  })
  /** A new one-time invite code (the old one stops working); shown once. */
  router.post('/users/:id/invite', manage, async (req, res) => {
    res.status(201).json({ data: await createInvite(knex(), recordId(req), req.actor!) })
  })
  /** {password?}: sets it, or generates one and answers it once; the user's sessions end. */
  router.post('/users/:id/reset-password', manage, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>
    res.json({ data: await resetPassword(knex(), recordId(req), body.password, req.actor!) })
  })

  // ---- API tokens: one's own; everyone's with users.manage ------------------------------------
  router.get('/tokens', async (req, res) => {
    const all = req.query.all === '1' || req.query.all === 'true'
    if (all && !mayManage(req)) throw adminOnly()
    res.json({ data: await listTokens(knex(), all ? {} : { userId: req.user!.id }) })
  })
  /** {name, user_id?, role_keys?: [keys], expires?: "30d" | expires_at?: ms}; the token is in the answer, once. */
  router.post('/tokens', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>
    const raw = body.user_id
    const userId = raw === undefined || raw === null ? undefined : Number(raw)
    if (userId !== undefined && !((typeof raw === 'number' || typeof raw === 'string') && /^\d{1,15}$/.test(String(raw)) && userId >= 1)) {
      throw badRequest('user_id must be a user id (a whole number)')
    }
    if (userId !== undefined && userId !== req.user!.id && !mayManage(req)) throw adminOnly()
    const user = userId === undefined ? req.user! : await findUser(knex(), userId)
    if (!user || user.disabled) throw badRequest(`no user ${String(body.user_id)}`).because('unknown_user', { user: String(body.user_id) })
    const roleKeys = await checkTokenRoles(knex(), user.id, body.role_keys)
    const expiresAt = body.expires_at !== undefined && body.expires_at !== null ? expiresAtValue(body.expires_at) : parseExpiry(body.expires)
    const created = await knex().transaction(async (trx) => {
      const made = await createToken(trx, user, String(body.name ?? ''), { roleKeys, expiresAt })
      await logEvent(trx, { subject: '$tokens', targetId: made.record.id, action: 'token_create', actor: req.actor!, details: { user: user.username, name: made.record.name, role_keys: roleKeys, expires_at: expiresAt } })
      return made
    })
    // The token is shown this once; only its hash is kept.
    res.status(201).json({ data: { ...created.record, username: user.username, token: created.token } })
  })
  router.delete('/tokens/:id', async (req, res) => {
    const id = recordId(req)
    const token = await findToken(knex(), id)
    // someone else's token is as missing as an unknown one
    if (!token || (token.user_id !== req.user!.id && !mayManage(req))) throw notFound(`no token ${id}`).because('token_not_found', { id })
    await knex().transaction(async (trx) => {
      await revokeToken(trx, id)
      await logEvent(trx, { subject: '$tokens', targetId: id, action: 'token_revoke', actor: req.actor!, details: { name: token.name, user_id: token.user_id } })
    })
    res.status(204).end()
  })

  // ---- sessions: one's own; everyone's with users.manage ---------------------------------------
  router.get('/sessions', async (req, res) => {
    const all = req.query.all === '1' || req.query.all === 'true'
    if (all && !mayManage(req)) throw adminOnly()
    const data = await listSessions(knex(), { userId: all ? undefined : req.user!.id, idleMinutes: ctx.config.sessionIdleMinutes, currentToken: sessionToken(req) })
    res.json({ data })
  })
  router.delete('/sessions/:id', async (req, res) => {
    const session = await findSession(knex(), String(req.params.id))
    if (!session || (session.user_id !== req.user!.id && !mayManage(req))) throw notFound('no such session').because('session_not_found')
    await knex().transaction(async (trx) => {
      await endSession(trx, session.id)
      await logEvent(trx, { subject: '$sessions', targetId: session.user_id, action: 'session_end', actor: req.actor! })
    })
    res.status(204).end()
  })
  return router
}

/** Invites, before authentication: GET /api/auth/invite/:code (who it is for), POST /api/auth/invite {code, password}. */
export function inviteRoutes(ctx: AppContext): Router {
  const router = Router()
  router.get('/:code', async (req, res) => {
    res.json({ data: await inviteFor(ctx.db.knex, req.params.code) })
  })
  router.post('/', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>
    const user = await acceptInvite(ctx.db.knex, body.code, body.password, req.ip ?? null)
    res.json({ data: { username: user.username } })
  })
  return router
}

const adminOnly = () => new AppError(403, 'forbidden', 'you need the permission "users.manage"').because('capability_denied', { capability: 'users.manage' })

function expiresAtValue(input: unknown): number {
  const value = Number(input)
  if (!Number.isSafeInteger(value) || value <= Date.now()) throw badRequest('expires_at must be a future time in milliseconds').because('bad_token_expiry', { value: String(input) })
  return value
}

/**
 * `shops` and `warehouses` of a body, checked to be records of the shops and warehouses forms
 * (read as the system through the records service: no SQL on form tables).
 */
async function scopePatch(ctx: AppContext, body: Record<string, unknown>): Promise<Pick<UserPatch, 'shops' | 'warehouses'>> {
  const patch: Pick<UserPatch, 'shops' | 'warehouses'> = {}
  for (const field of ['shops', 'warehouses'] as const) {
    const input = body[field]
    if (input === undefined) continue
    if (!Array.isArray(input) || input.some((v) => !Number.isSafeInteger(v) || (v as number) < 1)) {
      throw badRequest(`${field} must be a list of record ids`).because('ids_expected', { field })
    }
    const ids = [...new Set(input as number[])].sort((a, b) => a - b)
    const formKey = SCOPE_FORMS[field]
    const records = ctx.records.as(SYSTEM_ACTOR)
    const missing: number[] = []
    if (ids.length && !ctx.registry.get(formKey)) missing.push(...ids)
    else {
      for (const id of ids) {
        try {
          await records.get(formKey, id)
        } catch (error) {
          if (error instanceof AppError && error.status === 404) missing.push(id)
          else throw error
        }
      }
    }
    if (missing.length) throw badRequest(`no ${formKey} record(s) ${missing.join(', ')}`).because('unknown_scope_records', { form: formKey, ids: missing.join(', ') })
    patch[field] = ids
  }
  return patch
}
