import type { Request } from 'express'
import type { Config } from '../config'

/**
 * Whether a cookie is marked Secure: always with ZG_COOKIE_SECURE=1 (behind a TLS-terminating
 * proxy that is not trusted, or to be sure), otherwise when the request came over https (as
 * Express sees it: X-Forwarded-Proto counts only from proxies named in ZG_TRUST_PROXY).
 */
export function secureCookie(config: Config, req: Request): boolean {
  return config.cookieSecure || req.secure
}
