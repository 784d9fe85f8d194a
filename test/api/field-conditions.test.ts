import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'

// required_when is enforced by the server on write, not only by the form in the browser.
const pack = {
  format: 'zhanggui.pack/1',
  key: 'conditions',
  name: '条件',
  version: '1.0.0',
  forms: [
    {
      key: 'invoices',
      label: '发票',
      fields: [
        { key: 'title', type: 'text', label: '抬头', required: true },
        { key: 'kind', type: 'select', label: '类型', options: [{ value: 'vat', label: '专票' }, { value: 'plain', label: '普票' }] },
        { key: 'tax_no', type: 'text', label: '税号', required_when: { field: 'kind', equals: ['vat'] } },
        { key: 'bank', type: 'text', label: '开户行', required: true, visible_when: { field: 'tax_no' } },
      ],
    },
  ],
}

let app: TestApp
beforeAll(async () => {
  app = await startTestApp({ packs: [pack] })
})
afterAll(async () => {
  await app?.close()
})

describe('required_when', () => {
  it('refuses a record without the field while the condition holds', async () => {
    const res = await app.api.post('/api/forms/invoices/records', { title: '甲', kind: 'vat' })
    expect(res.status, JSON.stringify(res.body)).toBe(422)
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'tax_no', code: 'required' })])
  })

  it('accepts it when the condition does not hold, and a hidden required field may stay blank', async () => {
    expect((await app.api.post('/api/forms/invoices/records', { title: '乙', kind: 'plain' })).status).toBe(201)
    expect((await app.api.post('/api/forms/invoices/records', { title: '丙' })).status).toBe(201)
  })

  it('requires a field once visible_when shows it', async () => {
    const res = await app.api.post('/api/forms/invoices/records', { title: '丁', kind: 'vat', tax_no: '91330000' })
    expect(res.status).toBe(422)
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'bank', code: 'required' })])
    const ok = await app.api.post('/api/forms/invoices/records', { title: '丁', kind: 'vat', tax_no: '91330000', bank: '工行' })
    expect(ok.status).toBe(201)
  })

  it('applies on update too', async () => {
    const created = await app.api.post('/api/forms/invoices/records', { title: '戊', kind: 'plain' })
    const res = await app.api.patch(`/api/forms/invoices/records/${created.body.data.id}`, { kind: 'vat', version: created.body.data.version })
    expect(res.status).toBe(422)
    expect(res.body.error.details[0].field).toBe('tax_no')
  })
})
