import fs from 'node:fs'
import path from 'node:path'
import { readPack } from '../../server/forms/pack-files'

const ROOT = path.resolve(import.meta.dirname, '../..')

/** The bundled starter pack, without its sample data (tests make their own). */
export function starterPack(): any {
  const pack = JSON.parse(fs.readFileSync(path.join(ROOT, 'templates/starter/pack.json'), 'utf8'))
  delete pack.sample_data
  return pack
}

/** The bundled Taobao ERP pack as one object (forms read from their files), without sample data. */
export function taobaoErpPack(): any {
  const pack = readPack(path.join(ROOT, 'templates/taobao-erp'))
  delete pack.sample_data
  return pack
}
