/** Who is acting: a logged-in user, an API token's user, or the system itself (rules, sync). */
export interface Actor {
  userId: number | null
  username: string
  role: 'admin' | 'member' | 'system'
}

export const SYSTEM_ACTOR: Actor = Object.freeze({ userId: null, username: 'system', role: 'system' })
