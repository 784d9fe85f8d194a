import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/**
 * Secrets at rest (Taobao app secrets, access and refresh tokens) are sealed with AES-256-GCM.
 * The key comes from ZG_SECRET_KEY (64 hex characters or base64 of 32 bytes), or is generated once
 * into `<data dir>/secret.key` (mode 600). Sealed values look like `v1:<iv>:<tag>:<ciphertext>`.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromEnvironment(dataDir: string, configured: string | null | undefined): SecretBox {
    if (configured) return new SecretBox(parseKey(configured))
    const file = path.join(dataDir, 'secret.key')
    if (fs.existsSync(file)) return new SecretBox(parseKey(fs.readFileSync(file, 'utf8').trim()))
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    const key = randomBytes(32)
    try {
      // 'wx': never overwrite a key another process wrote first.
      fs.writeFileSync(file, key.toString('hex'), { mode: 0o600, flag: 'wx' })
      return new SecretBox(key)
    } catch {
      return new SecretBox(parseKey(fs.readFileSync(file, 'utf8').trim()))
    }
  }

  seal(plain: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv)
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':')
  }

  open(sealed: string): string {
    const [version, iv, tag, data] = sealed.split(':')
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed secret')
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'))
    decipher.setAuthTag(Buffer.from(tag, 'base64'))
    try {
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8')
    } catch {
      throw new Error('cannot decrypt a stored secret: ZG_SECRET_KEY (or data/secret.key) is not the key it was sealed with')
    }
  }
}

function parseKey(text: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64')
  if (key.length !== 32) throw new Error('ZG_SECRET_KEY must be 32 bytes: 64 hex characters or base64')
  return key
}
