import { parse as parseCookies } from 'cookie'
import type { NextFunction, Request, Response } from 'express'
import type { Actor } from '../access/actor'
import { SESSION_COOKIE, tokenUse, userForSession } from '../auth/credentials'
import { findUser, type User } from '../auth/users'
import type { AppContext } from '../context'
import { forbidden, unauthenticated } from '../lib/errors'

declare module 'express-serve-static-core' {
  interface Request {
    user?: User
    actor?: Actor
    /** how `user` was authenticated */
    credential?: 'token' | 'session'
  }
}

export function sessionToken(req: Request): string | null {
  const cookies = parseCookies(req.headers.cookie ?? '')
  return cookies[SESSION_COOKIE] ?? null
}

/** Resolves the session cookie or Bearer token to a user; 401 when there is neither. */
export function authenticate(ctx: AppContext) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const bearer = bearerToken(req)
    let userId: number | null = null
    let tokenId: number | null = null
    if (bearer !== null) {
      const use = await tokenUse(ctx.db.knex, bearer)
      userId = use?.userId ?? null
      tokenId = use?.tokenId ?? null
      if (userId === null) throw unauthenticated('the API token is not valid (revoked or mistyped)').because('invalid_token')
    } else {
      const token = sessionToken(req)
      if (token) userId = await userForSession(ctx.db.knex, token)
    }
    const user = userId === null ? null : await findUser(ctx.db.knex, userId)
    if (!user || user.disabled) throw unauthenticated()
    req.user = user
    req.credential = bearer !== null ? 'token' : 'session'
    // where the request came from, as the audit trail records it
    req.actor = { userId: user.id, username: user.username, role: user.role, source: bearer !== null ? 'api' : 'ui', tokenId, ip: req.ip?.replace(/^::ffff:(?=\d+\.)/, '') ?? null }
    next()
  }
}

export function requireAdmin(req: Request, _res: Response, next: NextFunction) {
  if (req.user?.role !== 'admin') throw forbidden('only administrators can do this').because('admin_only')
  next()
}

/**
 * Cookie-authenticated writes must come from our own pages. Only a request authenticated by its
 * Bearer token is exempt (a cross-site page cannot send one); with any other Authorization header,
 * or before authentication (login, logout), the cookie is what counts, so the origin is checked.
 */
export function requireSameOrigin(req: Request, _res: Response, next: NextFunction) {
  if (req.method === 'GET' || req.method === 'HEAD' || req.credential === 'token') return next()
  const origin = req.headers.origin
  if (origin && originHost(origin) !== req.headers.host) throw forbidden('cross-site requests are not allowed').because('cross_site')
  next()
}

function bearerToken(req: Request): string | null {
  const header = req.headers.authorization
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : null
}

/** null for opaque origins ("null" from sandboxed frames, file: pages) and anything unparsable */
function originHost(origin: string): string | null {
  try {
    return new URL(origin).host || null
  } catch {
    return null
  }
}
