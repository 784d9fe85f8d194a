import type { Knex } from 'knex'

/**
 * User lifecycle (docs/users.md): a one-time invite (only the SHA-256 of its secret is kept, with
 * its expiry; accepting it sets the password and clears it) and the time of the last login.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('zg_users', (t) => {
    t.text('invite_hash')
    t.bigInteger('invite_expires_at')
    t.bigInteger('last_login_at')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('zg_users', (t) => {
    t.dropColumn('invite_hash')
    t.dropColumn('invite_expires_at')
    t.dropColumn('last_login_at')
  })
}
