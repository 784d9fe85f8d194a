import fs from 'node:fs'
import path from 'node:path'
import { RolePolicy, type AccessPolicy } from './access/policy'
import { RoleStore } from './access/roles'
import type { Config } from './config'
import type { AppContext } from './context'
import { connect } from './db/connect'
import { migrate } from './db/migrate'
import { FileStore } from './files/store'
import { SecretBox } from './lib/secrets'
import { GatewayPolicy } from './sync/gateways'
import { ShopConnections } from './sync/connections'
import { registerSync } from './sync'
import { FormRegistry } from './forms/registry'
import { installBundledPack, type InstallResult } from './forms/installer'
import { recomputeAfterInstall } from './forms/customize'
import { readPack } from './forms/pack-files'
import { registerErp } from './erp'
import { registerDocumentActions } from './records/document-actions'
import { HookRegistry } from './records/hooks'
import { ActionRegistry, RecordsService, type RecordsServiceDeps } from './records/service'
import { setUpApprovals } from './approvals'

export const TEMPLATES_DIR = path.resolve(import.meta.dirname, '../templates')

/** Connects, migrates the system tables and wires the services. */
export async function createContext(config: Config, options: { access?: AccessPolicy } = {}): Promise<AppContext> {
  const db = connect(config)
  try {
    await migrate(db.knex)
  } catch (error) {
    await db.close()
    throw error
  }
  const registry = new FormRegistry(db.knex)
  await registry.load()
  const hooks = new HookRegistry()
  const actions = new ActionRegistry()
  registerDocumentActions(actions)
  const roles = new RoleStore(db.knex, registry)
  await roles.load()
  const access = options.access ?? new RolePolicy(roles, registry)
  const deps: RecordsServiceDeps = { db, registry, access, hooks, actions }
  const records = new RecordsService(deps)
  const approvals = setUpApprovals(deps, records, registry, db)
  const files = new FileStore(db.knex, path.join(config.dataDir, 'files'))
  const secrets = SecretBox.fromEnvironment(config.dataDir, config.secretKey)
  const connections = new ShopConnections(db.knex, secrets, config.taobaoGatewayUrl, new GatewayPolicy(config.taobaoGateways ?? [], config.taobaoGatewayUrl))
  const ctx: AppContext = { config, db, registry, access, roles, hooks, actions, records, approvals, files, secrets, connections }
  registerErp(ctx)
  registerSync(ctx)
  return ctx
}

/** Menu order of the bundled packs: the ERP first, the field-type showcase last. */
const PACK_ORDER = ['taobao-erp', 'starter']

/**
 * Bundled packs every instance gets (installed on first start, upgraded on every start). The
 * other bundled packs wait in the template centre until a merchant installs one; once installed
 * they are upgraded on start like these.
 */
export const DEFAULT_PACKS = ['taobao-erp', 'starter']

/** The packs shipped in templates/: every folder with a pack.json. */
export function bundledPacks(): { dir: string; file: string }[] {
  if (!fs.existsSync(TEMPLATES_DIR)) return []
  const rank = (name: string) => (PACK_ORDER.includes(name) ? PACK_ORDER.indexOf(name) : PACK_ORDER.length)
  return fs
    .readdirSync(TEMPLATES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(TEMPLATES_DIR, d.name, 'pack.json')))
    .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name))
    .map((d) => ({ dir: path.join(TEMPLATES_DIR, d.name), file: path.join(TEMPLATES_DIR, d.name, 'pack.json') }))
}

/**
 * Installs (or upgrades) the bundled packs, and on a first install creates their sample data
 * through the records service, like any other write.
 */
export async function installBundledPacks(ctx: AppContext, options: { sampleData: boolean }): Promise<InstallResult[]> {
  const results: InstallResult[] = []
  const installed = new Set((await ctx.db.knex('zg_packs').select('key')).map((r: { key: string }) => r.key))
  for (const { dir, file } of bundledPacks()) {
    const pack = readPack(file)
    if (!DEFAULT_PACKS.includes(path.basename(dir)) && !installed.has(String(pack.key))) continue
    const result = await installBundledPack(ctx.db, ctx.registry, pack, { handlers: ctx.actions.names() })
    await recomputeAfterInstall(ctx, result)
    results.push(result)
    if (result.status === 'installed' && options.sampleData && pack.sample_data) await createSampleData(ctx, pack.sample_data as Record<string, Record<string, unknown>[]>)
  }
  return results
}

/**
 * Sample records may link to earlier ones by `"$ref": "<form>:<index>"` (index in that form's list)
 * and name actions to run once created (`"$actions": ["submit"]`, e.g. to post opening stock).
 */
export async function createSampleData(ctx: AppContext, sample: Record<string, Record<string, unknown>[]>): Promise<void> {
  const created = new Map<string, number[]>()
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve)
    if (value && typeof value === 'object') {
      const ref = (value as { $ref?: unknown }).$ref
      if (typeof ref === 'string') {
        const [form, index] = ref.split(':')
        const id = created.get(form)?.[Number(index)]
        if (id === undefined) throw new Error(`sample data refers to ${ref}, which is not created before it`)
        return id
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]))
    }
    return value
  }
  for (const [form, records] of Object.entries(sample)) {
    const inputs = records.map(({ $actions: _actions, ...record }) => resolve(record))
    const result = await ctx.records.createMany(form, inputs)
    created.set(form, result.map((r) => r.id))
    for (const [i, record] of records.entries()) {
      for (const action of (record.$actions as string[] | undefined) ?? []) await ctx.records.runAction(form, result[i].id, action)
    }
  }
}
