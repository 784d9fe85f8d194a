import fs from 'node:fs'
import path from 'node:path'
import type { Config } from '../config'
import { connect, SQLITE_FILE } from '../db/connect'
import { migrate, MIGRATION_NAMES } from '../db/migrate'
import { AppError, badRequest, conflict } from '../lib/errors'
import { FILES_PREFIX, KEY_ENTRY, MANIFEST_ENTRY, openArchive, writeArchive, type ArchiveEntry, type BackupManifest } from './archive'
import { runPgTool } from './postgres-tools'

/**
 * Backup and restore of one Zhanggui instance: the database (a consistent snapshot taken while the
 * app runs), the uploaded files and the secret key, in one zip. See docs/backup.md.
 */

const PG_DUMP_ENTRY = 'database/postgres.dump'
const SQLITE_ENTRY = `database/${SQLITE_FILE}`
/** What lives in a data directory besides anything the merchant put there. */
const DATA_ENTRIES = [SQLITE_FILE, `${SQLITE_FILE}-wal`, `${SQLITE_FILE}-shm`, 'files', 'imports', 'secret.key']

export interface BackupOptions {
  out: string
  /** folder of pg_dump / pg_restore (ZG_PG_BIN); PATH when null */
  pgBin?: string | null
}

export interface BackupSummary {
  out: string
  bytes: number
  database: 'sqlite' | 'postgres'
  files: number
  key: BackupManifest['key']
}

export interface RestoreOptions {
  file: string
  /** replace a non-empty data directory (and for PostgreSQL a non-empty database) */
  force?: boolean
  pgBin?: string | null
}

export interface RestoreSummary {
  database: 'sqlite' | 'postgres'
  files: number
  key: 'restored' | 'environment' | 'none'
  created_at: string
  forms: number
  warnings: string[]
}

const appVersion = (): string => JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')).version

/** Every file under the store, as paths relative to it (files being written end in .tmp and are left out). */
function storedFiles(root: string): string[] {
  if (!fs.existsSync(root)) return []
  return (fs.readdirSync(root, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((d) => d.isFile() && !d.name.endsWith('.tmp'))
    .map((d) => path.relative(root, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .sort()
}

async function appliedMigrations(knex: import('knex').Knex): Promise<string[]> {
  if (!(await knex.schema.hasTable('zg_migrations'))) throw badRequest('the database is not a Zhanggui database (it has no zg_migrations table)').because('backup_no_database', { path: 'zg_migrations' })
  return (await knex('zg_migrations').orderBy('id').select('name')).map((r: { name: string }) => r.name)
}

/**
 * Writes a backup archive. The database is read in one consistent snapshot (SQLite `VACUUM INTO`,
 * pg_dump's own snapshot) while the app keeps running; the files are copied after it, so every file
 * the snapshot refers to is there (files are written before their row and never removed).
 */
export async function createBackup(config: Config, options: BackupOptions): Promise<BackupSummary> {
  const out = path.resolve(options.out)
  if (!fs.existsSync(path.dirname(out))) throw badRequest(`the folder of ${out} does not exist`).because('backup_out_folder_missing', { folder: path.dirname(out) })
  const database = config.databaseUrl ? 'postgres' : 'sqlite'
  // The snapshot is staged next to the archive (the merchant chose a place with room for it).
  const stage = fs.mkdtempSync(path.join(path.dirname(out), '.zg-backup-'))
  try {
    const entries: ArchiveEntry[] = []
    let migrations: string[]
    if (database === 'sqlite') {
      const file = path.join(config.dataDir, SQLITE_FILE)
      if (!fs.existsSync(file)) throw badRequest(`there is no database at ${file} (check ZG_DATA_DIR)`).because('backup_no_database', { path: file })
      const db = connect(config)
      try {
        migrations = await appliedMigrations(db.knex)
        const snapshot = path.join(stage, SQLITE_FILE)
        fs.writeFileSync(snapshot, '', { mode: 0o600, flag: 'wx' })
        // One read transaction: writers carry on (WAL), the copy is the database as of its start.
        await db.knex.raw('VACUUM INTO ?', [snapshot])
        entries.push({ name: SQLITE_ENTRY, file: snapshot })
      } finally {
        await db.close()
      }
    } else {
      const db = connect(config)
      try {
        migrations = await appliedMigrations(db.knex)
      } finally {
        await db.close()
      }
      const dump = path.join(stage, 'postgres.dump')
      await runPgTool('pg_dump', config.databaseUrl!, ['--format=custom', `--file=${dump}`], options.pgBin ?? null)
      fs.chmodSync(dump, 0o600)
      entries.push({ name: PG_DUMP_ENTRY, file: dump, store: true })
    }

    const filesRoot = path.join(config.dataDir, 'files')
    const files = storedFiles(filesRoot)
    for (const name of files) entries.push({ name: FILES_PREFIX + name, file: path.join(filesRoot, name) })

    let key: BackupManifest['key'] = 'none'
    const keyFile = path.join(config.dataDir, 'secret.key')
    if (config.secretKey) key = 'environment'
    else if (fs.existsSync(keyFile)) {
      key = 'file'
      entries.push({ name: KEY_ENTRY, data: fs.readFileSync(keyFile) })
    }

    const manifest: BackupManifest = {
      format: 'zhanggui-backup',
      version: 1,
      created_at: new Date().toISOString(),
      app_version: appVersion(),
      database,
      database_entry: database === 'sqlite' ? SQLITE_ENTRY : PG_DUMP_ENTRY,
      migrations,
      key,
      files: files.length,
    }
    entries.unshift({ name: MANIFEST_ENTRY, data: JSON.stringify(manifest, null, 2) })
    const bytes = await writeArchive(out, entries)
    return { out, bytes, database, files: files.length, key }
  } finally {
    fs.rmSync(stage, { recursive: true, force: true })
  }
}

async function postgresTableCount(knex: import('knex').Knex): Promise<number> {
  const row = await knex('pg_tables').whereNotIn('schemaname', ['pg_catalog', 'information_schema']).count({ n: '*' }).first()
  return Number(row?.n ?? 0)
}

/**
 * Restores an archive into the configured data directory (and PostgreSQL database), which must be
 * empty unless `force`; then opens the database as the app does (migrations run), so a backup of an
 * older version is brought up to date here.
 */
export async function restoreBackup(config: Config, options: RestoreOptions): Promise<RestoreSummary> {
  const archive = await openArchive(path.resolve(options.file))
  const { manifest } = archive
  const target = config.databaseUrl ? 'postgres' : 'sqlite'
  if (manifest.database !== target) {
    throw badRequest(`this is a ${manifest.database} backup; it restores into ${manifest.database === 'postgres' ? 'PostgreSQL (set DATABASE_URL)' : 'SQLite (unset DATABASE_URL)'}`).because('backup_wrong_database', {
      backup: manifest.database,
      target,
    })
  }
  const unknown = manifest.migrations.filter((m) => !MIGRATION_NAMES.includes(m))
  if (unknown.length) {
    throw badRequest(`the backup comes from a newer Zhanggui (${manifest.app_version}, migration ${unknown[0]}): upgrade this installation first`).because('backup_newer_version', {
      version: manifest.app_version,
      migration: unknown[0],
    })
  }

  const dataDir = config.dataDir
  const occupied = fs.existsSync(dataDir) ? fs.readdirSync(dataDir) : []
  if (occupied.length && !options.force) {
    throw conflict(`the data directory ${dataDir} is not empty; restore into an empty one, or pass --force to replace its database, files and key`).because('backup_target_not_empty', { target: dataDir })
  }
  if (target === 'postgres') {
    const db = connect(config)
    try {
      if ((await postgresTableCount(db.knex)) > 0) {
        if (!options.force) {
          throw conflict('the PostgreSQL database (DATABASE_URL) is not empty; restore into an empty database, or pass --force to drop its schema first').because('backup_target_not_empty', { target: 'DATABASE_URL' })
        }
        const schema = (await db.knex.raw('select current_schema() as name')).rows[0]?.name as string | undefined
        if (!schema) throw badRequest('the PostgreSQL search path names no schema').because('backup_target_not_empty', { target: 'DATABASE_URL' })
        await db.knex.raw('DROP SCHEMA ?? CASCADE', [schema])
        await db.knex.raw('CREATE SCHEMA ??', [schema])
      }
    } finally {
      await db.close()
    }
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  if (options.force) for (const name of DATA_ENTRIES) fs.rmSync(path.join(dataDir, name), { recursive: true, force: true })

  const warnings: string[] = []
  const files = archive.names.filter((n) => n.startsWith(FILES_PREFIX))
  for (const name of files) await archive.extract(name, path.join(dataDir, 'files', name.slice(FILES_PREFIX.length)))

  let key: RestoreSummary['key'] = 'none'
  if (manifest.key === 'file' && archive.names.includes(KEY_ENTRY)) {
    await archive.extract(KEY_ENTRY, path.join(dataDir, 'secret.key'))
    key = 'restored'
    const restored = (await archive.text(KEY_ENTRY)).trim()
    if (config.secretKey && config.secretKey.trim() !== restored) {
      warnings.push('ZG_SECRET_KEY is set and differs from the key in the backup: the app uses ZG_SECRET_KEY and cannot open the restored shop credentials; unset it (the restored secret.key is then used)')
    }
  } else if (manifest.key === 'environment') {
    key = 'environment'
    if (!config.secretKey) warnings.push('the backup was made with ZG_SECRET_KEY, which is not in the archive: set the same ZG_SECRET_KEY before starting, or the shop credentials cannot be opened')
  }

  if (target === 'sqlite') {
    const partial = path.join(dataDir, `${SQLITE_FILE}.restoring`)
    fs.rmSync(partial, { force: true })
    await archive.extract(manifest.database_entry, partial)
    fs.renameSync(partial, path.join(dataDir, SQLITE_FILE))
  } else {
    const stage = fs.mkdtempSync(path.join(dataDir, '.zg-restore-'))
    try {
      const dump = path.join(stage, 'postgres.dump')
      await archive.extract(manifest.database_entry, dump)
      // One transaction: a failed restore leaves the database empty, not half-filled.
      await runPgTool('pg_restore', config.databaseUrl!, ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', dump], options.pgBin ?? null)
    } finally {
      fs.rmSync(stage, { recursive: true, force: true })
    }
  }

  // Open it as the app does: migrations bring an older backup up to date.
  const db = connect(config)
  let forms: number
  try {
    await migrate(db.knex)
    forms = Number((await db.knex('zg_forms').count({ n: '*' }).first())?.n ?? 0)
  } catch (error) {
    if (error instanceof AppError) throw error
    throw new AppError(500, 'internal', `the restored database does not open: ${(error as Error).message}`).because('backup_tool_failed', { tool: 'migrate', message: (error as Error).message })
  } finally {
    await db.close()
  }
  return { database: target, files: files.length, key, created_at: manifest.created_at, forms, warnings }
}
