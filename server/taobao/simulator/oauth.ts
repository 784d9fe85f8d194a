import { randomBytes } from 'node:crypto'
import express, { type Request, type Response, type Router } from 'express'
import type { SimClock } from './clock'

const DAY = 86_400_000
const CODE_TTL_MS = 10 * 60_000

export type SessionCheck = 'valid' | 'expired' | 'invalid'

export interface IssuedTokens {
  accessToken: string
  refreshToken: string
  expiresAt: number
  refreshExpiresAt: number
}

/** Access tokens (the `session` param), refresh tokens and authorization codes, on the simulated clock. */
export class SessionRegistry {
  private readonly access = new Map<string, { expiresAt: number | null }>()
  private readonly refresh = new Map<string, { expiresAt: number | null }>()
  private readonly codes = new Map<string, { redirectUri: string; expiresAt: number }>()

  constructor(
    private readonly tokenTtlMs: number,
    private readonly refreshTtlMs: number,
  ) {}

  /** The configured session: valid until a fault expires it. */
  addPermanent(session: string, refreshToken?: string) {
    this.access.set(session, { expiresAt: null })
    if (refreshToken) this.refresh.set(refreshToken, { expiresAt: null })
  }

  check(token: string, now: number): SessionCheck {
    const entry = this.access.get(token)
    if (!entry) return 'invalid'
    return entry.expiresAt !== null && entry.expiresAt <= now ? 'expired' : 'valid'
  }

  expireAll(now: number) {
    for (const entry of this.access.values()) {
      if (entry.expiresAt === null || entry.expiresAt > now) entry.expiresAt = now
    }
  }

  issueCode(redirectUri: string, now: number): string {
    const code = randomBytes(12).toString('hex')
    this.codes.set(code, { redirectUri, expiresAt: now + CODE_TTL_MS })
    return code
  }

  /** Single use: a code works once, within ten minutes, for the redirect_uri it was issued to. */
  redeemCode(code: string, redirectUri: string, now: number): boolean {
    const entry = this.codes.get(code)
    this.codes.delete(code)
    return !!entry && entry.expiresAt > now && entry.redirectUri === redirectUri
  }

  refreshValid(token: string, now: number): boolean {
    const entry = this.refresh.get(token)
    return !!entry && (entry.expiresAt === null || entry.expiresAt > now)
  }

  issueTokens(now: number): IssuedTokens {
    const tokens = {
      accessToken: `6100${randomBytes(20).toString('hex')}`,
      refreshToken: `6102${randomBytes(20).toString('hex')}`,
      expiresAt: now + this.tokenTtlMs,
      refreshExpiresAt: now + this.refreshTtlMs,
    }
    this.access.set(tokens.accessToken, { expiresAt: tokens.expiresAt })
    this.refresh.set(tokens.refreshToken, { expiresAt: tokens.refreshExpiresAt })
    return tokens
  }
}

export interface OAuthDeps {
  appKey: string
  appSecret: string
  sellerNick: string
  sellerUserId: string
  clock: SimClock
  sessions: SessionRegistry
  /** test and demo mode approve at once; production mode asks on a consent page */
  autoApprove: boolean
}

function redirectWith(res: Response, redirectUri: string, query: Record<string, string>) {
  const url = new URL(redirectUri)
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value)
  res.redirect(302, url.toString())
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function consentPage(deps: OAuthDeps, query: Record<string, string>): string {
  const hidden = Object.entries(query)
    .map(([key, value]) => `<input type="hidden" name="${escapeHtml(key)}" value="${escapeHtml(value)}">`)
    .join('')
  return `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>淘宝授权（模拟）</title>
<body style="font-family:sans-serif;max-width:32rem;margin:4rem auto">
<h1>授权给应用 ${escapeHtml(deps.appKey)}</h1>
<p>店铺「${escapeHtml(deps.sellerNick)}」将允许该应用读取订单、商品并回传发货信息。</p>
<form method="post">${hidden}
<button name="decision" value="approve">同意授权</button> <button name="decision" value="deny">取消</button>
</form></body></html>`
}

/** /authorize and /token, as oauth.taobao.com serves them. */
export function oauthRouter(deps: OAuthDeps): Router {
  const router = express.Router()
  router.use(express.urlencoded({ extended: false }))

  const authorize = (req: Request, res: Response) => {
    const input = { ...(req.query as Record<string, string>), ...((req.body ?? {}) as Record<string, string>) }
    const redirectUri = String(input.redirect_uri ?? '')
    if (input.client_id !== deps.appKey) return void res.status(400).type('text/plain').send('invalid client_id')
    if (!/^https?:\/\//.test(redirectUri)) return void res.status(400).type('text/plain').send('invalid redirect_uri')
    if (input.response_type && input.response_type !== 'code') return void res.status(400).type('text/plain').send('unsupported response_type')
    const state = String(input.state ?? '')
    const decision = input.decision ?? (deps.autoApprove ? 'approve' : undefined)
    if (decision === undefined) {
      const { decision: _ignored, ...query } = input
      return void res.type('html').send(consentPage(deps, query))
    }
    if (decision !== 'approve') return redirectWith(res, redirectUri, { error: 'access_denied', error_description: 'authorize reject', state })
    redirectWith(res, redirectUri, { code: deps.sessions.issueCode(redirectUri, deps.clock.now()), state })
  }
  router.get('/authorize', authorize)
  router.post('/authorize', authorize)

  router.post('/token', (req, res) => {
    const input = { ...(req.query as Record<string, string>), ...((req.body ?? {}) as Record<string, string>) }
    const now = deps.clock.now()
    const fail = (status: number, error: string, description: string) => res.status(status).json({ error, error_description: description })
    if (input.client_id !== deps.appKey || input.client_secret !== deps.appSecret) return void fail(401, 'invalid_client', 'client_id or client_secret is wrong')
    if (input.grant_type === 'authorization_code') {
      if (!deps.sessions.redeemCode(String(input.code ?? ''), String(input.redirect_uri ?? ''), now)) {
        return void fail(400, 'invalid_grant', 'code is invalid, used, expired or issued for another redirect_uri')
      }
    } else if (input.grant_type === 'refresh_token') {
      if (!deps.sessions.refreshValid(String(input.refresh_token ?? ''), now)) return void fail(400, 'invalid_grant', 'refresh_token is invalid or expired')
    } else {
      return void fail(400, 'unsupported_grant_type', `grant_type ${input.grant_type ?? '(missing)'} is not supported`)
    }
    const tokens = deps.sessions.issueTokens(now)
    const expiresIn = Math.round((tokens.expiresAt - now) / 1000)
    const refreshIn = Math.round((tokens.refreshExpiresAt - now) / 1000)
    res.json({
      access_token: tokens.accessToken,
      token_type: 'Bearer',
      expires_in: expiresIn,
      refresh_token: tokens.refreshToken,
      re_expires_in: refreshIn,
      r1_expires_in: expiresIn,
      r2_expires_in: Math.min(expiresIn, DAY / 1000),
      w1_expires_in: expiresIn,
      w2_expires_in: Math.min(expiresIn, DAY / 1000),
      taobao_user_id: deps.sellerUserId,
      taobao_user_nick: encodeURIComponent(deps.sellerNick),
      expire_time: tokens.expiresAt,
      refresh_token_valid_time: tokens.refreshExpiresAt,
    })
  })
  return router
}
