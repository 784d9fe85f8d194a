import type { Capability } from '../../schema/template/roles'
import type { Actor } from './actor'
import type { AccessPolicy } from './policy'

/**
 * Whether `actor` holds a capability that is not about one form (schema/template/roles.ts). Asks
 * the access policy's `can` when it has one (the roles policy); until then only administrators
 * and the system hold capabilities.
 */
export function hasCapability(access: AccessPolicy, actor: Actor, capability: Capability): boolean {
  const can = (access as { can?: (actor: Actor, capability: string) => boolean }).can
  if (typeof can === 'function') return can.call(access, actor, capability)
  return actor.role === 'admin' || actor.role === 'system'
}
