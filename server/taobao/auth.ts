import { parseTopJson } from './json'

export const TAOBAO_AUTHORIZE_URL = 'https://oauth.taobao.com/authorize'
export const TAOBAO_TOKEN_URL = 'https://oauth.taobao.com/token'

export interface TopTokens {
  /** sent as `session` */
  accessToken: string
  refreshToken: string | null
  /** epoch ms */
  expiresAt: number
  refreshExpiresAt: number | null
  userId: string
  /** URL-decoded */
  userNick: string
}

/** The token endpoint refused (HTTP 4xx/5xx with `error` / `error_description`) or answered nonsense. */
export class TopOAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly httpStatus: number,
  ) {
    super(`taobao oauth: ${error}${description ? ` (${description})` : ''}`)
    this.name = 'TopOAuthError'
  }
}

export interface AuthorizeUrlOptions {
  authorizeBase?: string
  appKey: string
  redirectUri: string
  /** opaque value echoed back to the callback: bind it to the user's session to stop CSRF */
  state: string
  view?: 'web' | 'tmall' | 'wap'
}

export function authorizeUrl(options: AuthorizeUrlOptions): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: options.appKey,
    redirect_uri: options.redirectUri,
    state: options.state,
    view: options.view ?? 'web',
  })
  const base = options.authorizeBase ?? TAOBAO_AUTHORIZE_URL
  return `${base}${base.includes('?') ? '&' : '?'}${query}`
}

interface TokenRequestBase {
  tokenUrl?: string
  appKey: string
  appSecret: string
  /** to compute expiresAt when the answer has no expire_time */
  now?: () => number
  fetch?: typeof fetch
}

export interface ExchangeCodeOptions extends TokenRequestBase {
  code: string
  redirectUri: string
}

export interface RefreshTokenOptions extends TokenRequestBase {
  refreshToken: string
}

export function exchangeCode(options: ExchangeCodeOptions): Promise<TopTokens> {
  return requestToken(options, { grant_type: 'authorization_code', code: options.code, redirect_uri: options.redirectUri })
}

export function refreshToken(options: RefreshTokenOptions): Promise<TopTokens> {
  return requestToken(options, { grant_type: 'refresh_token', refresh_token: options.refreshToken })
}

async function requestToken(options: TokenRequestBase, grant: Record<string, string>): Promise<TopTokens> {
  const body = new URLSearchParams({ ...grant, client_id: options.appKey, client_secret: options.appSecret })
  const response = await (options.fetch ?? fetch)(options.tokenUrl ?? TAOBAO_TOKEN_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
    body,
  })
  const text = await response.text()
  let answer: Record<string, unknown>
  try {
    answer = parseTopJson(text) as Record<string, unknown>
  } catch {
    throw new TopOAuthError('invalid_response', `HTTP ${response.status}, not JSON`, response.status)
  }
  if (!response.ok || answer?.error || !answer?.access_token) {
    throw new TopOAuthError(String(answer?.error ?? 'invalid_response'), String(answer?.error_description ?? ''), response.status)
  }
  return tokensFromAnswer(answer, (options.now ?? Date.now)())
}

function tokensFromAnswer(answer: Record<string, unknown>, now: number): TopTokens {
  const seconds = (value: unknown) => (value === undefined || value === null || value === '' ? null : Number(value))
  const expireTime = seconds(answer.expire_time)
  const expiresIn = seconds(answer.expires_in)
  const refreshValid = seconds(answer.refresh_token_valid_time)
  const refreshExpiresIn = seconds(answer.re_expires_in)
  const nick = String(answer.taobao_user_nick ?? '')
  let userNick = nick
  try {
    userNick = decodeURIComponent(nick)
  } catch {
    // not URL-encoded after all
  }
  return {
    accessToken: String(answer.access_token),
    refreshToken: answer.refresh_token ? String(answer.refresh_token) : null,
    expiresAt: expireTime ?? now + (expiresIn ?? 0) * 1000,
    refreshExpiresAt: refreshValid ?? (refreshExpiresIn === null ? null : now + refreshExpiresIn * 1000),
    userId: String(answer.taobao_user_id ?? ''),
    userNick,
  }
}
