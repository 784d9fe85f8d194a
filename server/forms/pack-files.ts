import fs from 'node:fs'
import path from 'node:path'
import { badRequest } from '../lib/errors'

function readJson(file: string): unknown {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw badRequest(`cannot read ${file}: ${(error as Error).message}`)
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw badRequest(`${file} is not valid JSON: ${(error as Error).message}`)
  }
}

const IMAGE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' }

function dataUri(file: string): string {
  const type = IMAGE_TYPES[path.extname(file).toLowerCase()]
  if (!type) throw badRequest(`${file}: a screenshot must be a .png, .jpg or .webp file`)
  try {
    return `data:${type};base64,${fs.readFileSync(file).toString('base64')}`
  } catch (error) {
    throw badRequest(`cannot read ${file}: ${(error as Error).message}`)
  }
}

/**
 * Reads a pack from a JSON file, or from a folder whose pack.json lists its forms as files
 * (`"forms": ["forms/orders.json", …]`, likewise `"dashboards"`) and may name a roles file and a sample-data file — large packs stay
 * readable one form per file. Returns the pack as one object, as the installer takes it.
 */
export function readPack(location: string): Record<string, unknown> {
  const isDir = fs.existsSync(location) && fs.statSync(location).isDirectory()
  const file = isDir ? path.join(location, 'pack.json') : location
  const base = path.dirname(file)
  const pack = readJson(file) as Record<string, unknown>
  if (Array.isArray(pack.forms)) {
    pack.forms = pack.forms.map((entry) => (typeof entry === 'string' ? readJson(path.join(base, entry)) : entry))
  }
  if (Array.isArray(pack.dashboards)) {
    pack.dashboards = pack.dashboards.map((entry) => (typeof entry === 'string' ? readJson(path.join(base, entry)) : entry))
  }
  if (Array.isArray(pack.screenshots)) pack.screenshots = pack.screenshots.map((entry) => (typeof entry === 'string' && !entry.startsWith('data:') ? dataUri(path.join(base, entry)) : entry))
  if (typeof pack.roles === 'string') pack.roles = readJson(path.join(base, pack.roles))
  if (typeof pack.sample_data === 'string') pack.sample_data = readJson(path.join(base, pack.sample_data))
  if (typeof pack.seed_data === 'string') pack.seed_data = readJson(path.join(base, pack.seed_data))
  return pack
}
