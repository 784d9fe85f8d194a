import type { Knex } from 'knex'
import { validateDashboard } from '../../schema/dashboards/validate'
import type { DashboardDefinition } from '../../schema/dashboards/types'
import type { FormModel } from '../../schema/model/types'
import { applyOverlay, diffDefinition, rebaseConflicts, resolveConflicts, type Patch } from '../../schema/overlay/overlay'

export interface DashboardRow {
  key: string
  pack_key: string | null
  owner_id: number | null
  base: DashboardDefinition | null
  overlay: Patch | null
  definition: DashboardDefinition
  position: number
}

const parse = <T>(text: unknown): T | null => (typeof text === 'string' && text ? (JSON.parse(text) as T) : null)

export function rowOf(raw: Record<string, unknown>): DashboardRow {
  return {
    key: String(raw.key),
    pack_key: (raw.pack_key as string | null) ?? null,
    owner_id: raw.owner_id == null ? null : Number(raw.owner_id),
    base: parse(raw.base_definition),
    overlay: parse(raw.overlay),
    definition: parse<DashboardDefinition>(raw.definition)!,
    position: Number(raw.position),
  }
}

export interface DashboardInstall {
  created: string[]
  updated: string[]
  removed: string[]
  /** dashboards whose key a merchant's own dashboard already has: not installed */
  skipped: string[]
}

/**
 * Installs a pack's dashboards in the pack's transaction. An upgraded dashboard keeps the
 * merchant's overlay: laid over the new pack definition, where both changed the same thing the
 * merchant's value wins (a dashboard holds no data, so nothing is lost by either choice, and the
 * merchant chose theirs deliberately). An overlay that no longer fits the pack's forms is dropped
 * back to the pack's definition, keeping the overlay stored for a later version. Dashboards the
 * pack no longer has are removed unless the merchant changed them.
 */
export async function installPackDashboards(
  trx: Knex.Transaction,
  packKey: string,
  boards: DashboardDefinition[],
  forms: (key: string) => FormModel | undefined,
): Promise<DashboardInstall> {
  const result: DashboardInstall = { created: [], updated: [], removed: [], skipped: [] }
  const now = Date.now()
  const existing = new Map((await trx('zg_dashboards').whereIn('key', boards.length ? boards.map((b) => b.key) : ['']).select()).map((r) => [String(r.key), rowOf(r)]))
  for (const [i, base] of boards.entries()) {
    const row = existing.get(base.key)
    if (row && row.pack_key !== packKey) {
      result.skipped.push(base.key)
      continue
    }
    if (!row) {
      await trx('zg_dashboards').insert({ key: base.key, pack_key: packKey, owner_id: null, base_definition: JSON.stringify(base), overlay: null, definition: JSON.stringify(base), position: i, created_at: now, updated_at: now })
      result.created.push(base.key)
      continue
    }
    let overlay = row.overlay
    if (overlay && row.base) {
      const conflicts = rebaseConflicts(row.base, base, overlay)
      overlay = resolveConflicts(row.base, overlay, conflicts, Object.fromEntries(conflicts.map((c) => [c.path, 'mine' as const]))) ?? null
    }
    let effective = applyOverlay(base, overlay)
    if (overlay && validateDashboard(effective, forms).length) effective = base
    if (JSON.stringify(row.base) === JSON.stringify(base) && JSON.stringify(effective) === JSON.stringify(row.definition)) continue
    await trx('zg_dashboards')
      .where({ key: base.key })
      .update({ base_definition: JSON.stringify(base), overlay: overlay ? JSON.stringify(overlay) : null, definition: JSON.stringify(effective), position: i, updated_at: now })
    result.updated.push(base.key)
  }
  const keep = boards.map((b) => b.key)
  const gone = (await trx('zg_dashboards').where({ pack_key: packKey }).select('key', 'overlay')).filter((r) => !keep.includes(String(r.key)) && !r.overlay)
  if (gone.length) await trx('zg_dashboards').whereIn('key', gone.map((r) => r.key)).delete()
  result.removed = gone.map((r) => String(r.key))
  return result
}

/** The merchant's layer over a pack dashboard after saving `def` (null: same as the pack). */
export function overlayFor(base: DashboardDefinition, def: DashboardDefinition): Patch | null {
  return diffDefinition(base, def) ?? null
}
