import type { Knex } from 'knex'

/**
 * Approvals (docs/rules.md#approvals): a request to run an action on a record, its steps'
 * approvers and cc'd people, and every decision. `pending_key` is "<form>:<record>" while the
 * request is pending and NULL after: its unique index allows one pending request per record.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('zg_approvals', (t) => {
    t.increments('id')
    t.text('form').notNullable()
    t.integer('record_id').notNullable()
    /** the record's title when asked, for the inbox */
    t.text('title')
    t.text('action').notNullable()
    /** the action's parameters (JSON) */
    t.text('params').notNullable()
    /** the approval steps as declared when asked (JSON): later template changes do not move a running request */
    t.text('steps').notNullable()
    /** index of the current step */
    t.integer('step').notNullable().defaultTo(0)
    /** pending | approved | rejected | withdrawn */
    t.text('status').notNullable()
    t.text('pending_key').unique()
    t.integer('requested_by').notNullable()
    t.bigInteger('requested_at').notNullable()
    t.bigInteger('decided_at')
    /** what the action answered when it ran (JSON) */
    t.text('result')
    /** false while the requester has not seen the outcome (rejected/approved by someone else) */
    t.boolean('requester_seen').notNullable().defaultTo(true)
    t.index(['form', 'record_id'])
    t.index(['requested_by', 'status'])
  })
  await knex.schema.createTable('zg_approval_assignees', (t) => {
    t.integer('approval_id').notNullable().references('id').inTable('zg_approvals').onDelete('CASCADE')
    t.integer('step').notNullable()
    t.integer('user_id').notNullable()
    /** approver (may decide the step) | cc (is told, may read) */
    t.text('kind').notNullable()
    t.boolean('seen').notNullable().defaultTo(false)
    t.primary(['approval_id', 'step', 'kind', 'user_id'])
    t.index(['user_id', 'kind'])
  })
  await knex.schema.createTable('zg_approval_events', (t) => {
    t.increments('id')
    t.integer('approval_id').notNullable().references('id').inTable('zg_approvals').onDelete('CASCADE')
    t.integer('step').notNullable()
    t.integer('user_id').notNullable()
    /** request | approve | reject | transfer | withdraw */
    t.text('decision').notNullable()
    t.text('reason')
    /** transfer: who got the step */
    t.integer('to_user_id')
    t.bigInteger('at').notNullable()
    t.index(['approval_id'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('zg_approval_events')
  await knex.schema.dropTableIfExists('zg_approval_assignees')
  await knex.schema.dropTableIfExists('zg_approvals')
}
