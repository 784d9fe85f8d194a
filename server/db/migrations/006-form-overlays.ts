import type { Knex } from 'knex'

/**
 * Merchants' customisations live apart from the packs (see schema/overlay): each form keeps the
 * pack's definition it was installed from (`base_definition`, null for a merchant's own form)
 * and the merchant's layer over it (`overlay`); `definition` stays the effective form that
 * everything reads. Existing forms were installed straight from their packs, so their base is
 * their definition. `retired_at` hides a merchant's own form without dropping its data.
 * Pack upgrades that could not be applied wait in zg_pack_pending with their conflicts.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('zg_forms', (t) => {
    t.text('base_definition')
    t.text('overlay')
    t.bigInteger('retired_at')
  })
  await knex('zg_forms').update({ base_definition: knex.ref('definition') })
  await knex.schema.createTable('zg_pack_pending', (t) => {
    t.text('key').primary()
    t.text('version').notNullable()
    /** the pack definition waiting to be applied */
    t.text('definition').notNullable()
    /** JSON: [{form, path, code, params}] */
    t.text('conflicts').notNullable()
    t.bigInteger('created_at').notNullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('zg_pack_pending')
  await knex.schema.alterTable('zg_forms', (t) => {
    t.dropColumn('base_definition')
    t.dropColumn('overlay')
    t.dropColumn('retired_at')
  })
}
