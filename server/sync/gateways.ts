import { AppError } from '../lib/errors'
import { checkGatewayUrl, parseGatewayOrigins, type GatewayRules } from '../taobao/gateway-policy'

/**
 * The gateway allow-list of this server (server/taobao/gateway-policy.ts decides): Taobao's
 * gateways, the origins in `ZG_TAOBAO_GATEWAYS` and of the configured default gateway
 * (`TAOBAO_GATEWAY_URL`: the operator's own choice), and the built-in demo simulator once it is
 * mounted. Checked when a shop is bound (422 before any call) and again before every call.
 */
export class GatewayPolicy {
  private readonly allowed: string[]
  private readonly builtIn: string[] = []

  constructor(allowed: readonly string[], defaultGateway?: string) {
    this.allowed = [...allowed]
    if (defaultGateway) {
      try {
        this.allowed.push(new URL(defaultGateway).origin)
      } catch {
        // a bad default gateway is refused on use
      }
    }
  }

  static fromEnv(env: NodeJS.ProcessEnv, defaultGateway?: string): GatewayPolicy {
    return new GatewayPolicy(parseGatewayOrigins(env.ZG_TAOBAO_GATEWAYS), defaultGateway)
  }

  /** The built-in simulator served by this process (`http://127.0.0.1:3000/taobao-sim/`). */
  allowBuiltIn(prefix: string): void {
    if (!this.builtIn.includes(prefix)) this.builtIn.push(prefix)
  }

  /** More allowed origins (tests that start a simulator on a free port). */
  allowOrigins(origins: string): void {
    for (const origin of parseGatewayOrigins(origins)) if (!this.allowed.includes(origin)) this.allowed.push(origin)
  }

  get rules(): GatewayRules {
    return { allowed: this.allowed, builtIn: this.builtIn }
  }

  /** Throws 422 with the reason when `url` may not be called. */
  assert(url: string): void {
    const verdict = checkGatewayUrl(url, this.rules)
    if (verdict.ok) return
    const host = verdict.host ?? ''
    switch (verdict.reason) {
      case 'bad_url':
      case 'bad_scheme':
        throw new AppError(422, 'validation_failed', 'gateway_url must be an http(s) URL').because('bad_gateway_url')
      case 'credentials_in_url':
        throw new AppError(422, 'validation_failed', 'gateway_url must not carry a user name or password').because('gateway_credentials_in_url')
      case 'private_address':
        throw new AppError(422, 'validation_failed', `gateway_url points at a loopback, private, link-local or metadata address (${host}); add its origin to ZG_TAOBAO_GATEWAYS to allow it`).because('gateway_private_address', { host })
      default:
        throw new AppError(422, 'validation_failed', `gateway_url ${host} is neither a Taobao gateway nor on the allow-list (ZG_TAOBAO_GATEWAYS)`).because('gateway_not_allowed', { host })
    }
  }
}
