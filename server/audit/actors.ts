import type { Actor, ActorSource } from '../access/actor'

/**
 * The actors the audit trail tells apart (docs/audit.md). A person's own writes carry the source
 * of their request (ui for a session, api for a token); what the system does carries where it came
 * from: the Taobao sync, an import, the CLI, or a rule run because of someone's write.
 */
export const SYNC_ACTOR: Actor = Object.freeze({ userId: null, username: 'sync', role: 'system', source: 'sync' })
export const CLI_ACTOR: Actor = Object.freeze({ userId: null, username: 'cli', role: 'system', source: 'cli' })

/** The same actor, its writes recorded as coming from `source` (an import started by a user). */
export function fromSource(actor: Actor, source: ActorSource): Actor {
  return { ...actor, source }
}

/**
 * The system doing the rules of `cause`'s write (postings, balances, hooks that write other
 * records, fields an action sets): it may do what the user may not (role system), and its audit
 * entries name the user (user id, name, token, IP) with source `rule`. Derived writes of the
 * system's own work (the sync, the CLI) keep that source: the sync's orders are the sync's.
 */
export function ruleActor(cause: Actor): Actor {
  if (cause.role === 'system') return cause
  return Object.freeze({
    userId: null,
    username: cause.username,
    role: 'system',
    source: 'rule',
    tokenId: cause.tokenId ?? null,
    ip: cause.ip ?? null,
    onBehalfOf: cause.userId,
  })
}

/** The system's scheduled rules (auto-audit of paid orders). */
export const AUTO_RULE_ACTOR: Actor = Object.freeze({ userId: null, username: 'system', role: 'system', source: 'rule' })
