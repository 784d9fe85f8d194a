import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app'

const pack = {
  format: 'zhanggui.pack/1',
  key: 'numbers',
  name: '编号',
  version: '1.0.0',
  forms: [
    {
      key: 'receipts',
      label: '收据',
      fields: [
        { key: 'no', type: 'auto_number', label: '单号', pattern: 'SJ{YYYYMMDD}{000}' },
        { key: 'note', type: 'text', label: '备注' },
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

describe('GET /api/designer/:form/next-number', () => {
  it('gives the counter the next record would get, for the pattern being designed', async () => {
    const first = await app.api.get('/api/designer/receipts/next-number?field=no')
    expect(first.status).toBe(200)
    expect(first.body.data.next).toBe(1)
    const created = [await app.api.post('/api/forms/receipts/records', {}), await app.api.post('/api/forms/receipts/records', {})]
    expect(created.map((r) => r.body.data.no.slice(-3))).toEqual(['001', '002'])
    const daily = await app.api.get(`/api/designer/receipts/next-number?field=no&pattern=${encodeURIComponent('SJ{YYYYMMDD}{000}')}`)
    expect(daily.body.data.next).toBe(3)
    // a monthly pattern counts in another period, which starts at 1
    const monthly = await app.api.get(`/api/designer/receipts/next-number?field=no&pattern=${encodeURIComponent('SJ{YYYYMM}-{0000}')}`)
    expect(monthly.body.data.next).toBe(1)
  })

  it('refuses a bad pattern, an unknown field, and non-admins', async () => {
    const bad = await app.api.get(`/api/designer/receipts/next-number?field=no&pattern=${encodeURIComponent('SJ{XX}')}`)
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toMatch(/unknown part/)
    expect((await app.api.get('/api/designer/receipts/next-number?field=nope')).status).toBe(400)
    expect((await app.api.get('/api/designer/nope/next-number?field=no')).status).toBe(404)
    const member = await app.clientFor('clerk', 'staff')
    expect((await member.get('/api/designer/receipts/next-number?field=no')).status).toBe(403)
  })
})
