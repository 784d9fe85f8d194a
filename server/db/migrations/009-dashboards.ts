import type { Knex } from 'knex'

/**
 * Dashboards, kept like forms: a pack's dashboard stores the pack's definition (`base_definition`)
 * and the merchant's edits as an overlay over it, so a pack upgrade keeps them; `definition` is the
 * effective one. A merchant's own dashboard has no pack and an owner.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('zg_dashboards', (t) => {
    t.text('key').primary()
    t.text('pack_key')
    /** the user who created an own dashboard (null for a pack's) */
    t.integer('owner_id')
    t.text('base_definition')
    t.text('overlay')
    t.text('definition').notNullable()
    t.integer('position').notNullable().defaultTo(0)
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.index(['pack_key'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('zg_dashboards')
}
