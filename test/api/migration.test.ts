import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'

function crm(version: string, fields: unknown[], extra: Record<string, unknown> = {}) {
  return {
    format: 'zhanggui.pack/1',
    key: 'crm',
    name: '客户',
    version,
    forms: [{ key: 'leads', label: '线索', title_field: 'name', fields, ...extra }],
  }
}

const v1 = crm('1.0.0', [
  { key: 'name', type: 'text', label: '名称', required: true },
  { key: 'budget', type: 'money', label: '预算' },
  { key: 'stage', type: 'select', label: '阶段', options: [{ value: 'new', label: '新' }] },
])

let app: TestApp
beforeAll(async () => {
  app = await startTestApp({ packs: [v1] })
})
afterAll(async () => {
  await app?.close()
})

describe('changing an installed form keeps its data', () => {
  it('adds, retires and restores fields without losing values', async () => {
    const lead = (await app.api.post('/api/forms/leads/records', { name: '大客户', budget: '5000.00', stage: 'new' })).body.data

    // 1.1: budget removed, a field added, labels and options changed.
    const v11 = crm('1.1.0', [
      { key: 'name', type: 'text', label: { 'zh-CN': '客户名称', en: 'Name' }, required: true },
      { key: 'stage', type: 'select', label: '阶段', options: [{ value: 'new', label: '新线索' }, { value: 'won', label: '赢单' }] },
      { key: 'phone', type: 'text', label: '电话', index: true },
    ])
    const upgrade = await app.api.post('/api/packs', v11)
    expect(upgrade.status).toBe(200)
    expect(upgrade.body.data).toMatchObject({ status: 'upgraded', updated: ['leads'] })
    const after = (await app.api.get(`/api/forms/leads/records/${lead.id}`)).body.data
    expect(after).toMatchObject({ name: '大客户', stage: 'new', phone: null })
    expect(after).not.toHaveProperty('budget')
    expect((await app.api.patch(`/api/forms/leads/records/${lead.id}`, { stage: 'won', phone: '13800000000' })).body.data.stage).toBe('won')
    const retired = await app.ctx.db.knex('zg_forms').where({ key: 'leads' }).first()
    expect(JSON.parse(retired.retired_fields).map((r: any) => r.def.key)).toEqual(['budget'])

    // 1.2: budget comes back, and so does its data.
    const v12 = crm('1.2.0', [...v11.forms[0].fields, { key: 'budget', type: 'money', label: '预算' }])
    expect((await app.api.post('/api/packs', v12)).status).toBe(200)
    expect((await app.api.get(`/api/forms/leads/records/${lead.id}`)).body.data).toMatchObject({ budget: '5000.00', stage: 'won', phone: '13800000000' })

    // Installing the same pack again changes nothing; an older version is refused.
    expect((await app.api.post('/api/packs', v12)).body.data.status).toBe('unchanged')
    const downgrade = await app.api.post('/api/packs', v11)
    expect(downgrade.status).toBe(409)
  })

  it('refuses type changes whose data cannot be converted, naming the field', async () => {
    const bad = crm('2.0.0', [
      { key: 'name', type: 'text', label: '名称' },
      { key: 'stage', type: 'address', label: '阶段' },
    ])
    const res = await app.api.post('/api/packs', bad)
    expect(res.status).toBe(422)
    const message = 'changing "stage" from select to address cannot convert its data; add a new field instead'
    expect(res.body.error.details).toEqual([
      { path: 'forms[0].fields[1].type', code: 'template_problem', params: { path: 'forms[0].fields[1].type', detail: message }, message },
    ])
    // Nothing of the refused upgrade was applied.
    expect((await app.api.get('/api/forms/leads')).body.data.definition.fields[0].type).toBe('text')
  })

  it('rejects a broken pack with messages that point at the place', async () => {
    const broken = crm('3.0.0', [{ key: 'name', type: 'nubmer', label: '名称' }])
    const res = await app.api.post('/api/packs', broken)
    expect(res.status).toBe(422)
    expect(res.body.error).toMatchObject({ code: 'invalid_template', message: 'forms[0].fields[0].type: unknown type "nubmer"' })
  })

  it('makes adding a unique constraint fail cleanly when data breaks it', async () => {
    await app.api.post('/api/forms/leads/records', [{ name: '重名' }, { name: '重名' }])
    const current = (await app.api.get('/api/forms/leads')).body.data.definition
    const unique = crm('4.0.0', current.fields.map((f: any) => (f.key === 'name' ? { ...f, unique: true } : f)))
    const res = await app.api.post('/api/packs', unique)
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    expect((await app.api.get('/api/forms/leads')).body.data.definition.fields.find((f: any) => f.key === 'name').unique).toBeUndefined()
  })
})
