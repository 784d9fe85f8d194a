import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { badRequest } from '../lib/errors'
import { UPLOAD_TTL_MS } from './limits'

export interface StoredUpload {
  id: string
  file: string
  name: string
  form: string
  userId: number | null
}

/**
 * Uploaded spreadsheets waiting for their import, under <data dir>/imports (owner-only), for an
 * hour after upload. An upload belongs to the user and form it was sent for.
 */
export class ImportUploads {
  constructor(readonly dir: string) {}

  /** A directory multer may write into (created owner-only). */
  incoming(): string {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 })
    fs.chmodSync(this.dir, 0o700)
    return this.dir
  }

  /** Keeps a file multer wrote into incoming() as an upload. */
  keep(file: string, name: string, form: string, userId: number | null): StoredUpload {
    this.sweep()
    const id = crypto.randomBytes(16).toString('hex')
    const kept = path.join(this.incoming(), `${id}.upload`)
    fs.renameSync(file, kept)
    fs.chmodSync(kept, 0o600)
    const upload = { id, file: kept, name, form, userId }
    fs.writeFileSync(path.join(this.dir, `${id}.json`), JSON.stringify(upload), { mode: 0o600 })
    return upload
  }

  get(id: unknown, form: string, userId: number | null): StoredUpload {
    const missing = () => badRequest('the uploaded file has expired or does not exist; upload it again').because('import_upload_not_found')
    if (typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id)) throw missing()
    const meta = path.join(this.dir, `${id}.json`)
    if (!fs.existsSync(meta)) throw missing()
    const upload = JSON.parse(fs.readFileSync(meta, 'utf8')) as StoredUpload
    if (upload.form !== form || upload.userId !== userId || !fs.existsSync(upload.file)) throw missing()
    return upload
  }

  /** Drops uploads older than the time they are kept for. */
  sweep(): void {
    if (!fs.existsSync(this.dir)) return
    const old = Date.now() - UPLOAD_TTL_MS
    for (const name of fs.readdirSync(this.dir)) {
      const file = path.join(this.dir, name)
      try {
        if (fs.statSync(file).mtimeMs < old) fs.rmSync(file, { force: true })
      } catch {
        // already gone
      }
    }
  }
}
