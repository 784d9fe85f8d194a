import { permissionsOf, rolesOf } from './roles'
import { serialize } from 'cookie'
import { Router, type Request } from 'express'
import { createSession, deleteSession, SESSION_COOKIE, SESSION_DAYS } from '../../auth/credentials'
import { checkLogin } from '../../auth/users'
import type { AppContext } from '../../context'
import { AppError, badRequest, unauthenticated } from '../../lib/errors'
import { authenticate, sessionToken } from '../auth'

/** Slows password guessing: 5 failures per user and address lock that pair for 5 minutes. */
const failures = new Map<string, { count: number; until: number }>()
const MAX_FAILURES = 5
const LOCK_MS = 5 * 60_000

function cookieFor(req: Request, value: string, maxAge: number): string {
  return serialize(SESSION_COOKIE, value, { httpOnly: true, sameSite: 'lax', path: '/', maxAge, secure: req.secure })
}

export function authRoutes(ctx: AppContext): Router {
  const router = Router()
  router.post('/login', async (req, res) => {
    const { username, password } = (req.body ?? {}) as { username?: unknown; password?: unknown }
    if (typeof username !== 'string' || typeof password !== 'string' || !username || !password) {
      throw badRequest('send {"username": …, "password": …}').because('bad_login_request')
    }
    const key = `${req.ip}|${username.toLowerCase()}`
    const record = failures.get(key)
    if (record && record.count >= MAX_FAILURES && record.until > Date.now()) {
      throw new AppError(429, 'too_many_attempts', 'too many failed logins; wait a few minutes and try again').because('login_locked')
    }
    const user = await checkLogin(ctx.db.knex, username, password)
    if (!user) {
      const count = record && record.until > Date.now() ? record.count + 1 : 1
      failures.set(key, { count, until: Date.now() + LOCK_MS })
      throw unauthenticated('wrong username or password').because('wrong_password')
    }
    failures.delete(key)
    const session = await createSession(ctx.db.knex, user.id)
    res.setHeader('Set-Cookie', cookieFor(req, session.token, SESSION_DAYS * 86_400))
    res.json({ data: user })
  })
  router.post('/logout', async (req, res) => {
    const token = sessionToken(req)
    if (token) await deleteSession(ctx.db.knex, token)
    res.setHeader('Set-Cookie', cookieFor(req, '', 0))
    res.status(204).end()
  })
  router.get('/me', authenticate(ctx), async (req, res) => {
    await ctx.registry.refreshIfChanged()
    res.json({ data: { ...req.user, roles: rolesOf(ctx, req.actor!), permissions: permissionsOf(ctx, req.actor!) } })
  })
  return router
}
