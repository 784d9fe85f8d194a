import type { Knex } from 'knex'

/**
 * Failed logins per username, shared by every app instance on the database (server/auth/throttle.ts):
 * failures counted in a window, and the time until which the username is locked. Rows are pruned
 * once their window and lock have passed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('zg_login_failures', (t) => {
    t.text('username').primary()
    t.integer('failures').notNullable()
    t.bigInteger('window_start').notNullable()
    t.bigInteger('locked_until')
    t.bigInteger('updated_at').notNullable()
    t.index(['updated_at'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('zg_login_failures')
}
