import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { installPack } from '../../server/forms/installer'
import { businessDate } from '../../schema/lib/time'
import { login, screenshot } from './helpers'
import { startE2eServer, type E2eServer } from './server'

/*
 * The Content-Security-Policy against the built client, and stored XSS: a pack whose form, field,
 * option and dashboard labels and a record's values carry markup that would run script if any
 * page rendered it as HTML. Every page visited must raise no CSP violation (an injected inline
 * handler would raise one: script-src-attr 'none') and leave the payload's flag unset.
 */

const PAYLOAD = '<img src=x onerror="window.__xss=(window.__xss||0)+1">'
const SVG = '<svg onload="window.__xss=(window.__xss||0)+1"></svg>'

const xssPack = () => ({
  format: 'zhanggui.pack/1',
  key: 'xss_pack',
  name: `XSS ${PAYLOAD}`,
  version: '1.0.0',
  forms: [
    {
      key: 'xss_notes',
      label: { 'zh-CN': `笔记 ${PAYLOAD}`, en: `Notes ${PAYLOAD}` },
      title_field: 'name',
      fields: [
        { key: 'name', type: 'text', label: { 'zh-CN': `名称 ${PAYLOAD}`, en: `Name ${PAYLOAD}` }, required: true },
        { key: 'kind', type: 'select', label: `类别 ${SVG}`, options: [{ value: 'a', label: `甲 ${PAYLOAD}` }, { value: 'b', label: '乙' }] },
        { key: 'day', type: 'date', label: '日期' },
        { key: 'amount', type: 'money', label: '金额' },
        { key: 'memo', type: 'textarea', label: '备注' },
        { key: 'lines', type: 'sub_form', label: `明细 ${PAYLOAD}`, fields: [{ key: 'item', type: 'text', label: `品名 ${PAYLOAD}` }] },
      ],
    },
  ],
  dashboards: [
    {
      key: 'xss_board',
      label: { 'zh-CN': `看板 ${PAYLOAD}`, en: `Board ${PAYLOAD}` },
      widgets: [
        {
          key: 'by_name', type: 'table', title: `表 ${PAYLOAD}`, layout: { x: 0, y: 0, w: 12, h: 10 },
          dataset: { form: 'xss_notes', date_field: 'day', group_by: ['name', 'kind'], measures: [{ fn: 'count', as: 'n', label: `数 ${PAYLOAD}` }, { fn: 'sum', field: 'amount', as: 'total', label: '合计' }] },
        },
        {
          key: 'bars', type: 'bar', title: `柱 ${SVG}`, layout: { x: 12, y: 0, w: 12, h: 10 },
          dataset: { form: 'xss_notes', date_field: 'day', group_by: ['name'], measures: [{ fn: 'sum', field: 'amount', as: 'total', label: `额 ${PAYLOAD}` }] },
        },
      ],
    },
  ],
})

let app: E2eServer
let page: Page
let recordId: number

beforeAll(async () => {
  app = await startE2eServer('security', async (ctx) => {
    await installPack(ctx.db, ctx.registry, xssPack())
    const today = businessDate(Date.now())
    const record = await ctx.records.create('xss_notes', {
      name: PAYLOAD, kind: 'a', day: today, amount: '12.50', memo: `${SVG}\n<script>window.__xss=1</script>`, lines: [{ item: PAYLOAD }],
    })
    await ctx.records.create('xss_notes', { name: `"><script>window.__xss=1</script>`, kind: 'b', day: today, amount: '3.00' })
    recordId = record.id
  })
  page = app.browser.page
  // Collect CSP violations from the first document on: each page's own listener.
  await app.browser.context.addInitScript(() => {
    const seen: string[] = []
    ;(window as unknown as { __csp: string[] }).__csp = seen
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`))
  })
})
afterAll(async () => {
  await app?.close()
})

async function assertClean(name: string) {
  await page.waitForLoadState('networkidle')
  await page.waitForTimeout(300)
  const state = await page.evaluate(() => ({ xss: (window as unknown as { __xss?: number }).__xss, csp: (window as unknown as { __csp?: string[] }).__csp ?? [] }))
  await screenshot(page, `security-${name}`)
  expect(state.csp, `${name}: CSP violations`).toEqual([])
  expect(state.xss, `${name}: the payload ran`).toBeUndefined()
  const cspConsole = app.browser.problems.filter((p) => /Content Security Policy|Refused to/i.test(p))
  expect(cspConsole, name).toEqual([])
}

describe('the built client under the Content-Security-Policy', () => {
  test('serves the page with the policy and runs without violations on login', async () => {
    const res = await page.goto('/login')
    const headers = res!.headers()
    expect(headers['content-security-policy']).toMatch(/script-src 'self'( 'unsafe-eval')?;/)
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(headers['x-content-type-options']).toBe('nosniff')
    await assertClean('login')
    await login(page)
  })

  test('shows the ERP home dashboards (ECharts) without violations', async () => {
    await page.goto('/')
    await page.locator('canvas').first().waitFor()
    await assertClean('home')
  })

  test('renders hostile labels and values as text in the grid, form, print view, designer and a dashboard', async () => {
    await page.goto('/forms/xss_notes')
    await page.locator('.ag-row').first().waitFor()
    await assertClean('grid')
    expect(await page.locator('.ag-root img[src="x"], .ag-root svg[onload]').count()).toBe(0)

    await page.goto(`/forms/xss_notes/${recordId}`)
    await page.locator('[data-field-item="name"] input').waitFor()
    expect(await page.locator('[data-field-item="name"] input').inputValue()).toBe(PAYLOAD)
    await assertClean('record')

    await page.goto(`/print/xss_notes/${recordId}`)
    await page.getByText(PAYLOAD).first().waitFor()
    await assertClean('print')

    await page.goto('/designer/xss_notes')
    await page.locator('.designer-page').waitFor()
    await page.waitForFunction(() => !document.querySelector('.designer-loading'))
    await assertClean('designer')

    await page.goto('/?board=xss_board')
    await page.locator('canvas').first().waitFor()
    await page.getByText(PAYLOAD).first().waitFor()
    await assertClean('dashboard')
    expect(await page.locator('img[src="x"], svg[onload]').count()).toBe(0)
  })
})
