import path from 'node:path'
import { bundledPacks } from '../app'
import type { AppContext } from '../context'
import { recomputeAfterInstall } from '../forms/customize'
import { compareVersions, installPack, type InstallOptions, type InstallResult } from '../forms/installer'
import { readPack } from '../forms/pack-files'
import { notFound } from '../lib/errors'
import { createPackRecords } from './data'

/** A pack shipped in templates/, as the template centre shows it. */
export interface BundledPack {
  key: string
  dir: string
  name: unknown
  version: string
  description?: unknown
  author?: string
  screenshots: string[]
  forms: { key: string; label: unknown; group?: unknown }[]
  has_sample_data: boolean
  /** the version installed here (null: not installed) */
  installed: string | null
  /** the bundled version is newer than the installed one */
  upgradable: boolean
}

export async function listBundledPacks(ctx: AppContext): Promise<BundledPack[]> {
  const installed = new Map<string, string>((await ctx.db.knex('zg_packs').select('key', 'version')).map((r) => [String(r.key), String(r.version)]))
  return bundledPacks().map(({ dir, file }) => {
    const pack = readPack(file) as Record<string, any>
    const here = installed.get(pack.key) ?? null
    return {
      key: pack.key,
      dir: path.basename(dir),
      name: pack.name,
      version: pack.version,
      description: pack.description,
      author: pack.author,
      screenshots: pack.screenshots ?? [],
      forms: (pack.forms as { key: string; label: unknown; group?: unknown }[]).map((f) => ({ key: f.key, label: f.label, group: f.group })),
      has_sample_data: Boolean(pack.sample_data),
      installed: here,
      upgradable: here !== null && compareVersions(pack.version, here) > 0,
    }
  })
}

/** Installs (or upgrades) a bundled pack by key; its sample data is created on a first install when asked. */
export async function installBundledByKey(ctx: AppContext, key: string, options: InstallOptions & { withData?: boolean } = {}): Promise<InstallResult> {
  const found = bundledPacks()
    .map(({ file }) => readPack(file))
    .find((p) => p.key === key)
  if (!found) throw notFound(`there is no built-in pack "${key}"`).because('pack_not_bundled', { pack: key })
  // Installed as on start (sample data and all), so the next start sees the same definition.
  const sample = found.sample_data
  const result = await installPack(ctx.db, ctx.registry, found, { ...options, handlers: ctx.actions.names() })
  await recomputeAfterInstall(ctx, result)
  if (result.status === 'installed' && options.withData && sample) await createPackRecords(ctx, sample as Record<string, Record<string, unknown>[]>)
  return result
}
