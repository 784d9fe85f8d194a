import type { Knex } from 'knex'
import { postgresDialect } from '../dialects/postgres'
import { sqliteDialect } from '../dialects/sqlite'
import { quoteIdentifier } from '../dialects/types'

/**
 * List totals are cached per table version (docs/filters.md#sorting-and-paging): every form table
 * gets triggers that bump its row in zg_table_versions with each committed write. On PostgreSQL a
 * statement trigger only notes the table in a transaction-local setting; a deferred trigger on
 * zg_commit_marks bumps the noted tables at commit, in name order, so concurrent writers hold a
 * version row only while they commit and can never deadlock on two of them.
 *
 * PostgreSQL's form indexes are rebuilt NULLS FIRST with id last, to serve list order.
 */
export async function up(knex: Knex): Promise<void> {
  const postgres = knex.client.config.client === 'pg'
  const dialect = postgres ? postgresDialect : sqliteDialect
  await knex.schema.createTable('zg_table_versions', (t) => {
    t.text('table_name').primary()
    t.bigInteger('version').notNullable()
  })
  if (postgres) {
    await knex.raw('CREATE TABLE zg_commit_marks (id bigserial PRIMARY KEY)')
    await knex.raw(`
      CREATE OR REPLACE FUNCTION zg_note_write() RETURNS trigger LANGUAGE plpgsql AS $body$
      DECLARE
        dirty text := coalesce(current_setting('zg.dirty_tables', true), '');
      BEGIN
        IF position(',' || TG_TABLE_NAME || ',' IN dirty) = 0 THEN
          IF dirty = '' THEN
            INSERT INTO zg_commit_marks DEFAULT VALUES;
            dirty := ',';
          END IF;
          PERFORM set_config('zg.dirty_tables', dirty || TG_TABLE_NAME || ',', true);
        END IF;
        RETURN NULL;
      END $body$`)
    await knex.raw(`
      CREATE OR REPLACE FUNCTION zg_bump_versions() RETURNS trigger LANGUAGE plpgsql AS $body$
      DECLARE
        tbl text;
      BEGIN
        FOR tbl IN
          SELECT DISTINCT x FROM unnest(string_to_array(coalesce(current_setting('zg.dirty_tables', true), ''), ',')) AS x WHERE x <> '' ORDER BY x
        LOOP
          INSERT INTO zg_table_versions (table_name, version) VALUES (tbl, 1)
            ON CONFLICT (table_name) DO UPDATE SET version = zg_table_versions.version + 1;
        END LOOP;
        PERFORM set_config('zg.dirty_tables', '', true);
        DELETE FROM zg_commit_marks WHERE id = NEW.id;
        RETURN NULL;
      END $body$`)
    await knex.raw(
      'CREATE CONSTRAINT TRIGGER zg_bump_versions AFTER INSERT ON zg_commit_marks DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION zg_bump_versions()',
    )
  }
  const tables = await dialect.tablesWithPrefix(knex, 'f_')
  for (const table of tables) await dialect.trackWrites(knex, table)
  if (postgres) {
    const indexes = await knex.raw(
      `SELECT c.relname AS table_name, i.relname AS index_name, x.indisunique AS is_unique,
              array_agg(a.attname::text ORDER BY k.ord) AS columns
         FROM pg_index x
         JOIN pg_class c ON c.oid = x.indrelid
         JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
         CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE starts_with(c.relname, 'f_') AND (starts_with(i.relname, 'ix_') OR starts_with(i.relname, 'ux_'))
        GROUP BY c.relname, i.relname, x.indisunique`,
    )
    for (const index of indexes.rows as { table_name: string; index_name: string; is_unique: boolean; columns: string[] }[]) {
      await knex.raw(`DROP INDEX ${quoteIdentifier(index.index_name)}`)
      await knex.raw(
        `CREATE ${index.is_unique ? 'UNIQUE ' : ''}INDEX ${quoteIdentifier(index.index_name)} ON ${quoteIdentifier(index.table_name)} (${dialect.indexColumns(index.columns, index.is_unique)})`,
      )
    }
  }
}

export async function down(): Promise<void> {
  throw new Error('010-table-versions cannot be undone')
}
