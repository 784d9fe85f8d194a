/** Where a write came from, as the audit trail records it. */
export type ActorSource = 'ui' | 'api' | 'import' | 'sync' | 'rule' | 'cli'

/**
 * Who is acting: a logged-in user, an API token's user, or the system itself (rules, sync).
 * `role` is 'admin' for a user holding a role with `all` (everything); permissions otherwise come
 * from `roles` through the access policy (server/access/policy.ts).
 */
export interface Actor {
  userId: number | null
  username: string
  role: 'admin' | 'member' | 'system'
  /** the role keys in effect: the user's, narrowed by the token's subset; undefined = none resolved yet */
  roles?: readonly string[]
  /** record ids for row scopes: $user.shops, $user.warehouses */
  shops?: readonly number[]
  warehouses?: readonly number[]
  /** the API token acting, when it is one */
  tokenId?: number | null
  source?: ActorSource
  ip?: string | null
  /** a system actor doing a user's rules (postings, hooks): the user whose write caused it (audit) */
  onBehalfOf?: number | null
}

export const SYSTEM_ACTOR: Actor = Object.freeze({ userId: null, username: 'system', role: 'system' })
