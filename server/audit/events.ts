import type { Knex } from 'knex'
import type { Actor } from '../access/actor'

/** Pseudo-forms of audit entries that are not about a form's record. */
export type EventSubject = '$auth' | '$users' | '$roles' | '$tokens' | '$sessions' | '$shops' | '$packs' | '$settings'

export interface SecurityEvent {
  /** what the entry is about, and the id of what it is about (a user, a role's row, a shop), or 0 */
  subject: EventSubject
  targetId?: number
  /** e.g. login, login_failed, logout, user_create, user_disable, roles_change, token_create, token_revoke, shop_bind */
  action: string
  /** who did it; null for an anonymous request (a failed login) */
  actor: Actor | null
  /** the name to record when there is no actor (the username a failed login tried) */
  name?: string
  /** what changed or what was tried: {field: [before, after]} or any JSON detail (never a secret) */
  details?: unknown
  ip?: string | null
}

/**
 * Records an event outside the records service's writes (logins, user and role changes, shop
 * bindings) in the audit trail, in `knex` (pass the transaction that makes the change, so the
 * entry commits with it). Entries are never changed or deleted by users; only retention prunes.
 */
export async function logEvent(knex: Knex, event: SecurityEvent): Promise<void> {
  await knex('zg_audit').insert({
    at: Date.now(),
    user_id: event.actor?.userId ?? null,
    actor_name: event.actor?.username ?? event.name ?? null,
    token_id: event.actor?.tokenId ?? null,
    source: event.actor?.source ?? null,
    // an IPv4 client on a dual-stack socket reads as ::ffff:1.2.3.4; recorded as the request's actor's is
    ip: (event.ip ?? event.actor?.ip)?.replace(/^::ffff:(?=\d+\.)/, '') ?? null,
    form: event.subject,
    record_id: event.targetId ?? 0,
    action: event.action,
    changes: event.details === undefined ? null : JSON.stringify(event.details),
  })
}
