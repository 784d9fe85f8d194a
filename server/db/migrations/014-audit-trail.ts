import type { Knex } from 'knex'

/**
 * The audit trail says who, from where and how (docs/audit.md): the actor's name as it was (a
 * deleted user's entries keep it), the API token, the source (ui, api, import, sync, rule, cli)
 * and the IP. Events that are not about a record (logins, failed logins, user, role and token
 * changes, shop bindings) are rows too, under a `$`-prefixed pseudo-form such as `$auth`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('zg_audit', (t) => {
    t.text('actor_name')
    t.integer('token_id')
    t.text('source')
    t.text('ip')
    t.index(['at'])
  })
  await knex('zg_audit')
    .whereNotNull('user_id')
    .update({ actor_name: knex('zg_users').select('username').where('zg_users.id', knex.ref('zg_audit.user_id')) })
  await knex('zg_audit').whereNull('user_id').update({ actor_name: 'system' })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('zg_audit', (t) => {
    t.dropIndex(['at'])
    t.dropColumn('actor_name')
    t.dropColumn('token_id')
    t.dropColumn('source')
    t.dropColumn('ip')
  })
}
