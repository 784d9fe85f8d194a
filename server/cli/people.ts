import type { Actor } from '../access/actor'
import { logEvent } from '../audit/events'
import { createToken, findToken, listTokens, parseExpiry, revokeToken } from '../auth/credentials'
import { generatePassword } from '../auth/passwords'
import { checkTokenRoles, createUser, findUserByName, listUserDetails, setPassword, updateUser, type User } from '../auth/users'
import type { AppContext } from '../context'

/**
 * The CLI's user and token commands (`npm run zg -- user …`, `token …`), as functions of the
 * context so tests call them in-process. They act as the command line (audit source `cli`).
 */
export type Flags = Record<string, string | boolean | undefined>
export type CliCommand = (ctx: AppContext, args: string[], flags: Flags, print?: (line: string) => void) => Promise<void>

export const CLI_ACTOR: Actor = Object.freeze({ userId: null, username: 'cli', role: 'system', source: 'cli' })

const roleList = (text: string | boolean | undefined, what: string): string[] => {
  if (typeof text !== 'string' || !text.trim()) throw new Error(`${what} needs role keys: admin,manager,service,warehouse,finance,operations`)
  return text.split(',').map((k) => k.trim()).filter(Boolean)
}

async function requireUser(ctx: AppContext, username: string | undefined, command: string): Promise<User> {
  if (!username) throw new Error(`${command} needs a username`)
  const user = await findUserByName(ctx.db.knex, username)
  if (!user) throw new Error(`no user "${username}"`)
  return user
}

export const peopleCommands: Record<string, CliCommand> = {
  async 'user create'(ctx, [username], flags, print = console.log) {
    if (!username) throw new Error('user create needs a username')
    const password = typeof flags.password === 'string' ? flags.password : generatePassword()
    const roles = typeof flags.roles === 'string' ? roleList(flags.roles, 'user create --roles') : undefined
    const user = await createUser(
      ctx.db.knex,
      {
        username,
        password,
        display_name: typeof flags.name === 'string' ? flags.name : undefined,
        ...(roles ? { roles } : { role: flags.admin ? 'admin' : 'member' }),
      },
      CLI_ACTOR,
    )
    const [detail] = await listUserDetails(ctx.db.knex, { id: user.id })
    print(`Created "${user.username}" (id ${user.id}) with roles ${detail!.roles.join(', ') || '(none)'}.`)
    if (typeof flags.password !== 'string') print(`Password (shown once): ${password}`)
  },
  async 'user passwd'(ctx, [username], flags, print = console.log) {
    if (!username) throw new Error('user passwd needs a username')
    const password = typeof flags.password === 'string' ? flags.password : generatePassword()
    await setPassword(ctx.db.knex, username, password, { actor: CLI_ACTOR })
    print(`Password of "${username}" changed; their sessions are ended (API tokens stay until revoked).`)
    if (typeof flags.password !== 'string') print(`New password (shown once): ${password}`)
  },
  async 'user list'(ctx, _args, _flags, print = console.log) {
    for (const u of await listUserDetails(ctx.db.knex)) {
      print(`${u.id}\t${u.username}\t${u.roles.join(',') || '-'}${u.disabled ? '\t(disabled)' : ''}\t${u.display_name}`)
    }
  },
  async 'user roles'(ctx, [username, keys], _flags, print = console.log) {
    const user = await requireUser(ctx, username, 'user roles')
    const detail = await updateUser(ctx.db.knex, user.id, { roles: roleList(keys, 'user roles <username>') }, CLI_ACTOR)
    print(`"${user.username}" now has roles ${detail.roles.join(', ') || '(none)'}.`)
  },
  async 'user disable'(ctx, [username], _flags, print = console.log) {
    const user = await requireUser(ctx, username, 'user disable')
    await updateUser(ctx.db.knex, user.id, { disabled: true }, CLI_ACTOR)
    print(`"${user.username}" is disabled: their sessions ended and their API tokens are revoked.`)
  },
  async 'user enable'(ctx, [username], _flags, print = console.log) {
    const user = await requireUser(ctx, username, 'user enable')
    await updateUser(ctx.db.knex, user.id, { disabled: false }, CLI_ACTOR)
    print(`"${user.username}" is enabled (revoked API tokens stay revoked; make new ones).`)
  },
  async 'token create'(ctx, _args, flags, print = console.log) {
    const user = await requireUser(ctx, typeof flags.user === 'string' ? flags.user : 'admin', 'token create --user')
    if (user.disabled) throw new Error(`"${user.username}" is disabled`)
    const roleKeys = await checkTokenRoles(ctx.db.knex, user.id, typeof flags.roles === 'string' ? roleList(flags.roles, '--roles') : undefined)
    const expiresAt = parseExpiry(typeof flags.expires === 'string' ? flags.expires : undefined)
    const { token } = await ctx.db.knex.transaction(async (trx) => {
      const made = await createToken(trx, user, typeof flags.name === 'string' ? flags.name : 'cli', { roleKeys, expiresAt })
      await logEvent(trx, { subject: '$tokens', targetId: made.record.id, action: 'token_create', actor: CLI_ACTOR, details: { user: user.username, name: made.record.name, role_keys: roleKeys, expires_at: expiresAt } })
      return made
    })
    print(token)
  },
  async 'token list'(ctx, _args, _flags, print = console.log) {
    for (const t of await listTokens(ctx.db.knex)) {
      const until = t.expires_at ? `\tuntil ${new Date(t.expires_at).toISOString().slice(0, 10)}` : ''
      print(`${t.id}\t${t.prefix}…\t${t.username}\t${t.name}${t.role_keys ? `\troles ${t.role_keys.join(',')}` : ''}${until}`)
    }
  },
  async 'token revoke'(ctx, [id], _flags, print = console.log) {
    if (!/^\d{1,15}$/.test(id ?? '')) throw new Error('token revoke needs a token id (see token list)')
    const token = await findToken(ctx.db.knex, Number(id))
    if (!token) throw new Error(`no token ${id}`)
    await ctx.db.knex.transaction(async (trx) => {
      await revokeToken(trx, token.id)
      await logEvent(trx, { subject: '$tokens', targetId: token.id, action: 'token_revoke', actor: CLI_ACTOR, details: { name: token.name, user_id: token.user_id } })
    })
    print(`Token ${id} revoked.`)
  },
}
