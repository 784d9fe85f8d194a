import type { Knex } from 'knex'

/**
 * People and permissions (issue 10, docs/permissions.md):
 * - zg_roles: roles from packs (`base_definition`) and the merchant's edits (`definition` is the
 *   one in effect; `customized` marks an edit a pack upgrade must not overwrite);
 * - zg_user_roles: which roles a user holds (several; permissions are the union);
 * - users get the shops and warehouses their row scopes refer to, and a soft delete;
 * - tokens get a role subset and an expiry; sessions an idle clock and where they came from.
 * Existing administrators get the `admin` role, existing members `manager` (what they could do).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('zg_roles', (t) => {
    t.text('key').primary()
    /** the pack the role came from, null for a merchant's own role */
    t.text('pack_key')
    t.integer('position').notNullable().defaultTo(0)
    /** the role in effect (JSON, schema/template/roles.ts) */
    t.text('definition').notNullable()
    /** the pack's definition it was installed from (JSON), null for a merchant's own role */
    t.text('base_definition')
    t.boolean('customized').notNullable().defaultTo(false)
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
  })
  await knex.schema.createTable('zg_user_roles', (t) => {
    t.integer('user_id').notNullable().references('id').inTable('zg_users').onDelete('CASCADE')
    t.text('role_key').notNullable()
    t.primary(['user_id', 'role_key'])
  })
  await knex.schema.alterTable('zg_users', (t) => {
    /** JSON arrays of record ids of the shops and warehouses forms ($user.shops, $user.warehouses) */
    t.text('shop_ids').notNullable().defaultTo('[]')
    t.text('warehouse_ids').notNullable().defaultTo('[]')
    /** a deleted user cannot log in; the row stays so records keep the name */
    t.bigInteger('deleted_at')
  })
  await knex.schema.alterTable('zg_api_tokens', (t) => {
    /** JSON array of role keys the token is limited to (a subset of its user's), null for all of them */
    t.text('role_keys')
    t.bigInteger('expires_at')
  })
  await knex.schema.alterTable('zg_sessions', (t) => {
    t.bigInteger('last_seen_at')
    t.text('ip')
    t.text('user_agent')
  })
  await knex('zg_sessions').update({ last_seen_at: knex.ref('created_at') })
  const users = await knex('zg_users').select('id', 'role')
  for (const user of users) await knex('zg_user_roles').insert({ user_id: user.id, role_key: user.role === 'admin' ? 'admin' : 'manager' })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('zg_sessions', (t) => {
    t.dropColumn('last_seen_at')
    t.dropColumn('ip')
    t.dropColumn('user_agent')
  })
  await knex.schema.alterTable('zg_api_tokens', (t) => {
    t.dropColumn('role_keys')
    t.dropColumn('expires_at')
  })
  await knex.schema.alterTable('zg_users', (t) => {
    t.dropColumn('shop_ids')
    t.dropColumn('warehouse_ids')
    t.dropColumn('deleted_at')
  })
  await knex.schema.dropTableIfExists('zg_user_roles')
  await knex.schema.dropTableIfExists('zg_roles')
}
