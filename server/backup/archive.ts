import fs from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import JSZip from 'jszip'
import { badRequest } from '../lib/errors'

/** What a backup archive says about itself (manifest.json at its root). */
export interface BackupManifest {
  format: 'zhanggui-backup'
  version: 1
  created_at: string
  app_version: string
  database: 'sqlite' | 'postgres'
  /** the database file or dump inside the archive */
  database_entry: string
  /** system migrations the database had: a restore refuses a backup newer than its code */
  migrations: string[]
  /** 'file': secret.key is in the archive; 'environment': the key came from ZG_SECRET_KEY and is not */
  key: 'file' | 'environment' | 'none'
  files: number
}

export const MANIFEST_ENTRY = 'manifest.json'
export const KEY_ENTRY = 'secret.key'
export const FILES_PREFIX = 'files/'

/** A file's bytes read only when the zip writer reaches it, so a large file store does not open every file at once. */
function lazyFile(file: string): Readable {
  let source: fs.ReadStream | null = null
  const stream: Readable = new Readable({
    read() {
      if (source) {
        source.resume()
        return
      }
      source = fs.createReadStream(file)
      source.on('data', (chunk) => {
        if (!stream.push(chunk)) source!.pause()
      })
      source.on('end', () => stream.push(null))
      source.on('error', (error) => stream.destroy(error))
    },
  })
  return stream
}

export interface ArchiveEntry {
  name: string
  /** a file on disk (streamed) or bytes */
  file?: string
  data?: Buffer | string
  /** already compressed (a pg_dump custom-format file): stored as is */
  store?: boolean
}

/**
 * Writes the entries as a zip to `out`, owner-only (0600): first under a temporary name in the same
 * folder, renamed when complete, so a failed backup never leaves a truncated archive behind.
 */
export async function writeArchive(out: string, entries: ArchiveEntry[]): Promise<number> {
  const zip = new JSZip()
  for (const entry of entries) {
    const content = entry.file ? lazyFile(entry.file) : entry.data!
    zip.file(entry.name, content, { binary: true, compression: entry.store ? 'STORE' : 'DEFLATE' })
  }
  const temporary = `${out}.${process.pid}.partial`
  try {
    const target = fs.createWriteStream(temporary, { mode: 0o600, flags: 'wx' })
    await pipeline(zip.generateNodeStream({ type: 'nodebuffer', streamFiles: true, compressionOptions: { level: 6 } }), target)
    fs.chmodSync(temporary, 0o600)
    fs.renameSync(temporary, out)
  } finally {
    fs.rmSync(temporary, { force: true })
  }
  return fs.statSync(out).size
}

/** An archive opened for restoring: its manifest and a way to write out each entry. */
export interface OpenedArchive {
  manifest: BackupManifest
  names: string[]
  extract(name: string, to: string): Promise<void>
  text(name: string): Promise<string>
}

export async function openArchive(file: string): Promise<OpenedArchive> {
  const unreadable = (detail: string) => badRequest(`${file} is not a Zhanggui backup: ${detail}`).because('backup_file_unreadable', { file, detail })
  let zip: JSZip
  try {
    zip = await JSZip.loadAsync(await fs.promises.readFile(file))
  } catch (error) {
    throw unreadable((error as Error).message)
  }
  const manifestEntry = zip.file(MANIFEST_ENTRY)
  if (!manifestEntry) throw unreadable(`it has no ${MANIFEST_ENTRY}`)
  let manifest: BackupManifest
  try {
    manifest = JSON.parse(await manifestEntry.async('string'))
  } catch (error) {
    throw unreadable(`${MANIFEST_ENTRY}: ${(error as Error).message}`)
  }
  if (manifest?.format !== 'zhanggui-backup' || manifest.version !== 1) throw unreadable(`${MANIFEST_ENTRY} is not a version 1 Zhanggui backup manifest`)
  if (!zip.file(manifest.database_entry)) throw unreadable(`it has no ${manifest.database_entry}`)
  const names = Object.values(zip.files).filter((f) => !f.dir).map((f) => f.name)
  for (const name of names) {
    // Entries are written under the data directory: nothing may climb out of it.
    if (path.isAbsolute(name) || name.split('/').includes('..')) throw unreadable(`entry ${name} points outside the data directory`)
  }
  return {
    manifest,
    names,
    async extract(name, to) {
      fs.mkdirSync(path.dirname(to), { recursive: true, mode: 0o700 })
      await pipeline(zip.file(name)!.nodeStream('nodebuffer'), fs.createWriteStream(to, { mode: 0o600, flags: 'wx' }))
    },
    text: (name) => zip.file(name)!.async('string'),
  }
}
