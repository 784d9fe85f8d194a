import { createHash, createHmac } from 'node:crypto'

export type SignMethod = 'md5' | 'hmac' | 'hmac-sha256'
export const SIGN_METHODS: readonly SignMethod[] = ['md5', 'hmac', 'hmac-sha256']

export type SignableParams = Record<string, string | null | undefined>

/** Keys compared as UTF-8 bytes, as the gateway does (`_` 0x5F sorts before lower-case letters). */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

/**
 * The string TOP signs: every param except `sign` with a non-empty value, sorted by key bytes,
 * concatenated as key + raw value with no separators and no URL encoding.
 */
export function signingString(params: SignableParams): string {
  return Object.keys(params)
    .filter((key) => key !== 'sign' && params[key] !== undefined && params[key] !== null && params[key] !== '')
    .sort(compareBytes)
    .map((key) => key + params[key])
    .join('')
}

export function signTopRequest(params: SignableParams, secret: string, method: SignMethod): string {
  const text = signingString(params)
  switch (method) {
    case 'md5':
      return createHash('md5').update(secret + text + secret, 'utf8').digest('hex').toUpperCase()
    case 'hmac':
      return createHmac('md5', secret).update(text, 'utf8').digest('hex').toUpperCase()
    case 'hmac-sha256':
      return createHmac('sha256', secret).update(text, 'utf8').digest('hex').toUpperCase()
    default:
      throw new Error(`unknown sign method "${String(method)}"`)
  }
}

export function isSignMethod(value: unknown): value is SignMethod {
  return typeof value === 'string' && (SIGN_METHODS as readonly string[]).includes(value)
}
