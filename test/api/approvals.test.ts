import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type ApiClient, type TestApp } from '../support/app'
import { inventoryPack } from '../support/inventory-pack'

/**
 * Approvals over the mini stock pack: a receipt over 5,000.00 needs 主管 (a named user, cc'd to a
 * watcher) and then 经理 (boss1 or the receipt's manager); an issue always needs a 店长 — a role
 * nobody has yet, so the administrators decide.
 */
function approvalPack() {
  const pack = inventoryPack()
  const receipts = pack.forms.find((f: any) => f.key === 'receipts')
  const lines = receipts.fields.find((f: any) => f.key === 'lines')
  lines.fields.push({ key: 'amount', type: 'formula', label: '金额', formula: 'qty * unit_cost', result: 'money' })
  receipts.fields.push(
    { key: 'total', type: 'rollup', label: '总金额', source: 'lines', aggregate: 'sum', field: 'amount' },
    { key: 'manager', type: 'user', label: '经理' },
    { key: 'remark', type: 'text', label: '备注' },
  )
  receipts.actions = [
    {
      key: 'submit',
      label: '提交',
      requires: [{ check: 'remark <> "hold"', message: '备注为 hold 的收货单不能提交' }],
      approval: {
        when: 'total > 5000',
        steps: [
          { label: '主管', approvers: { users: ['lead'] }, cc: { users: ['watcher'] } },
          { label: '经理', approvers: { users: ['boss1'], user_field: 'manager' } },
        ],
      },
    },
  ]
  const issues = pack.forms.find((f: any) => f.key === 'issues')
  issues.actions = [{ key: 'submit', label: '提交', approval: { steps: [{ label: '店长', approvers: { roles: ['店长'] } }] } }]
  return pack
}

let app: TestApp
let clerk: ApiClient, lead: ApiClient, watcher: ApiClient, boss1: ApiClient, boss2: ApiClient, deputy: ApiClient, stranger: ApiClient
let ids: Record<string, number>
let tee: number
let depot: number

beforeAll(async () => {
  app = await startTestApp({ packs: [approvalPack()] })
  ;[clerk, lead, watcher, boss1, boss2, deputy, stranger] = await Promise.all(['clerk', 'lead', 'watcher', 'boss1', 'boss2', 'deputy', 'stranger'].map((u) => app.clientFor(u)))
  ids = Object.fromEntries((await app.ctx.db.knex('zg_users').select('id', 'username')).map((r) => [r.username, Number(r.id)]))
  tee = (await app.api.post('/api/forms/goods/records', { code: 'TEE' })).body.data.id
  depot = (await app.api.post('/api/forms/depots/records', { name: '主仓' })).body.data.id
})
afterAll(async () => {
  await app?.close()
})

async function receipt(qty: number, unitCost: string, extra: Record<string, unknown> = {}) {
  const res = await clerk.post('/api/forms/receipts/records', { depot, lines: [{ item: tee, qty, unit_cost: unitCost }], manager: ids.boss2, ...extra })
  expect(res.status).toBe(201)
  return res.body.data as { id: number; version: number; total: string; no: string }
}
const submit = (client: ApiClient, form: string, id: number) => client.post(`/api/forms/${form}/records/${id}/actions/submit`)
const decide = (client: ApiClient, id: number, decision: string, body: Record<string, unknown> = {}) => client.post(`/api/approvals/${id}/${decision}`, body)
const status = async (form: string, id: number) => (await app.api.get(`/api/forms/${form}/records/${id}`)).body.data.doc_status
/** ledger lines the receipt posted: the action ran once per batch of these */
const moves = async (docId: number) => Number((await app.ctx.db.knex('f_moves').where({ doc_form: 'receipts', doc_id: docId }).count({ n: '*' }).first())!.n)
const submits = async (form: string, id: number) => Number((await app.ctx.db.knex('zg_audit').where({ form, record_id: id, action: 'submit' }).count({ n: '*' }).first())!.n)

describe('approvals', () => {
  it('runs an action at once when its approval does not apply (total ≤ 5,000.00)', async () => {
    const small = await receipt(10, '500.00')
    const res = await submit(clerk, 'receipts', small.id)
    expect(res.status).toBe(200)
    expect(res.body.result.status).toBe('submitted')
    expect(await status('receipts', small.id)).toBe('submitted')
  })

  it('asks two steps, cc, and runs the action exactly once as the requester when the last step approves', async () => {
    const big = await receipt(11, '500.00')
    expect(big.total).toBe('5500.00')
    const asked = await submit(clerk, 'receipts', big.id)
    expect(asked.status).toBe(200)
    expect(asked.body.result.approval).toMatchObject({ status: 'pending', step: '主管', approvers: ['lead'] })
    expect(asked.body.data.doc_status).toBe('draft')
    const id = asked.body.result.approval.id as number

    expect((await lead.get('/api/approvals/counts')).body.data.waiting).toBe(1)
    const inbox = (await lead.get('/api/approvals/inbox')).body.data
    expect(inbox.waiting.map((a: any) => a.id)).toEqual([id])
    expect(inbox.waiting[0]).toMatchObject({ form: 'receipts', record_id: big.id, can_decide: true, steps: [{ label: '主管' }, { label: '经理' }] })
    // the watcher is cc'd: told (unread), may read, may not decide
    expect((await watcher.get('/api/approvals/counts')).body.data).toEqual({ waiting: 0, unread: 1 })
    expect((await watcher.get('/api/approvals/inbox')).body.data.cc[0]).toMatchObject({ id, unread: true })
    expect((await decide(watcher, id, 'approve')).status).toBe(403)
    expect((await watcher.get(`/api/approvals/${id}`)).status).toBe(200)
    expect((await watcher.get('/api/approvals/counts')).body.data.unread).toBe(0)
    // the next step's people cannot decide before their step
    expect((await decide(boss1, id, 'approve')).status).toBe(404)

    const first = await decide(lead, id, 'approve')
    expect(first.status).toBe(200)
    expect(first.body.data).toMatchObject({ status: 'pending', step: 1 })
    expect(first.body.data.steps[1].approvers.map((p: any) => p.id)).toEqual([ids.boss1, ids.boss2].sort((x, y) => x - y))
    expect((await lead.get('/api/approvals/counts')).body.data.waiting).toBe(0)
    expect(await status('receipts', big.id)).toBe('draft')
    expect(await moves(big.id)).toBe(0)

    // both of the last step's approvers approve at the same moment: one runs the action, the other is told it is decided
    const [a, b] = await Promise.all([decide(boss1, id, 'approve'), decide(boss2, id, 'approve')])
    expect([a.status, b.status].sort()).toEqual([200, 409])
    const loser = a.status === 409 ? a : b
    expect(loser.body.error.reason).toBe('approval_decided')
    const winner = a.status === 200 ? a : b
    expect(winner.body.result).toMatchObject({ status: 'submitted' })
    expect(winner.body.data.status).toBe('approved')
    expect(await status('receipts', big.id)).toBe('submitted')
    expect(Number(await moves(big.id))).toBe(1)
    expect(await submits('receipts', big.id)).toBe(1)
    // the action ran as the requester: the audit names the clerk
    const audit = await app.ctx.db.knex('zg_audit').where({ form: 'receipts', record_id: big.id, action: 'submit' }).first()
    expect(Number(audit.user_id)).toBe(ids.clerk)

    const history = (await clerk.get(`/api/approvals?form=receipts&record=${big.id}`)).body.data
    expect(history).toHaveLength(1)
    expect(history[0].events.map((e: any) => [e.decision, e.user.id])).toEqual([
      ['request', ids.clerk],
      ['approve', ids.lead],
      ['approve', winner === a ? ids.boss1 : ids.boss2],
    ])
    // approved by someone else: the requester is told once
    expect((await clerk.get('/api/approvals/counts')).body.data.unread).toBe(1)
    await clerk.get(`/api/approvals/${id}`)
    expect((await clerk.get('/api/approvals/counts')).body.data.unread).toBe(0)
  })

  it('asks for nothing that could not run: the action\'s requires are checked first', async () => {
    const held = await receipt(12, '500.00', { remark: 'hold' })
    const res = await submit(clerk, 'receipts', held.id)
    expect(res.status).toBe(422)
    expect(res.body.error.details[0]).toMatchObject({ code: 'action_refused' })
    expect(await app.ctx.db.knex('zg_approvals').where({ form: 'receipts', record_id: held.id })).toHaveLength(0)
  })

  it('keeps a record under approval from changing until it is decided', async () => {
    const big = await receipt(20, '500.00', { remark: 'batch' })
    const id = (await submit(clerk, 'receipts', big.id)).body.result.approval.id
    const edit = await clerk.patch(`/api/forms/receipts/records/${big.id}`, { remark: 'changed' })
    expect(edit.status).toBe(409)
    expect(edit.body.error).toMatchObject({ code: 'conflict', reason: 'approval_pending', params: { record: big.id, approval: id, step: '主管', title: big.no } })
    expect((await app.api.patch(`/api/forms/receipts/records/${big.id}`, { remark: 'admin too' })).status).toBe(409)
    expect((await clerk.delete(`/api/forms/receipts/records/${big.id}`)).status).toBe(409)
    expect((await submit(clerk, 'receipts', big.id)).body.error.reason).toBe('approval_pending')
    const upsert = await app.api.post('/api/forms/receipts/records/upsert', { by: ['remark'], records: [{ remark: 'batch', depot }] })
    expect(upsert.status, JSON.stringify(upsert.body)).toBe(409)
    expect((await app.ctx.db.knex('zg_approvals').where({ record_id: big.id, form: 'receipts' })).length).toBe(1)

    // withdrawn by the requester (nobody else), the record is a draft to edit again
    expect((await decide(lead, id, 'withdraw')).status).toBe(403)
    const withdrawn = await decide(clerk, id, 'withdraw')
    expect(withdrawn.status).toBe(200)
    expect(withdrawn.body.data.status).toBe('withdrawn')
    expect((await clerk.patch(`/api/forms/receipts/records/${big.id}`, { remark: 'changed' })).status).toBe(200)
    expect((await decide(lead, id, 'approve')).body.error.reason).toBe('approval_decided')
    expect((await lead.get('/api/approvals/counts')).body.data.waiting).toBe(0)
  })

  it('rejects only with a reason, tells the requester and frees the record', async () => {
    const big = await receipt(30, '500.00')
    const id = (await submit(clerk, 'receipts', big.id)).body.result.approval.id
    const noReason = await decide(lead, id, 'reject', { reason: '  ' })
    expect(noReason.status).toBe(422)
    expect(noReason.body.error.details).toEqual([expect.objectContaining({ field: 'reason', code: 'approval_reason_required' })])
    const rejected = await decide(lead, id, 'reject', { reason: '单价太高' })
    expect(rejected.status).toBe(200)
    expect(rejected.body.data.status).toBe('rejected')
    expect(rejected.body.data.events.at(-1)).toMatchObject({ decision: 'reject', reason: '单价太高', user: { id: ids.lead } })
    expect(await status('receipts', big.id)).toBe('draft')
    expect((await clerk.get('/api/approvals/inbox')).body.data.mine.find((a: any) => a.id === id)).toMatchObject({ status: 'rejected', unread: true })
    expect((await clerk.patch(`/api/forms/receipts/records/${big.id}`, { remark: 'cheaper' })).status).toBe(200)
    // asked again: a new request, the old one stays in the history
    const again = await submit(clerk, 'receipts', big.id)
    expect(again.body.result.approval.id).not.toBe(id)
    expect((await clerk.get(`/api/approvals?form=receipts&record=${big.id}`)).body.data.map((a: any) => a.status)).toEqual(['pending', 'rejected'])
    await decide(clerk, again.body.result.approval.id, 'withdraw')
  })

  it('hands a step over (转交): the new approver decides, the old one no longer can', async () => {
    const big = await receipt(40, '500.00')
    const id = (await submit(clerk, 'receipts', big.id)).body.result.approval.id
    expect((await decide(lead, id, 'transfer', {})).status).toBe(422)
    expect((await decide(lead, id, 'transfer', { to: 999999 })).body.error.details[0]).toMatchObject({ field: 'to', code: 'approval_transfer_to' })
    const moved = await decide(lead, id, 'transfer', { to: ids.deputy, reason: '出差' })
    expect(moved.status).toBe(200)
    expect(moved.body.data.steps[0].approvers.map((p: any) => p.id)).toEqual([ids.deputy])
    expect(moved.body.data.events.at(-1)).toMatchObject({ decision: 'transfer', to_user: { id: ids.deputy }, reason: '出差' })
    expect((await decide(lead, id, 'approve')).status).toBe(403)
    expect((await deputy.get('/api/approvals/inbox')).body.data.waiting.map((a: any) => a.id)).toEqual([id])
    expect((await decide(deputy, id, 'approve')).body.data.step).toBe(1)
    await decide(boss2, id, 'approve')
    expect(await status('receipts', big.id)).toBe('submitted')
  })

  it('hides a request from people it does not concern (404), but not its record history from readers of the record', async () => {
    const big = await receipt(50, '500.00')
    const id = (await submit(clerk, 'receipts', big.id)).body.result.approval.id
    expect((await stranger.get(`/api/approvals/${id}`)).status).toBe(404)
    expect((await decide(stranger, id, 'approve')).status).toBe(404)
    expect((await decide(stranger, id, 'withdraw')).status).toBe(404)
    expect((await stranger.get('/api/approvals/inbox')).body.data).toMatchObject({ waiting: [], cc: [], mine: [] })
    expect((await app.api.get(`/api/approvals/${id}`)).status).toBe(200)
    // an admin who is not an approver of the step may look, not decide
    expect((await decide(app.api, id, 'approve')).status).toBe(403)
    expect((await decide(lead, id, 'maybe')).status).toBe(404)
    expect((await stranger.get(`/api/approvals?form=receipts&record=${big.id}`)).body.data[0].can_decide).toBe(false)
    await decide(clerk, id, 'withdraw')
  })

  it('is one transaction with the action: when the approved action fails, the approval still waits and nothing is posted', async () => {
    // nothing in stock: the issue can be asked for, but not done
    const issue = (await clerk.post('/api/forms/issues/records', { depot, lines: [{ item: tee, qty: 100000 }] })).body.data
    const asked = await submit(clerk, 'issues', issue.id)
    // no user has the role 店长 yet: the administrators approve
    expect(asked.body.result.approval).toMatchObject({ step: '店长', approvers: ['管理员'] })
    const id = asked.body.result.approval.id
    const failed = await decide(app.api, id, 'approve')
    expect(failed.status).toBe(422)
    const approval = (await app.api.get(`/api/approvals/${id}`)).body.data
    expect(approval.status).toBe('pending')
    expect(approval.events.map((e: any) => e.decision)).toEqual(['request'])
    expect(await status('issues', issue.id)).toBe('draft')
    expect(await submits('issues', issue.id)).toBe(0)
    expect((await app.ctx.db.knex('f_moves').where({ doc_form: 'issues', doc_id: issue.id })).length).toBe(0)
    // still locked, still in the admin's 待办; rejecting ends it
    expect((await app.api.patch(`/api/forms/issues/records/${issue.id}`, { lines: [{ item: tee, qty: 1 }] })).status).toBe(409)
    expect((await app.api.get('/api/approvals/inbox')).body.data.waiting.map((a: any) => a.id)).toContain(id)
    expect((await decide(app.api, id, 'reject', { reason: '没货' })).body.data.status).toBe('rejected')
  })

  it('refuses a pack whose approval is wrong, naming the place', async () => {
    const pack = approvalPack()
    pack.key = 'bad_approvals'
    pack.forms = pack.forms.map((f: any) => ({ ...f, key: `${f.key}_b` }))
    const receipts = pack.forms.find((f: any) => f.key === 'receipts_b')
    receipts.fields.find((f: any) => f.key === 'depot').form = 'depots_b'
    for (const f of pack.forms) for (const field of f.fields) if (field.type === 'link' && !field.form.endsWith('_b')) field.form += '_b'
    for (const f of pack.forms) if (f.ledger) f.ledger.balance.form += '_b'
    for (const f of pack.forms) for (const p of f.postings ?? []) p.ledger += '_b'
    receipts.actions[0].approval.when = 'total - "x"'
    receipts.actions[0].approval.steps[1].approvers = { user_field: 'remark' }
    receipts.actions[0].approval.steps.push({ label: '空', approvers: {} })
    const res = await app.api.post('/api/packs', pack)
    expect(res.status).toBe(422)
    const text = JSON.stringify(res.body.error)
    const at = `forms[4].actions[0].approval`
    expect(text).toContain(`${at}.when`)
    expect(text).toContain(`${at}.steps[1].approvers.user_field`)
    expect(text).toContain(`${at}.steps[2].approvers`)
  })
})
