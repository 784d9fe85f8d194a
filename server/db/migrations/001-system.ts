import type { Knex } from 'knex'

/** System tables: users, sessions, tokens, installed packs and forms, sequences, files, audit. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('zg_users', (t) => {
    t.increments('id')
    t.text('username').notNullable().unique()
    t.text('display_name').notNullable()
    t.text('password_hash').notNullable()
    t.text('role').notNullable().defaultTo('member')
    t.boolean('disabled').notNullable().defaultTo(false)
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
  })
  await knex.schema.createTable('zg_sessions', (t) => {
    t.text('id_hash').primary()
    t.integer('user_id').notNullable().references('id').inTable('zg_users').onDelete('CASCADE')
    t.bigInteger('created_at').notNullable()
    t.bigInteger('expires_at').notNullable()
  })
  await knex.schema.createTable('zg_api_tokens', (t) => {
    t.increments('id')
    t.integer('user_id').notNullable().references('id').inTable('zg_users').onDelete('CASCADE')
    t.text('name').notNullable()
    t.text('token_hash').notNullable().unique()
    t.text('token_prefix').notNullable()
    t.bigInteger('created_at').notNullable()
    t.bigInteger('last_used_at')
    t.bigInteger('revoked_at')
  })
  await knex.schema.createTable('zg_packs', (t) => {
    t.text('key').primary()
    t.text('version').notNullable()
    t.text('definition').notNullable()
    t.bigInteger('installed_at').notNullable()
    t.bigInteger('updated_at').notNullable()
  })
  await knex.schema.createTable('zg_forms', (t) => {
    t.text('key').primary()
    t.text('pack_key').notNullable()
    t.integer('position').notNullable().defaultTo(0)
    /** the form as installed (JSON) */
    t.text('definition').notNullable()
    /** fields removed from the definition whose columns still hold data (JSON array of field definitions) */
    t.text('retired_fields').notNullable().defaultTo('[]')
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
  })
  await knex.schema.createTable('zg_sequences', (t) => {
    t.text('form').notNullable()
    t.text('field').notNullable()
    t.text('period').notNullable()
    t.bigInteger('value').notNullable()
    t.primary(['form', 'field', 'period'])
  })
  await knex.schema.createTable('zg_files', (t) => {
    t.increments('id')
    t.text('name').notNullable()
    t.text('mime').notNullable()
    t.bigInteger('size').notNullable()
    t.text('sha256').notNullable()
    t.text('storage_path').notNullable()
    t.text('form')
    t.integer('created_by')
    t.bigInteger('created_at').notNullable()
  })
  await knex.schema.createTable('zg_user_settings', (t) => {
    t.integer('user_id').notNullable().references('id').inTable('zg_users').onDelete('CASCADE')
    t.text('key').notNullable()
    t.text('value').notNullable()
    t.primary(['user_id', 'key'])
  })
  await knex.schema.createTable('zg_audit', (t) => {
    t.bigIncrements('id')
    t.bigInteger('at').notNullable()
    t.integer('user_id')
    t.text('form').notNullable()
    t.integer('record_id').notNullable()
    t.text('action').notNullable()
    t.text('changes')
    t.index(['form', 'record_id'])
  })
  await knex.schema.createTable('zg_settings', (t) => {
    t.text('key').primary()
    t.text('value').notNullable()
  })
  // One row every writing transaction touches first (SQLite write lock, see dialects/sqlite.ts).
  await knex.schema.createTable('zg_write_lock', (t) => {
    t.integer('id').primary()
    t.bigInteger('n').notNullable()
  })
  await knex('zg_write_lock').insert({ id: 1, n: 0 })
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'zg_write_lock',
    'zg_settings',
    'zg_audit',
    'zg_user_settings',
    'zg_files',
    'zg_sequences',
    'zg_forms',
    'zg_packs',
    'zg_api_tokens',
    'zg_sessions',
    'zg_users',
  ]) {
    await knex.schema.dropTableIfExists(table)
  }
}
