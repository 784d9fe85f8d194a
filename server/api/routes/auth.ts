import { permissionsOf, rolesOf } from './roles'
import { serialize } from 'cookie'
import { Router, type Request } from 'express'
import type { Actor } from '../../access/actor'
import { logEvent } from '../../audit/events'
import { createSession, deleteSession, SESSION_COOKIE, SESSION_DAYS, userForSession } from '../../auth/credentials'
import { LoginThrottle } from '../../auth/throttle'
import { checkLogin, findUser, type User } from '../../auth/users'
import type { AppContext } from '../../context'
import { AppError, badRequest, unauthenticated } from '../../lib/errors'
import { authenticate, sessionToken } from '../auth'
import { secureCookie } from '../cookies'

/** Longer than any username we accept (64): a longer one is not a login, and is not stored. */
const MAX_USERNAME = 200
const MAX_PASSWORD = 1000

function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown'
}

function actorOf(user: User, ip: string): Actor {
  return { userId: user.id, username: user.username, role: user.role, source: 'ui', ip }
}

/**
 * POST /login, POST /logout, GET /me. Logins are throttled (server/auth/throttle.ts) and every
 * login, failed login and logout is an audit event under `$auth` (never with the password).
 */
export function authRoutes(ctx: AppContext): Router {
  const router = Router()
  const throttle = new LoginThrottle(ctx.db.knex)
  const cookieFor = (req: Request, value: string, maxAge: number) =>
    serialize(SESSION_COOKIE, value, { httpOnly: true, sameSite: 'lax', path: '/', maxAge, secure: secureCookie(ctx.config, req) })

  router.post('/login', async (req, res) => {
    const { username, password } = (req.body ?? {}) as { username?: unknown; password?: unknown }
    if (typeof username !== 'string' || typeof password !== 'string' || !username || !password || username.length > MAX_USERNAME || password.length > MAX_PASSWORD) {
      throw badRequest('send {"username": …, "password": …}').because('bad_login_request')
    }
    const ip = clientAddress(req)
    const account = username.toLowerCase()
    const failed = async (reason: string) => logEvent(ctx.db.knex, { subject: '$auth', action: 'login_failed', actor: null, name: username, details: { reason }, ip })
    try {
      await throttle.check(ip, account)
    } catch (error) {
      if (error instanceof AppError) await failed(error.reason)
      throw error
    }
    const user = await throttle.limitChecks(() => checkLogin(ctx.db.knex, username, password))
    if (!user) {
      await throttle.failed(ip, account)
      await failed('wrong_password')
      throw unauthenticated('wrong username or password').because('wrong_password')
    }
    await throttle.succeeded(ip, account)
    const session = await createSession(ctx.db.knex, user.id, { ip, userAgent: req.headers['user-agent'] })
    await logEvent(ctx.db.knex, { subject: '$auth', targetId: user.id, action: 'login', actor: actorOf(user, ip), ip })
    res.setHeader('Set-Cookie', cookieFor(req, session.token, SESSION_DAYS * 86_400))
    res.json({ data: user })
  })
  router.post('/logout', async (req, res) => {
    const token = sessionToken(req)
    if (token) {
      const userId = await userForSession(ctx.db.knex, token)
      await deleteSession(ctx.db.knex, token)
      const user = userId === null ? null : await findUser(ctx.db.knex, userId)
      if (user) await logEvent(ctx.db.knex, { subject: '$auth', targetId: user.id, action: 'logout', actor: actorOf(user, clientAddress(req)), ip: clientAddress(req) })
    }
    res.setHeader('Set-Cookie', cookieFor(req, '', 0))
    res.status(204).end()
  })
  router.get('/me', authenticate(ctx), async (req, res) => {
    await ctx.registry.refreshIfChanged()
    res.json({ data: { ...req.user, roles: rolesOf(ctx, req.actor!), permissions: permissionsOf(ctx, req.actor!) } })
  })
  return router
}
