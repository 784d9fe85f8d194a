import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'
import { workflowPack } from '../support/workflow-pack'

let app: TestApp
let tee: number
let depot: number

beforeAll(async () => {
  // 1.0.0 first: the upgrade to 1.1.0 adds 待质检 and 质检通过 with JSON only, keeping the data.
  app = await startTestApp({ packs: [workflowPack('1.0.0')] })
  tee = (await app.api.post('/api/forms/goods/records', { code: 'TEE' })).body.data.id
  depot = (await app.api.post('/api/forms/depots/records', { name: '主仓' })).body.data.id
  const receipt = (await app.api.post('/api/forms/receipts/records', { depot, lines: [{ item: tee, qty: 10, unit_cost: '3.00' }] })).body.data
  expect((await act('receipts', receipt.id, 'submit')).status).toBe(200)
})
afterAll(async () => {
  await app?.close()
})

const act = (form: string, id: number, action: string, params: Record<string, unknown> = {}) => app.api.post(`/api/forms/${form}/records/${id}/actions/${action}`, params)
const get = async (id: number) => (await app.api.get(`/api/forms/parcels/records/${id}`)).body.data

async function parcel(qty = 3) {
  const created = await app.api.post('/api/forms/parcels/records', { depot, lines: [{ item: tee, qty }] })
  expect(created.status).toBe(201)
  return created.body.data
}

/** The stock level, checked against its ledger: on hand = Σ ledger quantities (the oracle). */
async function onHand(): Promise<string> {
  const level = (await app.api.post('/api/forms/levels/records/query', { filter: { field: 'item', op: 'eq', value: tee } })).body.data[0]
  const moves = (await app.api.post('/api/forms/moves/records/query', { filter: { field: 'item', op: 'eq', value: tee }, limit: 500 })).body.data
  expect(moves.reduce((n: number, m: any) => n + Number(m.qty), 0)).toBe(Number(level.on_hand))
  return level.on_hand
}

describe('workflow declared in a template', () => {
  it('upgrading adds a status and an action (待质检, 质检通过) with JSON only', async () => {
    const before = await parcel(2)
    expect((await act('parcels', before.id, 'send_qc')).status).toBe(404)
    const upgrade = await app.api.post('/api/packs', workflowPack('1.1.0'))
    expect(upgrade.status).toBe(200)
    expect(upgrade.body.data.status).toBe('upgraded')

    const sent = await act('parcels', before.id, 'send_qc')
    expect(sent.status).toBe(200)
    expect(sent.body.result).toEqual({ status: 'qc' })
    // still editable in 待质检 (editable_when), but not its read-only status
    expect((await app.api.patch(`/api/forms/parcels/records/${before.id}`, { note: '易碎' })).status).toBe(200)
    expect((await app.api.patch(`/api/forms/parcels/records/${before.id}`, { status: 'passed' })).status).toBe(422)

    const passed = await act('parcels', before.id, 'qc_pass', { inspector: ' 王五 ', rating: 4 })
    expect(passed.status).toBe(200)
    // set by formula over params; the step posted one ledger line
    expect(passed.body.result).toEqual({ status: 'passed', inspected_by: '王五', score: '80', posted: 1 })
    expect(await onHand()).toBe('8')
  })

  it('refuses with clear codes: a missing param, a failed requirement, an action not available now', async () => {
    const p = await parcel(1)
    await act('parcels', p.id, 'send_qc')
    const missing = await act('parcels', p.id, 'qc_pass', { rating: 5 })
    expect(missing.status).toBe(400)
    expect(missing.body.error).toMatchObject({ code: 'bad_request', reason: 'param_required', params: { action: { 'zh-CN': '质检通过', en: 'Pass QC' }, param: '质检员' } })
    const blank = await act('parcels', p.id, 'qc_pass', { inspector: '   ', rating: 5 })
    expect(blank.body.error.reason).toBe('param_required')
    const bad = await act('parcels', p.id, 'qc_pass', { inspector: '王五', rating: 'many' })
    expect(bad.status).toBe(422)
    expect(bad.body.error.details).toEqual([expect.objectContaining({ field: 'params.rating', code: 'not_a_number' })])

    const low = await act('parcels', p.id, 'qc_pass', { inspector: '王五', rating: 2 })
    expect(low.status).toBe(422)
    expect(low.body.error.message).toBe('评分低于 3 分，不能通过质检')
    expect(low.body.error.details).toEqual([
      { field: '(record)', code: 'action_refused', params: { text: { 'zh-CN': '评分低于 3 分，不能通过质检', en: 'A rating below 3 does not pass' } }, message: '评分低于 3 分，不能通过质检' },
    ])
    expect((await get(p.id)).status).toBe('qc')
    expect(await onHand()).toBe('8')

    expect((await act('parcels', p.id, 'fast_track')).status).toBe(409) // needs status = "new"
    await act('parcels', p.id, 'qc_pass', { inspector: '王五', rating: 3 })
    expect((await act('parcels', p.id, 'qc_pass', { inspector: '王五', rating: 3 })).status).toBe(409)
    expect(await onHand()).toBe('7')
  })

  it('editable_when: past it users cannot edit or delete the record; its actions still change it', async () => {
    const p = await parcel(1)
    expect((await act('parcels', p.id, 'fast_track')).body.result).toEqual({ status: 'passed', inspected_by: '免检', posted: 1 })
    const edit = await app.api.patch(`/api/forms/parcels/records/${p.id}`, { note: 'x' })
    expect(edit.status).toBe(409)
    expect(edit.body.error).toMatchObject({ code: 'conflict', reason: 'record_locked', params: { form: '包裹', record: p.no } })
    expect(edit.body.error.params.text['zh-CN']).toBe('包裹已出库，请用上方的操作修改')
    expect((await app.api.delete(`/api/forms/parcels/records/${p.id}`)).body.error.reason).toBe('record_locked')
    // the system (sync, rules) still writes it
    await app.ctx.records.updateFields(null, 'parcels', p.id, { note: '系统备注' })
    expect((await get(p.id)).note).toBe('系统备注')
    expect(app.ctx.records.actionAvailable('parcels', await get(p.id), 'recheck')).toBe(true)
    expect(app.ctx.records.actionAvailable('parcels', await get(p.id), 'send_qc')).toBe(false)

    // recheck reverses the posting by name; passing again posts once, never twice
    expect(await onHand()).toBe('6')
    expect((await act('parcels', p.id, 'recheck')).body.result).toEqual({ status: 'qc', reversed: 1 })
    expect(await onHand()).toBe('7')
    await act('parcels', p.id, 'qc_pass', { inspector: '赵六', rating: 5 })
    expect(await onHand()).toBe('6')
  })

  it('hold keeps the status before it (a formula over the record); cancel runs release, then reverses exactly', async () => {
    const p = await parcel(4)
    await act('parcels', p.id, 'fast_track')
    expect(await onHand()).toBe('2')
    const held = await act('parcels', p.id, 'hold')
    expect(held.body.result).toEqual({ status: 'held' }) // status_before_hold is hidden
    expect(await get(p.id)).toMatchObject({ status: 'held', status_before_hold: 'passed' })

    expect((await act('parcels', p.id, 'cancel')).body.error.details[0].code).toBe('action_refused') // no reason
    const cancelled = await act('parcels', p.id, 'cancel', { why: '买家退款' })
    expect(cancelled.status).toBe(200)
    expect(cancelled.body.result).toEqual({ status: 'cancelled', note: '已取消：买家退款', reversed: 1 })
    expect(await get(p.id)).toMatchObject({ status: 'cancelled', status_before_hold: null })
    expect(await onHand()).toBe('6')

    // a held parcel that never took stock: release → new, nothing to reverse
    const q = await parcel(1)
    await act('parcels', q.id, 'hold')
    expect((await act('parcels', q.id, 'release')).body.result).toEqual({ status: 'new' })
    expect((await act('parcels', q.id, 'cancel', { why: '重复' })).body.result).toEqual({ status: 'cancelled', note: '已取消：重复' })
    expect(await onHand()).toBe('6')
  })

  it('runs a handled action as a step: a document submitted by a declared action', async () => {
    const empty = (await app.api.post('/api/forms/receipts/records', { depot, lines: [{ item: tee, qty: 0, unit_cost: '3.00' }] })).body.data
    const nothing = await act('receipts', empty.id, 'receive_now')
    expect(nothing.body.error).toMatchObject({ code: 'validation_failed', message: '没有要入库的数量', details: [{ code: 'action_refused' }] })
    const receipt = (await app.api.post('/api/forms/receipts/records', { depot, lines: [{ item: tee, qty: 2, unit_cost: '3.00' }] })).body.data
    expect((await act('receipts', receipt.id, 'receive_now')).status).toBe(200)
    expect((await app.api.get(`/api/forms/receipts/records/${receipt.id}`)).body.data.doc_status).toBe('submitted')
    expect(await onHand()).toBe('8')
    expect((await act('receipts', receipt.id, 'receive_now')).status).toBe(409) // no longer a draft
    expect((await act('receipts', receipt.id, 'void')).status).toBe(200)
    expect(await onHand()).toBe('6')
  })

  it('a step that fails rolls the whole action back', async () => {
    const big = await parcel(50)
    const refused = await act('parcels', big.id, 'fast_track')
    expect(refused.status).toBe(422) // 库存不足: the posting's balance constraint
    expect((await get(big.id)).status).toBe('new')
    expect(await onHand()).toBe('6')
  })
})

describe('template validation of declared workflow', () => {
  async function refused(change: (form: any) => void) {
    const pack = workflowPack('1.2.0')
    pack.key = 'mini_flow_bad'
    pack.forms = pack.forms.map((f: any) => ({ ...f, key: `${f.key}_x` }))
    // keep references inside the copy
    const json = JSON.stringify(pack).replace(/"(goods|depots|levels|moves|receipts|issues|parcels)"/g, '"$1_x"')
    const copy = JSON.parse(json)
    change(copy.forms.find((f: any) => f.key === 'parcels_x'))
    const res = await app.api.post('/api/packs', copy)
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe('invalid_template')
    return res.body.error.details.map((d: any) => `${d.path}: ${d.message}`)
  }
  const action = (form: any, key: string) => form.actions.find((a: any) => a.key === key)

  it('names the place of unknown postings, actions, fields and params, and of type errors', async () => {
    expect(await refused((f) => action(f, 'qc_pass').steps.push({ post: 'tak' }))).toContainEqual(
      expect.stringMatching(/^forms\[6\]\.actions\[1\]\.steps\[1\]\.post: parcels_x has no posting "tak"/),
    )
    expect(await refused((f) => action(f, 'cancel').steps.push({ run: 'relase' }))).toContainEqual(
      expect.stringMatching(/^forms\[6\]\.actions\[6\]\.steps\[3\]\.run: parcels_x has no action "relase"/),
    )
    expect(await refused((f) => (action(f, 'hold').set.colour = 'red'))).toContainEqual('forms[6].actions[3].set.colour: parcels_x has no writable field "colour"')
    expect(await refused((f) => (action(f, 'hold').set.status = 'lost'))).toContainEqual(expect.stringMatching(/^forms\[6\]\.actions\[3\]\.set\.status: /))
    expect(await refused((f) => (action(f, 'qc_pass').set.score = '=params.inspector & "!"'))).toContainEqual(
      'forms[6].actions[1].set.score: gives text, but score takes number',
    )
    expect(await refused((f) => action(f, 'qc_pass').requires.push({ check: 'params.nope > 1', message: 'x' }))).toContainEqual(
      expect.stringMatching(/^forms\[6\]\.actions\[1\]\.requires\[1\]\.check: unknown field "params\.nope"/),
    )
    expect(await refused((f) => (action(f, 'qc_pass').requires[0].check = 'params.rating'))).toContainEqual(
      'forms[6].actions[1].requires[0].check: must be a condition (TRUE or FALSE), not number',
    )
    expect(await refused((f) => (f.editable_when = 'no_such_field = 1'))).toContainEqual(expect.stringMatching(/^forms\[6\]\.editable_when: unknown field "no_such_field"/))
  })

  it('refuses steps that do two things, actions that run each other in a circle, and handlers with steps', async () => {
    expect(await refused((f) => action(f, 'cancel').steps.push({ post: 'take', reverse: 'take' }))).toContainEqual(
      'forms[6].actions[6].steps[3]: a step does exactly one of set, post, reverse or run (this one: post, reverse)',
    )
    expect(await refused((f) => (action(f, 'release').steps = [{ run: 'cancel' }]))).toContainEqual(
      expect.stringMatching(/actions run each other in a circle: (release → cancel → release|cancel → release → cancel)/),
    )
    expect(await refused((f) => (action(f, 'hold').handler = 'orders.audit'))).toContainEqual(
      'forms[6].actions[3].steps: "hold" is done by the handler "orders.audit"; it cannot also have set or steps',
    )
  })
})
