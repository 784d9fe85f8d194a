import { parse as parseCookies } from 'cookie'
import type { NextFunction, Request, Response } from 'express'
import type { Actor } from '../access/actor'
import { hasCapability } from '../access/policy'
import { resolveActor } from '../access/resolve'
import type { Capability } from '../../schema/template/roles'
import { SESSION_COOKIE, userForSession, userForToken } from '../auth/credentials'
import { findUser, type User } from '../auth/users'
import type { AppContext } from '../context'
import { forbidden, unauthenticated } from '../lib/errors'

declare module 'express-serve-static-core' {
  interface Request {
    user?: User
    actor?: Actor
    /** how `user` was authenticated */
    credential?: 'token' | 'session'
    /** the API token's role subset (null: all of its user's roles) */
    tokenRoleKeys?: string[] | null
  }
}

export function sessionToken(req: Request): string | null {
  const cookies = parseCookies(req.headers.cookie ?? '')
  return cookies[SESSION_COOKIE] ?? null
}

/**
 * Resolves the session cookie or Bearer token to a user; 401 when there is neither, when the
 * session has expired or been idle too long, when the token is revoked or expired (reason
 * token_expired), and when the user is disabled or deleted (checked on every request).
 */
export function authenticate(ctx: AppContext) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const bearer = bearerToken(req)
    let userId: number | null = null
    let tokenId: number | null = null
    let tokenRoleKeys: string[] | null = null
    if (bearer !== null) {
      const use = await userForToken(ctx.db.knex, bearer)
      if (use === null) throw unauthenticated('the API token is not valid (revoked or mistyped)').because('invalid_token')
      ;({ userId, tokenId, roleKeys: tokenRoleKeys } = use)
    } else {
      const token = sessionToken(req)
      if (token) userId = await userForSession(ctx.db.knex, token, ctx.config.sessionIdleMinutes)
    }
    const user = userId === null ? null : await findUser(ctx.db.knex, userId)
    if (!user || user.disabled) throw unauthenticated()
    req.user = user
    req.credential = bearer !== null ? 'token' : 'session'
    req.tokenRoleKeys = tokenRoleKeys
    req.actor = await resolveActor(ctx, user, { tokenRoleKeys, tokenId, source: bearer !== null ? 'api' : 'ui', ip: req.ip ?? null })
    next()
  }
}

/** Lets the request through when its actor has the capability (administrators have every one); 403 otherwise. */
export function requireCapability(ctx: AppContext, capability: Capability) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!req.actor || !hasCapability(ctx.access, req.actor, capability)) {
      throw forbidden(`you need the permission "${capability}"`).because('capability_denied', { capability })
    }
    next()
  }
}

/** Administrators only (a role with `all`). */
export function requireAdmin(req: Request, _res: Response, next: NextFunction) {
  if (req.actor?.role !== 'admin') throw forbidden('only administrators can do this').because('admin_only')
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
  // Browsers that leave Origin out still say where a request came from (Fetch Metadata).
  const site = req.headers['sec-fetch-site']
  if (!origin && (site === 'cross-site' || site === 'same-site')) throw forbidden('cross-site requests are not allowed').because('cross_site')
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
