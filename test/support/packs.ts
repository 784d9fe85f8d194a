import fs from 'node:fs'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '../..')

/** The bundled starter pack, without its sample data (tests make their own). */
export function starterPack(): any {
  const pack = JSON.parse(fs.readFileSync(path.join(ROOT, 'templates/starter/pack.json'), 'utf8'))
  delete pack.sample_data
  return pack
}
