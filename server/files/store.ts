import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Knex } from 'knex'
import { badRequest, notFound } from '../lib/errors'

export interface StoredFile {
  id: number
  name: string
  mime: string
  size: number
  form: string | null
  path: string
}

export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024

/** Images a browser may show inline; anything else downloads, so an uploaded page cannot run. */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])

/**
 * Attachments live under `<data dir>/files/`, named by content hash, and are described in
 * zg_files. Which form a file was uploaded for decides who may read it.
 */
export class FileStore {
  constructor(
    private readonly knex: Knex,
    private readonly root: string,
  ) {}

  async save(input: { name: string; mime: string; buffer: Buffer; form: string | null; userId: number | null }): Promise<StoredFile> {
    const name = path.basename(input.name || 'file').slice(0, 200)
    if (!name) throw badRequest('the file needs a name')
    const sha256 = createHash('sha256').update(input.buffer).digest('hex')
    const relative = path.join(sha256.slice(0, 2), `${sha256}`)
    const absolute = path.join(this.root, relative)
    if (!fs.existsSync(absolute)) {
      // Owner-only, like the database: uploads are business documents.
      await fs.promises.mkdir(path.dirname(absolute), { recursive: true, mode: 0o700 })
      const temporary = `${absolute}.${randomBytes(6).toString('hex')}.tmp`
      await fs.promises.writeFile(temporary, input.buffer, { mode: 0o600 })
      await fs.promises.rename(temporary, absolute)
    }
    const mime = /^[\w.+-]+\/[\w.+-]+$/.test(input.mime) ? input.mime : 'application/octet-stream'
    const [row] = await this.knex('zg_files')
      .insert({ name, mime, size: input.buffer.length, sha256, storage_path: relative, form: input.form, created_by: input.userId, created_at: Date.now() })
      .returning('id')
    return { id: Number(row.id ?? row), name, mime, size: input.buffer.length, form: input.form, path: absolute }
  }

  async find(id: number): Promise<StoredFile> {
    const row = Number.isSafeInteger(id) ? await this.knex('zg_files').where({ id }).first() : undefined
    if (!row) throw notFound(`file ${id} does not exist`).because('file_not_found', { id })
    return { id: Number(row.id), name: row.name, mime: row.mime, size: Number(row.size), form: row.form, path: path.join(this.root, row.storage_path) }
  }

  static disposition(file: StoredFile): string {
    const kind = INLINE_TYPES.has(file.mime) ? 'inline' : 'attachment'
    const ascii = file.name.replace(/[^\x20-\x7e]|["\\]/g, '_')
    return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.name)}`
  }
}
