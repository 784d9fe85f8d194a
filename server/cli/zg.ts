import { parseArgs } from 'node:util'
import { createContext } from '../app'
import { loadConfig } from '../config'
import type { AppContext } from '../context'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createBackup, restoreBackup } from '../backup'
import type { Config } from '../config'
import { SYSTEM_ACTOR } from '../access/actor'
import { prepareExport } from '../export/exporter'
import { parseExportRequest } from '../export/request'
import { createOwnForm, recomputeAfterInstall, saveForm } from '../forms/customize'
import { installPack, type InstallResult } from '../forms/installer'
import type { FormImpact } from '../forms/migrate-form'
import { readPack } from '../forms/pack-files'
import { listBundledPacks } from '../packs/bundled'
import { exportPack } from '../packs/export'
import { readPackLocation, writePackFile } from '../packs/format'
import { installPackFile, type FilePreview } from '../packs/install-file'
import { AppError } from '../lib/errors'
import { SpreadsheetImports } from '../imports'
import { wordProblem } from '../imports/report'
import { peopleCommands } from './people'
import { seedOrders } from './seed'

const HELP = `掌柜 Zhanggui command line — npm run zg -- <command>

  user create <username> [--roles <key,…>] [--password P] [--name 名字] [--admin]
                                 create a user with roles (admin, manager, service, warehouse,
                                 finance, operations; default manager, --admin = admin); a
                                 password is generated and printed if not given
  user roles <username> <key,…>  set a user's roles (the last active admin keeps admin)
  user disable <username>        disable a user: every session ends, every API token is revoked
  user enable <username>         enable a disabled user again
  user passwd <username> [--password P]
                                 set a user's password
  user list                      list users with their roles
  token create --user <username> [--roles <key,…>] [--expires 30d] [--name N]
                                 create an API token for scripts, limited to some of the
                                 user's roles and expiring (12h, 30d, 2w, 1y); printed once
  token list                     list API tokens (not the secrets)
  token revoke <id>              revoke an API token
  pack install <file|folder> [--dry-run] [--no-data]
                                 install a pack file (.zgpack.json, .zgpack.zip, a pack folder):
                                 prints the forms and fields it creates or changes and any
                                 conflicts; refused (exit 1, nothing changed) when a form
                                 conflicts or the pack is wrong (the place is printed)
  pack export (--all | --forms a,b) --out <file> [--with-data] [--with-linked]
              [--key K] [--name 名称] [--version 1.0.0] [--author A]
                                 export forms as a pack (your changes folded in, their shared
                                 views and dashboards; --with-data adds their records; files
                                 make it a .zgpack.zip)
  pack upgrade <file|folder> [--dry-run] [--keep-mine | --take-pack]
                                 upgrade a pack over your customisations: prints the changes to
                                 forms, fields and data and any conflicts with your changes;
                                 refused (exit 1, nothing changed) while a conflict is unresolved
  pack list                      list installed packs (and upgrades waiting for you) and the
                                 built-in packs not installed
  form show <form>               print a form's effective definition (pack + your changes)
  form apply <file.json> [--dry-run]
                                 save a whole form definition: your changes to a pack form are
                                 kept as your layer over it; a new key creates your own form
  import <form> <file.xlsx|.csv> [--key <field>] [--skip-bad]
                                 import a spreadsheet into a form (columns matched by label, or by
                                 the mapping saved by the last import); --key updates the records
                                 whose <field> matches and creates the rest. Prints the per-row
                                 report; refused (exit 1, nothing written) when a row is bad,
                                 unless --skip-bad writes the good rows
  migrate                        bring the system tables up to date
  backup --out <file.zip>        back up the database (a consistent snapshot, the app may keep
                                 running; pg_dump for PostgreSQL), the uploaded files and the
                                 secret key into one archive (owner-only; guard it: the key opens
                                 the shop credentials). See docs/backup.md
  restore <file.zip> [--force]   restore a backup into an empty data directory (ZG_DATA_DIR) and,
                                 for PostgreSQL, an empty database (DATABASE_URL); --force replaces
                                 what is there. Stop the app first
  export <form> --out <file.xlsx|file.csv> [--view <key>] [--filter <json>] [--sort -a,b]
         [--fields a,b] [--encoding gbk] [--locale en]
                                 write a form's records to Excel or CSV: a view's columns,
                                 filter and sort, or your own (the format follows --out)
  seed --orders N [--seed S] [--end YYYY-MM-DD] [--shipments order|daily]
                                 a year of Taobao ERP orders (10 shops, shipments, refunds and
                                 returns, monthly purchases) ending on --end (default today),
                                 the same for the same seed, count and end; installs the pack first
                                 if needed. --shipments daily: one stock-out per day instead of one
                                 per order (much faster; the journal then lacks per-order revenue)

Settings come from the environment as for npm start (ZG_DATA_DIR, DATABASE_URL).`

/** A command answers its exit code when it is not 0 (a refusal it printed itself). */
type Command = (ctx: AppContext, args: string[], flags: Record<string, string | boolean | undefined>) => Promise<void | number>

const commands: Record<string, Command> = {
  async export(ctx, [form], flags) {
    const out = typeof flags.out === 'string' ? flags.out : ''
    if (!form || !/\.(xlsx|csv)$/i.test(out)) throw new Error('export needs a form and --out <file.xlsx|file.csv>')
    const text = (name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined)
    const request = parseExportRequest({
      format: path.extname(out).slice(1).toLowerCase(),
      view: text('view'),
      filter: text('filter'),
      sort: text('sort'),
      fields: text('fields'),
      encoding: text('encoding'),
      locale: text('locale'),
    })
    const prepared = await prepareExport(ctx, SYSTEM_ACTOR, form, request)
    const count = await prepared.write(fs.createWriteStream(out))
    console.log(`Exported ${count.toLocaleString()} records of ${form} to ${out}.`)
  },
  async import(ctx, args, flags) {
    const [formKey, file] = args
    if (!formKey || !file) throw new Error('usage: import <form> <file.xlsx|.csv> [--key <field>] [--skip-bad]')
    if (!fs.existsSync(file)) throw new Error(`no file ${file}`)
    const imports = new SpreadsheetImports(ctx)
    const form = imports.form(SYSTEM_ACTOR, formKey)
    const key = typeof flags.key === 'string' ? flags.key : null
    const job = await imports.start(SYSTEM_ACTOR, form, file, { mapping: null, key, skipBad: flags['skip-bad'] === true })
    await job.done
    const locale = process.env.LANG?.startsWith('en') ? 'en' : 'zh-CN'
    for (const e of job.errors) console.log(`${e.row ? `row ${e.row}` : 'file'}${e.column ? ` [${e.column}]` : ''}${e.value ? ` "${e.value.slice(0, 60)}"` : ''}: ${wordProblem(e.code, e.params, e.message, locale)}`)
    console.log(`${formKey}: ${job.state} — created ${job.created}, updated ${job.updated}, skipped ${job.skipped}, errors ${job.errors.length}`)
    if (job.state !== 'done') return 1
  },
  async seed(ctx, _args, flags) {
    const orders = Number(flags.orders)
    if (!Number.isSafeInteger(orders) || orders < 1) throw new Error('seed needs --orders N (a whole number above 0)')
    const seed = flags.seed === undefined ? undefined : Number(flags.seed)
    if (seed !== undefined && !Number.isSafeInteger(seed)) throw new Error('--seed must be a whole number')
    const end = typeof flags.end === 'string' ? flags.end : undefined
    if (end !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(end)) throw new Error('--end must be a day like 2026-11-30')
    const shipments = flags.shipments === undefined ? undefined : flags.shipments
    if (shipments !== undefined && shipments !== 'order' && shipments !== 'daily') throw new Error('--shipments must be "order" or "daily"')
    const summary = await seedOrders(ctx, { orders, seed, end, shipments, log: (line) => console.log(line) })
    console.log(
      `Seeded ${summary.orders.toLocaleString()} orders (${summary.shipped.toLocaleString()} shipped, ${summary.afterSales.toLocaleString()} after-sales), ` +
        `${summary.stockIns} stock-ins and ${summary.stockOuts} stock-outs in ${summary.seconds} s.`,
    )
  },
  ...peopleCommands,
  async 'pack install'(ctx, [file], flags) {
    if (!file) throw new Error('pack install needs a pack file (.zgpack.json, .zgpack.zip) or folder')
    const packFile = await readPackLocation(file)
    const dryRun = Boolean(flags['dry-run'])
    const preview = await installPackFile(ctx, packFile, { dryRun: true })
    printPreview(preview)
    if (preview.conflicts.length) throw new Error(`not installed: ${preview.conflicts.length} conflict(s); nothing changed`)
    if (dryRun) return console.log('Dry run: nothing changed.')
    const result = await installPackFile(ctx, packFile, { withData: !flags['no-data'] })
    console.log(`Pack ${result.pack.key} ${result.pack.version}: installed.`)
  },
  async 'pack export'(ctx, _args, flags) {
    const out = typeof flags.out === 'string' ? flags.out : null
    if (!out) throw new Error('pack export needs --out <file>')
    const forms = flags.all ? ctx.registry.list().map((f) => f.key) : typeof flags.forms === 'string' ? flags.forms.split(',').map((f) => f.trim()).filter(Boolean) : []
    if (!forms.length) throw new Error('pack export needs --all or --forms a,b')
    const text = (name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined)
    const file = await exportPack(ctx, {
      forms,
      withData: Boolean(flags['with-data']),
      includeLinked: Boolean(flags['with-linked']),
      key: text('key'),
      name: text('name'),
      version: text('version'),
      author: text('author'),
    })
    const { buffer, extension } = await writePackFile(file)
    // Files make it a zip whatever the name says; say so rather than write a zip named .json.
    const target = file.files.size && out.endsWith('.json') ? out.replace(/\.json$/, '.zip') : out
    fs.writeFileSync(target, buffer)
    const records = Object.values((file.pack.sample_data ?? {}) as Record<string, unknown[]>).reduce((n, list) => n + list.length, 0)
    console.log(`Exported ${(file.pack.forms as unknown[]).length} form(s)${flags['with-data'] ? `, ${records} record(s) and ${file.files.size} file(s)` : ''} to ${target} (${extension}).`)
  },
  async 'pack upgrade'(ctx, [file], flags) {
    if (!file) throw new Error('pack upgrade needs a pack JSON file or folder')
    const pack = readPack(file)
    const dryRun = Boolean(flags['dry-run'])
    const choice: 'mine' | 'pack' | null = flags['keep-mine'] ? 'mine' : flags['take-pack'] ? 'pack' : null
    const plan = await installPack(ctx.db, ctx.registry, pack, { handlers: ctx.actions.names(), dryRun: true })
    const resolutions = choice ? Object.fromEntries(plan.conflicts.map((c) => [c.id, choice])) : {}
    printPlan(plan)
    if (dryRun) {
      return plan.conflicts.length && !choice ? 1 : 0
    }
    if (plan.conflicts.length && !choice) throw new Error('not upgraded: resolve the conflicts with --keep-mine or --take-pack (or in the designer)')
    const result = await installPack(ctx.db, ctx.registry, pack, { handlers: ctx.actions.names(), resolutions })
    await recomputeAfterInstall(ctx, result)
    console.log(`Pack ${result.pack}: ${result.status} ${result.from ?? ''} → ${result.version}`)
  },
  async 'pack list'(ctx) {
    const pending = new Map((await ctx.db.knex('zg_pack_pending').select('key', 'version')).map((r) => [r.key, r.version]))
    console.log('Installed:')
    for (const row of await ctx.db.knex('zg_packs').select('key', 'version')) {
      console.log(`  ${row.key}\t${row.version}${pending.has(row.key) ? `\t(upgrade to ${pending.get(row.key)} waits: conflicts with your changes)` : ''}`)
    }
    const available = (await listBundledPacks(ctx)).filter((p) => !p.installed)
    if (available.length) console.log('Built in, not installed (install in 模板中心 or with pack install templates/<dir>):')
    for (const p of available) console.log(`  ${p.key}\t${p.version}\ttemplates/${p.dir}`)
  },
  async 'form show'(ctx, [key]) {
    if (!key) throw new Error('form show needs a form key')
    console.log(JSON.stringify(ctx.registry.require(key).def, null, 2))
  },
  async 'form apply'(ctx, [file], flags) {
    if (!file) throw new Error('form apply needs a form definition JSON file')
    const def = readJsonFile(file) as { key?: unknown }
    const exists = typeof def?.key === 'string' && ctx.registry.get(def.key)
    if (!exists) {
      if (flags['dry-run']) console.log(`Would create your own form "${String(def?.key)}".`)
      else console.log(`Created your own form "${(await createOwnForm(ctx, def)).key}".`)
      return
    }
    const { impact } = await saveForm(ctx, String(def.key), def, { dryRun: Boolean(flags['dry-run']) })
    printImpact(impact, '')
    console.log(flags['dry-run'] ? 'Dry run: nothing changed.' : `Saved "${String(def.key)}".`)
  },
  async migrate() {
    console.log('System tables are up to date.')
  },
}

/** Commands that work on the data directory itself, without opening the app over it. */
type StandaloneCommand = (config: Config, args: string[], flags: Record<string, string | boolean | undefined>) => Promise<void | number>

const standalone: Record<string, StandaloneCommand> = {
  async backup(config, _args, flags) {
    if (typeof flags.out !== 'string' || !flags.out) throw new Error('backup needs --out <file.zip>')
    const summary = await createBackup(config, { out: flags.out, pgBin: process.env.ZG_PG_BIN || null })
    const key = { file: 'the secret key', environment: 'no key (it is in ZG_SECRET_KEY: keep it safe separately)', none: 'no key' }[summary.key]
    console.log(`Backed up the ${summary.database === 'sqlite' ? 'SQLite' : 'PostgreSQL'} database, ${summary.files} file(s) and ${key} to ${summary.out} (${summary.bytes.toLocaleString()} bytes).`)
    if (summary.key === 'file') console.log('The archive holds the key that opens the shop credentials: keep it where only you can read it.')
  },
  async restore(config, [file], flags) {
    if (!file) throw new Error('restore needs a backup file')
    const summary = await restoreBackup(config, { file, force: flags.force === true, pgBin: process.env.ZG_PG_BIN || null })
    for (const warning of summary.warnings) console.log(`Warning: ${warning}`)
    console.log(`Restored the backup of ${summary.created_at} (${summary.forms} forms, ${summary.files} file(s), key ${summary.key}) into ${config.databaseUrl ? 'the PostgreSQL database and ' : ''}${config.dataDir}.`)
  },
}

function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`)
  }
}

function printImpact(impact: FormImpact, indent: string) {
  const list = (label: string, items: { table: string; field: string }[]) => {
    if (items.length) console.log(`${indent}${label}: ${items.map((i) => `${i.table}.${i.field}`).join(', ')}`)
  }
  list('new columns', impact.add_columns)
  list('hidden (data kept)', impact.retire_fields)
  list('brought back', impact.restore_fields)
  list('recomputed', impact.recompute)
  for (const f of impact.fill_defaults) console.log(`${indent}existing records get ${f.table}.${f.field} = ${JSON.stringify(f.value)}`)
  for (const c of impact.conversions) {
    console.log(`${indent}convert ${c.table}.${c.field} ${c.from} → ${c.to}: ${c.convertible} of ${c.rows} values convert` +
      (c.unconvertible.count ? `; ${c.unconvertible.count} cannot (kept in a hidden backup column), e.g. ${c.unconvertible.sample.map((v) => JSON.stringify(v)).join(', ')}` : ''))
  }
}

function printPreview(preview: FilePreview) {
  const p = preview.pack
  console.log(`Pack ${p.key} ${p.version}${p.author ? ` by ${p.author}` : ''}`)
  for (const u of preview.upgrades) console.log(`  upgrades pack ${u.pack} ${u.from} → ${u.to} first`)
  const mark = { create: '+', customize: '~', update: '~', conflict: '!' } as const
  for (const form of preview.forms) {
    const f = form.fields
    const what = form.action === 'create' ? `new form of ${form.pack}` : form.action === 'customize' ? `your changes over pack ${form.pack}` : form.action === 'update' ? 'updated' : 'conflict'
    console.log(`  ${mark[form.action]} ${form.key} (${what})` + (f.added.length ? `; fields added: ${f.added.join(', ')}` : '') + (f.changed.length ? `; changed: ${f.changed.join(', ')}` : '') + (f.removed.length ? `; removed: ${f.removed.join(', ')}` : ''))
  }
  const records = Object.entries(preview.records).filter(([, n]) => n)
  if (records.length) console.log(`  records: ${records.map(([k, n]) => `${k} ${n}`).join(', ')}`)
  for (const c of preview.conflicts) {
    const why = { own_form: 'one of your own forms has this key', other_pack: `a form of pack ${c.pack} has this key`, retired_form: 'a retired form keeps this key', upgrade: `upgrading ${c.pack}: ${c.detail}` }[c.code]
    console.log(`  ! ${c.form}: ${why}`)
  }
}

function printPlan(plan: InstallResult) {
  console.log(`Pack ${plan.pack}: ${plan.from ?? '(not installed)'} → ${plan.version}`)
  for (const form of plan.forms) {
    if (form.change === 'unchanged') continue
    const f = form.fields
    console.log(`  ${form.change === 'added' ? '+' : '~'} ${form.key}${form.customized ? ' (has your changes)' : ''}` +
      (f.added.length ? `; fields added: ${f.added.join(', ')}` : '') + (f.changed.length ? `; changed: ${f.changed.join(', ')}` : '') + (f.removed.length ? `; removed: ${f.removed.join(', ')}` : ''))
    if (form.impact) printImpact(form.impact, '      ')
  }
  if (plan.conflicts.length) {
    console.log(`Conflicts with your changes (${plan.conflicts.length}):`)
    for (const c of plan.conflicts) console.log(`  ! ${c.id}: ${c.message}`)
  } else console.log('No conflicts with your changes.')
}

/**
 * Runs one command line (the words after `npm run zg --`) over the configured data and answers its
 * exit code; the output goes to the console. `npm run zg` calls it, and the tests call it in-process.
 */
export async function runZg(argv: string[], config: Config = loadConfig()): Promise<number> {
  try {
    return await run(argv, config)
  } catch (error) {
    printError(error)
    return 1
  }
}

async function run(argv: string[], config: Config): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      password: { type: 'string' },
      name: { type: 'string' },
      user: { type: 'string' },
      roles: { type: 'string' },
      expires: { type: 'string' },
      admin: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      'no-data': { type: 'boolean' },
      'with-data': { type: 'boolean' },
      'with-linked': { type: 'boolean' },
      all: { type: 'boolean' },
      forms: { type: 'string' },
      out: { type: 'string' },
      key: { type: 'string' },
      version: { type: 'string' },
      author: { type: 'string' },
      'keep-mine': { type: 'boolean' },
      'take-pack': { type: 'boolean' },
      orders: { type: 'string' },
      seed: { type: 'string' },
      end: { type: 'string' },
      shipments: { type: 'string' },
      view: { type: 'string' },
      filter: { type: 'string' },
      sort: { type: 'string' },
      fields: { type: 'string' },
      encoding: { type: 'string' },
      locale: { type: 'string' },
      'skip-bad': { type: 'boolean' },
      force: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const name = positionals.slice(0, 2).join(' ')
  const command = commands[name] ?? commands[positionals[0] ?? '']
  const own = standalone[positionals[0] ?? '']
  if (own && !values.help) return (await own(config, positionals.slice(1), values)) ?? 0
  if (values.help || !command) {
    console.log(HELP)
    return values.help ? 0 : 1
  }
  const ctx = await createContext(config)
  try {
    return (await command(ctx, positionals.slice(commands[name] ? 2 : 1), values)) ?? 0
  } finally {
    await ctx.db.close()
  }
}

function printError(error: unknown) {
  if (error instanceof AppError && Array.isArray(error.details)) {
    console.error(`Error: ${error.message}`)
    for (const d of error.details as { path?: string; field?: string; message: string }[]) console.error(`  ${d.path ?? d.field}: ${d.message}`)
  } else console.error(`Error: ${error instanceof Error ? error.message : String(error)}${error instanceof AppError && error.reason !== error.code ? ` [${error.reason}]` : ''}`)
}

// Run as a program (not imported by a test): exit with the command's code.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void runZg(process.argv.slice(2)).then((code) => {
    if (code !== 0) process.exit(code)
  })
}
