import type { Knex } from 'knex'

/** Sync runs keep what they did to the ERP (orders created, cancelled…) for the log. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('zg_sync_runs', (t) => {
    t.text('effects')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('zg_sync_runs', (t) => {
    t.dropColumn('effects')
  })
}
