import type { Knex } from 'knex'
import * as system from './migrations/001-system'
import * as taobao from './migrations/002-taobao'
import * as syncEffects from './migrations/003-sync-effects'
import * as syncRecovery from './migrations/004-sync-recovery'
import * as oauthStates from './migrations/005-oauth-states'
import * as formOverlays from './migrations/006-form-overlays'
import * as approvals from './migrations/007-approvals'
import * as dashboards from './migrations/009-dashboards'
import * as tableVersions from './migrations/010-table-versions'
import * as views from './migrations/011-views'
import * as importMappings from './migrations/012-import-mappings'
import * as people from './migrations/013-people'
import * as auditTrail from './migrations/014-audit-trail'
import * as loginThrottle from './migrations/017-login-throttle'
import * as peopleLifecycle from './migrations/016-people-lifecycle'

/** Migrations are modules listed here (not files found at run time), so they bundle and type-check. */
const MIGRATIONS: Record<string, Knex.Migration> = {
  '001-system': system,
  '002-taobao': taobao,
  '003-sync-effects': syncEffects,
  '004-sync-recovery': syncRecovery,
  '005-oauth-states': oauthStates,
  '006-form-overlays': formOverlays,
  '007-approvals': approvals,
  '009-dashboards': dashboards,
  '010-table-versions': tableVersions,
  '011-views': views,
  '012-import-mappings': importMappings,
  '013-people': people,
  '014-audit-trail': auditTrail,
  '017-login-throttle': loginThrottle,
  '016-people-lifecycle': peopleLifecycle,
}

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name],
}

/** The system migrations this code knows (a backup newer than them cannot be restored). */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS)

export async function migrate(knex: Knex): Promise<void> {
  await knex.migrate.latest({ migrationSource: source, tableName: 'zg_migrations' })
}
