import type { Knex } from 'knex'

/**
 * Personal views: a user's own saved views of a form (columns, widths, filter, sort, group-by,
 * subtotals — the template `View` shape, in `definition`). Shared views are not here: they live in
 * the form's definition, as the merchant's overlay (server/forms/customize.ts).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('zg_views', (t) => {
    t.increments('id').primary()
    t.text('form_key').notNullable()
    t.integer('owner_id').notNullable()
    t.text('key').notNullable()
    t.text('definition').notNullable()
    t.integer('position').notNullable().defaultTo(0)
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.unique(['form_key', 'owner_id', 'key'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('zg_views')
}
