import type { Knex } from 'knex'

/**
 * Taobao connections and sync state. Credentials sit beside the shop's record (`shops` form), never
 * in form fields; secrets are sealed (see lib/secrets.ts).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('zg_shop_connections', (t) => {
    t.integer('shop_id').primary() // id of the record in the shops form
    t.text('platform').notNullable().defaultTo('taobao')
    t.text('app_key').notNullable()
    t.text('app_secret_sealed').notNullable()
    t.text('session_sealed')
    t.text('refresh_token_sealed')
    t.bigInteger('session_expires_at')
    t.bigInteger('refresh_expires_at')
    t.text('gateway_url')
    t.text('seller_nick')
    t.text('taobao_user_id')
    /** active | needs_reauth | disabled */
    t.text('status').notNullable().defaultTo('active')
    t.text('status_reason')
    t.integer('schedule_minutes').notNullable().defaultTo(5)
    t.boolean('tmc_enabled').notNullable().defaultTo(false)
    t.text('oauth_state')
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
  })
  await knex.schema.createTable('zg_sync_checkpoints', (t) => {
    t.integer('shop_id').notNullable()
    /** trades | refunds | items */
    t.text('stream').notNullable()
    /** everything modified before this instant is stored */
    t.bigInteger('synced_until').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.primary(['shop_id', 'stream'])
  })
  await knex.schema.createTable('zg_sync_leases', (t) => {
    t.integer('shop_id').primary()
    t.text('holder').notNullable()
    t.bigInteger('expires_at').notNullable()
  })
  await knex.schema.createTable('zg_sync_runs', (t) => {
    t.increments('id')
    t.integer('shop_id').notNullable().index()
    t.text('kind').notNullable()
    /** running | succeeded | failed */
    t.text('status').notNullable()
    t.bigInteger('started_at').notNullable()
    t.bigInteger('finished_at')
    t.integer('windows').notNullable().defaultTo(0)
    t.integer('pages').notNullable().defaultTo(0)
    t.integer('created').notNullable().defaultTo(0)
    t.integer('updated').notNullable().defaultTo(0)
    t.integer('unchanged').notNullable().defaultTo(0)
    t.integer('failed').notNullable().defaultTo(0)
    /** 0-100 while running */
    t.integer('progress').notNullable().defaultTo(0)
    t.text('message')
    t.text('errors')
  })
  await knex.schema.createTable('zg_stock_upload_rules', (t) => {
    t.increments('id')
    t.integer('shop_id').notNullable()
    /** shop | item | sku */
    t.text('scope').notNullable()
    /** num_iid for item rules, ERP sku id for SKU rules */
    t.text('target')
    /** ratio (percent of available) | fixed */
    t.text('mode').notNullable().defaultTo('ratio')
    t.integer('ratio_percent').notNullable().defaultTo(100)
    t.integer('fixed_qty')
    t.integer('safety_stock').notNullable().defaultTo(0)
    t.bigInteger('updated_at').notNullable()
    t.unique(['shop_id', 'scope', 'target'])
  })
  await knex.schema.createTable('zg_stock_uploads', (t) => {
    t.increments('id')
    t.integer('shop_id').notNullable().index()
    t.bigInteger('at').notNullable()
    t.text('num_iid').notNullable()
    t.text('sku_id')
    t.integer('sku')
    t.integer('quantity').notNullable()
    /** ok | failed */
    t.text('status').notNullable()
    t.text('error')
  })
  await knex.schema.createTable('zg_logistics_sends', (t) => {
    t.increments('id')
    t.integer('shop_id').notNullable()
    t.integer('order_id').notNullable().index()
    t.text('tid').notNullable()
    t.text('sub_tids')
    t.text('company_code').notNullable()
    t.text('out_sid').notNullable()
    /** pending | sent | failed */
    t.text('status').notNullable()
    t.integer('attempts').notNullable().defaultTo(0)
    t.text('error')
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['zg_logistics_sends', 'zg_stock_uploads', 'zg_stock_upload_rules', 'zg_sync_runs', 'zg_sync_leases', 'zg_sync_checkpoints', 'zg_shop_connections']) {
    await knex.schema.dropTableIfExists(table)
  }
}
