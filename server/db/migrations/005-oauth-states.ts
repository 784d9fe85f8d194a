import type { Knex } from 'knex'

/**
 * Pending Taobao authorizations: a digest of the OAuth state (never the state itself), the shop,
 * a digest of the browser binding cookie that started it, and when it expires. A row is deleted
 * on first use. The plain-text zg_shop_connections.oauth_state is no longer read.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('zg_oauth_states', (t) => {
    t.text('state_hash').primary()
    t.integer('shop_id').notNullable().index()
    t.text('browser_hash').notNullable()
    t.integer('user_id').notNullable()
    t.bigInteger('created_at').notNullable()
    t.bigInteger('expires_at').notNullable()
  })
  await knex('zg_shop_connections').update({ oauth_state: null })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('zg_oauth_states')
}
