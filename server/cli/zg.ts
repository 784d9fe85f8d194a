import { parseArgs } from 'node:util'
import { createContext } from '../app'
import { createToken, listTokens, revokeToken } from '../auth/credentials'
import { generatePassword } from '../auth/passwords'
import { createUser, listUsers, setPassword } from '../auth/users'
import { loadConfig } from '../config'
import type { AppContext } from '../context'
import { installPack } from '../forms/installer'
import { readPack } from '../forms/pack-files'
import { AppError } from '../lib/errors'

const HELP = `掌柜 Zhanggui command line — npm run zg -- <command>

  user create <username> [--password P] [--name 名字] [--admin]
                                 create a user (a password is generated and printed if not given)
  user passwd <username> [--password P]
                                 set a user's password
  user list                      list users
  token create --user <username> [--name N]
                                 create an API token for scripts; printed once
  token list                     list API tokens (not the secrets)
  token revoke <id>              revoke an API token
  pack install <file|folder>     install or upgrade a template pack
  pack list                      list installed packs
  migrate                        bring the system tables up to date

Settings come from the environment as for npm start (ZG_DATA_DIR, DATABASE_URL).`

type Command = (ctx: AppContext, args: string[], flags: Record<string, string | boolean | undefined>) => Promise<void>

const commands: Record<string, Command> = {
  async 'user create'(ctx, [username], flags) {
    if (!username) throw new Error('user create needs a username')
    const password = typeof flags.password === 'string' ? flags.password : generatePassword()
    const user = await createUser(ctx.db.knex, {
      username,
      password,
      display_name: typeof flags.name === 'string' ? flags.name : undefined,
      role: flags.admin ? 'admin' : 'member',
    })
    console.log(`Created ${user.role} "${user.username}" (id ${user.id}).`)
    if (typeof flags.password !== 'string') console.log(`Password (shown once): ${password}`)
  },
  async 'user passwd'(ctx, [username], flags) {
    if (!username) throw new Error('user passwd needs a username')
    const password = typeof flags.password === 'string' ? flags.password : generatePassword()
    await setPassword(ctx.db.knex, username, password)
    console.log(`Password of "${username}" changed; their sessions are ended (API tokens stay until revoked).`)
    if (typeof flags.password !== 'string') console.log(`New password (shown once): ${password}`)
  },
  async 'user list'(ctx) {
    for (const u of await listUsers(ctx.db.knex)) console.log(`${u.id}\t${u.username}\t${u.role}${u.disabled ? '\t(disabled)' : ''}\t${u.display_name}`)
  },
  async 'token create'(ctx, _args, flags) {
    const username = typeof flags.user === 'string' ? flags.user : 'admin'
    const user = (await listUsers(ctx.db.knex)).find((u) => u.username === username)
    if (!user) throw new Error(`no user "${username}"`)
    const { token } = await createToken(ctx.db.knex, user, typeof flags.name === 'string' ? flags.name : 'cli')
    console.log(token)
  },
  async 'token list'(ctx) {
    for (const t of await listTokens(ctx.db.knex)) console.log(`${t.id}\t${t.prefix}…\tuser ${t.user_id}\t${t.name}`)
  },
  async 'token revoke'(ctx, [id]) {
    await revokeToken(ctx.db.knex, Number(id))
    console.log(`Token ${id} revoked.`)
  },
  async 'pack install'(ctx, [file]) {
    if (!file) throw new Error('pack install needs a pack JSON file or folder')
    const result = await installPack(ctx.db, ctx.registry, readPack(file), { handlers: ctx.actions.names() })
    console.log(`Pack ${result.pack} ${result.version}: ${result.status}` + (result.created.length ? `; new forms: ${result.created.join(', ')}` : '') + (result.updated.length ? `; updated: ${result.updated.join(', ')}` : ''))
  },
  async 'pack list'(ctx) {
    for (const row of await ctx.db.knex('zg_packs').select('key', 'version')) console.log(`${row.key}\t${row.version}`)
  },
  async migrate() {
    console.log('System tables are up to date.')
  },
}

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { password: { type: 'string' }, name: { type: 'string' }, user: { type: 'string' }, admin: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  })
  const name = positionals.slice(0, 2).join(' ')
  const command = commands[name] ?? commands[positionals[0] ?? '']
  if (values.help || !command) {
    console.log(HELP)
    process.exit(values.help ? 0 : 1)
  }
  const ctx = await createContext(loadConfig())
  try {
    await command(ctx, positionals.slice(commands[name] ? 2 : 1), values)
  } finally {
    await ctx.db.close()
  }
}

main().catch((error) => {
  if (error instanceof AppError && Array.isArray(error.details)) {
    console.error(`Error: ${error.message}`)
    for (const d of error.details as { path?: string; field?: string; message: string }[]) console.error(`  ${d.path ?? d.field}: ${d.message}`)
  } else console.error(`Error: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
