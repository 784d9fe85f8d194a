import type { NextFunction, Request, Response } from 'express'
import helmet from 'helmet'

/**
 * Security headers on every response (helmet), with a Content-Security-Policy the built client
 * satisfies (docs/security.md):
 * - scripts only from our own origin: Vite emits module files and no inline script, so injected
 *   markup cannot run (no inline <script>, no on* attributes: script-src-attr 'none'). 'unsafe-eval'
 *   stays for now: the form designer checks a template in the browser with ajv, which compiles
 *   its validators with `new Function` (from our own schemas, never from request data). Shipping
 *   ajv's standalone, precompiled validators to the client would let it go;
 * - styles from our origin plus inline ones: ag-grid's theming and ECharts/Element Plus insert
 *   `<style>` elements at run time. Styles cannot run script, so this is the usual compromise;
 * - images may be data: (barcodes, designer previews) and blob: (upload previews);
 * - no plugins, no framing by anyone (frame-ancestors 'none' and X-Frame-Options DENY), forms post
 *   only to us, and fetch/XHR only to our origin.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'unsafe-eval'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'script-src-attr': ["'none'"],
}

export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      // upgrade-insecure-requests would break a plain-http install on a LAN address
      directives: CONTENT_SECURITY_POLICY,
    },
    // Cross-origin isolation headers would stop the merchant's own pages embedding our images;
    // the resource policy stays same-site.
    crossOriginEmbedderPolicy: false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    // HSTS only matters over https and would pin a LAN install that later drops https: helmet
    // sends it regardless of the scheme, so it is left to the TLS-terminating proxy.
    strictTransportSecurity: false,
  })
}

/** API answers carry business data and session state: no browser or proxy may keep them. */
export function noStore(_req: Request, res: Response, next: NextFunction) {
  res.setHeader('Cache-Control', 'no-store')
  next()
}
