import type { Knex } from 'knex'

/** The column mapping of a form's last successful import, offered again for the next file. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('zg_import_mappings', (t) => {
    t.text('form').primary()
    /** JSON: {header text: field path or null} */
    t.text('mapping').notNullable()
    /** the key field the import updated by, or null */
    t.text('key_field')
    t.integer('updated_by')
    t.bigInteger('updated_at').notNullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('zg_import_mappings')
}
