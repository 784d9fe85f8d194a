import type { Knex } from 'knex'

/**
 * Trades a sync could not store wait in zg_sync_retries and are read again on the next runs (the
 * checkpoint moves on without them). Logistics sends are claimed before they go out, so two
 * workers never send the same one.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('zg_sync_retries', (t) => {
    t.integer('shop_id').notNullable()
    t.text('tid').notNullable()
    /** failed attempts so far (the first is the pull that could not store it) */
    t.integer('attempts').notNullable().defaultTo(0)
    t.text('error')
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.primary(['shop_id', 'tid'])
  })
  await knex.schema.alterTable('zg_logistics_sends', (t) => {
    /** when a worker took the send (status sending); an old claim is a worker that died */
    t.bigInteger('claimed_at')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('zg_logistics_sends', (t) => {
    t.dropColumn('claimed_at')
  })
  await knex.schema.dropTableIfExists('zg_sync_retries')
}
