import fs from 'node:fs'
import path from 'node:path'
import JSZip from 'jszip'
import { readPack } from '../forms/pack-files'
import { badRequest } from '../lib/errors'

/**
 * A pack as a file (docs/packs.md): plain JSON (`.zgpack.json`, screenshots as data URIs), or a
 * zip (`.zgpack.zip` / `.zgpack`) when it carries files — `pack.json` at the root and the files of
 * exported records under `files/`, named from the sample data as `{"$file": "files/…"}`.
 * jszip is what node_modules already has (exceljs depends on it).
 */
export interface PackFile {
  pack: Record<string, unknown>
  /** files the sample data names, by their path inside the zip */
  files: Map<string, Buffer>
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04])

export function isZip(buffer: Buffer): boolean {
  return buffer.subarray(0, 4).equals(ZIP_MAGIC)
}

/** Reads a pack from the bytes of a .zgpack.json or .zgpack.zip; `name` names the file in errors. */
export async function parsePackFile(buffer: Buffer, name: string): Promise<PackFile> {
  if (!isZip(buffer)) return { pack: parseJson(buffer.toString('utf8'), name), files: new Map() }
  let zip: JSZip
  try {
    zip = await JSZip.loadAsync(buffer)
  } catch (error) {
    throw badRequest(`${name} is not a readable zip: ${(error as Error).message}`).because('pack_file_bad_zip', { file: name, detail: (error as Error).message })
  }
  const entry = zip.file('pack.json')
  if (!entry) throw badRequest(`${name} has no pack.json at its root`).because('pack_file_missing_entry', { file: name, entry: 'pack.json' })
  const pack = parseJson(await entry.async('string'), `${name}/pack.json`)
  const files = new Map<string, Buffer>()
  for (const wanted of fileRefs(pack.sample_data)) {
    const file = zip.file(wanted)
    if (!file) throw badRequest(`${name} has no ${wanted}, which its sample data names`).because('pack_file_missing_entry', { file: name, entry: wanted })
    files.set(wanted, await file.async('nodebuffer'))
  }
  return { pack, files }
}

/** Reads a pack from a file (.zgpack.json, .zgpack.zip, .zgpack, any .json) or a pack folder. */
export async function readPackLocation(location: string): Promise<PackFile> {
  if (fs.existsSync(location) && fs.statSync(location).isDirectory()) return { pack: readPack(location), files: new Map() }
  let buffer: Buffer
  try {
    buffer = fs.readFileSync(location)
  } catch (error) {
    throw badRequest(`cannot read ${location}: ${(error as Error).message}`).because('pack_file_unreadable', { file: location, detail: (error as Error).message })
  }
  return parsePackFile(buffer, path.basename(location))
}

/** The bytes of a pack file: JSON when it carries no files, else a zip. */
export async function writePackFile(file: PackFile): Promise<{ buffer: Buffer; extension: '.zgpack.json' | '.zgpack.zip' }> {
  const json = JSON.stringify(file.pack, null, 2)
  if (!file.files.size) return { buffer: Buffer.from(json, 'utf8'), extension: '.zgpack.json' }
  const zip = new JSZip()
  zip.file('pack.json', json)
  for (const [name, bytes] of file.files) zip.file(name, bytes)
  return { buffer: await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }), extension: '.zgpack.zip' }
}

function parseJson(text: string, name: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (error) {
    throw badRequest(`${name} is not valid JSON: ${(error as Error).message}`).because('pack_file_not_json', { file: name, detail: (error as Error).message })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest(`${name} must hold a pack (a JSON object)`).because('pack_file_not_json', { file: name, detail: 'not an object' })
  }
  return value as Record<string, unknown>
}

/** The `$file` paths named anywhere in sample data. */
export function fileRefs(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => fileRefs(v, out))
  else if (value && typeof value === 'object') {
    const ref = (value as { $file?: unknown }).$file
    if (typeof ref === 'string') out.add(ref)
    else Object.values(value).forEach((v) => fileRefs(v, out))
  }
  return out
}
