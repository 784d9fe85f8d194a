import fs from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import Decimal from 'decimal.js'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { createHttpApp } from '../../server/api/http'
import { createContext, installBundledPacks } from '../../server/app'
import { ensureAdmin } from '../../server/bootstrap'
import { loadConfig } from '../../server/config'
import { createToken } from '../../server/auth/credentials'
import { checkLogin, createUser } from '../../server/auth/users'
import type { AppContext } from '../../server/context'
import { apiClient } from '../support/app'
import { erp } from '../support/erp'
import { ADMIN, apiGet, apiPost, cellTexts, field, launch, login, pickOption, screenshot, type Browser } from './helpers'

/*
 * The form designer on the bundled Taobao ERP with its sample data. It changes the orders form,
 * so it runs on a server of its own (the shared ERP server's orders stay as erp-day expects them).
 */

const ROOT = path.resolve(import.meta.dirname, '../..')
let browser: Browser
let page: Page
let stop: () => Promise<void>
let ctx: AppContext
let baseUrl: string

beforeAll(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-e2e-designer-'))
  ctx = await createContext(loadConfig({ ZG_DATA_DIR: dataDir, ZG_ADMIN_PASSWORD: ADMIN.password, PORT: '0' }))
  await installBundledPacks(ctx, { sampleData: true })
  await ensureAdmin(ctx)
  const server: Server = await new Promise((resolve) => {
    const s = createHttpApp(ctx, { clientDir: path.join(ROOT, 'dist/client') }).listen(0, '127.0.0.1', () => resolve(s))
  })
  stop = async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await ctx.db.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  await sellSomething(baseUrl)
  browser = await launch(baseUrl)
  page = browser.page
  await login(page)
})

afterAll(async () => {
  await browser?.close()
  await stop?.()
})

/** The pack's sample data has no orders: the demo shop sells a few (trades turned into orders, as the sync does). */
async function sellSomething(baseUrl: string) {
  const admin = (await checkLogin(ctx.db.knex, ADMIN.username, ADMIN.password))!
  const { token } = await createToken(ctx.db.knex, admin, 'e2e designer')
  const t = erp(apiClient(baseUrl, { authorization: `Bearer ${token}` }))
  const [shop] = await t.list('shops')
  const sales = [
    { buyer: '晴天爸爸', sku: 'TX001-01', num: 2, price: '59.00' },
    { buyer: '小鹿乱撞', sku: 'TX001-02', num: 3, price: '59.00' },
    { buyer: 'lucky_cat', sku: 'TX001-01', num: 1, price: '49.90' },
    { buyer: '海边的风', sku: 'TX001-02', num: 7, price: '19.99' },
  ]
  for (const [i, sale] of sales.entries()) {
    const tid = `710000${i}`
    const payment = new Decimal(sale.price).mul(sale.num).toFixed(2)
    const trade = await t.create('platform_trades', {
      shop: shop.id, tid, status: 'WAIT_SELLER_SEND_GOODS', payment, source: 'manual', buyer_nick: sale.buyer,
      lines: [{ oid: `${tid}1`, outer_sku_id: sale.sku, title: sale.sku, num: sale.num, payment, price: sale.price }],
    })
    await t.ok(t.act('platform_trades', trade.id, 'create_order'))
  }
}

/** ag-grid renders only the columns in view; new columns are at the right end. */
async function scrollGridRight() {
  await page.locator('.ag-body-horizontal-scroll-viewport').evaluate((el) => (el.scrollLeft = el.scrollWidth))
}

const toast = (text: string | RegExp) => page.locator('.el-message').filter({ hasText: text }).first()
const card = (key: string): Locator => page.locator(`[data-card="${key}"]`)

interface Rec {
  id: number
  version: number
  [key: string]: unknown
}
async function query(form: string, body: unknown): Promise<Rec[]> {
  return (await apiPost<{ data: Rec[] }>(page, `/api/forms/${form}/records/query`, body)).data
}

async function definitionOf(form: string): Promise<{ fields: { key: string; type: string }[] }> {
  return (await apiGet<{ data: { definition: { fields: { key: string; type: string }[] } } }>(page, `/api/forms/${form}`)).data.definition
}

/** Types at the formula editor's cursor once an insert has given the box the focus back. */
async function typeInFormula(text: string) {
  await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-test'))).toBe('formula-input')
  await page.keyboard.type(text)
}

async function openDesigner(form: string) {
  await page.goto(`/forms/${form}`)
  await page.locator('[data-test="design-form"]').click()
  await page.waitForURL(`**/designer/${form}`)
  await card('no').waitFor()
}

/** Saves the design: the dry run's impact is shown first, then applied. */
async function saveDesign(expectImpact: RegExp) {
  await page.locator('[data-test="designer-save"]').click()
  const impact = page.locator('[data-test="impact-body"]')
  await expect.poll(() => impact.innerText()).toMatch(expectImpact)
  await page.locator('[data-test="impact-apply"]').click()
  await expect.poll(() => toast('已保存').count()).toBe(1)
  await page.locator('.el-message').first().waitFor({ state: 'detached' })
}

/** Adds an action in the Actions tab by pointing and clicking: offered while 状态 is `when`, it sets 状态 to `set`. */
async function addAction(a: { zh: string; en: string; key: string; when: string; set: string }): Promise<Locator> {
  await page.locator('[data-test="add-action"]').click()
  const action = page.locator('.action-card').last()
  await action.locator('input[data-test="action-label-zh"]').fill(a.zh)
  await action.locator('input[data-test="action-label-en"]').fill(a.en)
  await expect.poll(() => action.locator('input[data-test="action-key"]').inputValue()).toBe(a.key)
  await expect.poll(() => action.locator('[data-test="when-field"]').innerText()).toContain('状态')
  await action.locator('[data-test="when-values"]').click()
  await pickOption(page, a.when)
  await page.keyboard.press('Escape')
  await action.locator('[data-test="add-set"]').click()
  await expect.poll(() => action.locator('[data-test="set-field"]').innerText()).toContain('状态')
  await noDropdownOpen()
  await action.locator('[data-test="set-value"]').click()
  await pickOption(page, a.set)
  await expect.poll(() => action.locator('[data-test="set-value"]').innerText()).toContain(a.set)
  await noDropdownOpen()
  return action
}

/** A dropdown closed just before still fades out, with options that may match too. */
async function noDropdownOpen() {
  await page.waitForFunction(() => !Array.from(document.querySelectorAll('.el-select-dropdown')).some((d) => (d as HTMLElement).offsetParent !== null))
}

/** The actions the open record offers: its buttons and those under 更多. */
async function offered(): Promise<string[]> {
  await page.locator('.record-actions').waitFor()
  const keys = await page.locator('.record-actions [data-test^="action-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-test')!.slice('action-'.length)))
  const more = page.locator('[data-test="more-actions"]')
  if (await more.count()) {
    await more.click()
    const items = page.locator('.el-dropdown-menu__item:visible')
    await items.first().waitFor()
    keys.push(...(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-action')!))))
    await more.click()
    await items.first().waitFor({ state: 'hidden' })
  }
  return keys
}

async function runOffered(key: string, done: string) {
  const button = page.locator(`[data-test="action-${key}"]`)
  if (await button.count()) await button.click()
  else {
    await page.locator('[data-test="more-actions"]').click()
    await page.locator(`.el-dropdown-menu__item[data-action="${key}"]`).click()
  }
  await expect.poll(() => toast(done).count()).toBe(1)
  await page.locator('.el-message').first().waitFor({ state: 'detached' })
}

describe('form designer', () => {
  test('a merchant adds a status 待质检 and actions 送检 and 质检通过 by pointing and clicking, and runs them on an order', async () => {
    await openDesigner('orders')
    // the new option of 状态: its stored value follows the English label
    await card('status').click()
    await page.locator('[data-test="add-option"]').click()
    const option = page.locator('[data-test="options"] .option-row').last()
    await option.locator('input[data-test="option-label-zh"]').fill('待质检')
    await option.locator('input[data-test="option-label-en"]').fill('Awaiting QC')
    await expect.poll(() => option.locator('input[data-test="option-value"]').inputValue()).toBe('awaiting_qc')

    // two actions: 送检 while 状态 is 待审核 sets it to 待质检; 质检通过 while 待质检 sets it back to 待审核
    await page.locator('[data-test="tab-actions"]').click()
    const sendToQc = await addAction({ zh: '送检', en: 'Send to QC', key: 'send_to_qc', when: '待审核', set: '待质检' })
    await expect.poll(() => sendToQc.locator('[data-test="when-formula-text"]').innerText()).toContain('status = "pending"')
    const passQc = await addAction({ zh: '质检通过', en: 'Pass QC', key: 'pass_qc', when: '待质检', set: '待审核' })
    await expect.poll(() => passQc.locator('[data-test="when-formula-text"]').innerText()).toContain('status = "awaiting_qc"')
    await sendToQc.evaluate((el) => el.scrollIntoView({ block: 'start' }))
    await screenshot(page, 'designer-action-editor')

    // the impact: no stored data changes, and the dialog names the new option and actions
    await page.locator('[data-test="designer-save"]').click()
    await expect.poll(() => page.locator('[data-test="impact-body"]').innerText()).toMatch(/不影响已有数据/)
    await expect.poll(() => page.locator('[data-test="impact-workflow"]').innerText()).toMatch(/状态：\s*新增选项 待质检[\s\S]*新增动作 送检、质检通过/)
    await page.waitForFunction(() => document.getAnimations().length === 0) // the dialog has faded in
    await screenshot(page, 'designer-action-impact')
    await page.locator('[data-test="impact-apply"]').click()
    await expect.poll(() => toast('已保存').count()).toBe(1)
    await page.locator('.el-message').first().waitFor({ state: 'detached' })
    const definition = (await apiGet<{ data: { definition: { fields: { key: string; options?: { value: string }[] }[]; actions: Record<string, unknown>[] } } }>(page, '/api/forms/orders')).data.definition
    expect(definition.fields.find((f) => f.key === 'status')?.options?.at(-1)).toEqual({ value: 'awaiting_qc', label: { 'zh-CN': '待质检', en: 'Awaiting QC' } })
    expect(definition.actions.slice(-2)).toEqual([
      { key: 'send_to_qc', label: { 'zh-CN': '送检', en: 'Send to QC' }, when: 'status = "pending"', set: { status: 'awaiting_qc' } },
      { key: 'pass_qc', label: { 'zh-CN': '质检通过', en: 'Pass QC' }, when: 'status = "awaiting_qc"', set: { status: 'pending' } },
    ])

    // an order waiting to be audited offers 送检, not 质检通过; each run moves the status and swaps the buttons
    const [order] = await query('orders', { filter: { field: 'status', op: 'eq', value: 'pending' }, limit: 1 })
    await page.goto(`/forms/orders/${order.id}`)
    await field(page, 'status').waitFor()
    expect(await offered()).toContain('send_to_qc')
    expect(await offered()).not.toContain('pass_qc')
    await runOffered('send_to_qc', '已送检')
    await expect.poll(() => field(page, 'status').innerText()).toContain('待质检')
    expect((await apiGet<{ data: Rec }>(page, `/api/forms/orders/records/${order.id}`)).data.status).toBe('awaiting_qc')
    expect(await offered()).toContain('pass_qc')
    expect(await offered()).not.toContain('send_to_qc')
    await screenshot(page, 'designer-action-run')

    await runOffered('pass_qc', '已质检通过')
    await expect.poll(() => field(page, 'status').innerText()).toContain('待审核')
    expect((await apiGet<{ data: Rec }>(page, `/api/forms/orders/records/${order.id}`)).data.status).toBe('pending')
    expect(await offered()).toContain('send_to_qc')
    expect(await offered()).not.toContain('pass_qc')
  })


  test('a new required field dragged into the orders form shows in the form and the grid, and a record without it is refused', async () => {
    await openDesigner('orders')
    await page.locator('[data-palette="text"]').dragTo(card('tids'))
    // dropped before 平台订单号, selected, its key following the English label
    await expect.poll(() => page.locator('[data-section-fields="0"] [data-card]').evaluateAll((els) => els.map((e) => e.getAttribute('data-card')))).toEqual([
      'no', 'shop', 'status', 'field_1', 'tids', 'buyer_nick', 'order_time', 'paid_at', 'warehouse', 'exception_reason', 'audit_note',
    ])
    await page.locator('input[data-test="prop-label-zh"]').fill('礼品留言')
    await page.locator('input[data-test="prop-label-en"]').fill('Gift note')
    await expect.poll(() => page.locator('input[data-test="prop-key"]').inputValue()).toBe('gift_note')
    await page.locator('[data-test="prop-required"]').click()
    await expect.poll(() => card('gift_note').innerText()).toMatch(/\*\s*礼品留言/)

    // undo takes the required flag back, redo brings it again
    await page.locator('[data-test="undo"]').click()
    await expect.poll(() => card('gift_note').innerText()).not.toContain('*')
    await page.keyboard.press('Control+y')
    await expect.poll(() => card('gift_note').innerText()).toMatch(/\*\s*礼品留言/)
    await screenshot(page, 'designer')

    await saveDesign(/新增字段\s*礼品留言/)
    const definition = await definitionOf('orders')
    expect(definition.fields.find((f: { key: string }) => f.key === 'gift_note')).toMatchObject({ type: 'text', required: true, label: { 'zh-CN': '礼品留言', en: 'Gift note' } })

    // the grid shows the new column
    await page.goto('/forms/orders')
    await page.locator('.ag-root .ag-row').first().waitFor()
    await scrollGridRight()
    await expect.poll(() => page.locator('.ag-header-cell[col-id="gift_note"]').innerText()).toContain('礼品留言')

    // an order without it cannot be saved, in the form nor over the API
    const [order] = await query('orders', { filter: { field: 'status', op: 'eq', value: 'pending' }, limit: 1 })
    await page.goto(`/forms/orders/${order.id}`)
    await field(page, 'gift_note').waitFor()
    await field(page, 'seller_memo').locator('textarea').fill('加急')
    await page.locator('[data-test="save"]').click()
    await expect.poll(() => field(page, 'gift_note').locator('.el-form-item__error').innerText()).toBe('必填')
    const refused = await page.evaluate(
      async ({ id, version }) => {
        const response = await fetch(`/api/forms/orders/records/${id}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ seller_memo: '加急', version }) })
        return { status: response.status, body: await response.json() }
      },
      { id: order.id, version: order.version },
    )
    expect(refused.status).toBe(422)
    expect(refused.body.error.details).toEqual([expect.objectContaining({ field: 'gift_note', code: 'required' })])
    await field(page, 'gift_note').locator('input').fill('生日快乐')
    await page.locator('[data-test="save"]').click()
    await expect.poll(() => toast('已保存').count()).toBe(1)
  })

  test('a formula field built with the editor is computed for every order in the grid', async () => {
    await openDesigner('orders')
    await page.locator('[data-palette="formula"]').dragTo(card('net_amount'))
    await page.locator('input[data-test="prop-label-zh"]').fill('每件均价')
    await page.locator('input[data-test="prop-label-en"]').fill('Average price')
    await expect.poll(() => page.locator('input[data-test="prop-key"]').inputValue()).toBe('average_price')

    await page.locator('[data-test="prop-formula"] [data-test="open-formula-editor"]').click()
    const editor = page.locator('.el-dialog textarea[data-test="formula-input"]')
    await editor.fill('')
    // the function list inserts IFERROR() with the cursor inside; the picker inserts fields by their labels
    await page.locator('.el-dialog [data-function="IFERROR"]').click()
    await page.locator('.el-dialog [data-insert="{实付合计}"]').click()
    await typeInFormula(' / ')
    await page.locator('.el-dialog [data-insert="{总件数}"]').click()
    await typeInFormula(', ')
    await expect.poll(() => page.locator('.el-dialog [data-test="formula-error"]').innerText()).toMatch(/语法错误/)
    await typeInFormula('0')
    await expect.poll(() => editor.inputValue()).toBe('IFERROR({实付合计} / {总件数}, 0)')
    await expect.poll(() => page.locator('.el-dialog [data-test="formula-ok"]').innerText()).toContain('结果是数字')
    await page.locator('.el-dialog [data-function="ROUND"]').scrollIntoViewIfNeeded()
    await screenshot(page, 'formula-editor')
    await page.locator('[data-test="formula-done"]').click()
    await page.locator('[data-prop="result"] .el-select').click()
    await pickOption(page, '金额')

    const orders = await query('orders', { sort: ['-id'], limit: 4 })
    expect(orders).toHaveLength(4)
    // exact decimals, rounded half away from zero, as the server computes
    const expected = orders.map((o) => (new Decimal(String(o.total_qty ?? 0)).isZero() ? '0.00' : new Decimal(String(o.payment_total ?? 0)).div(String(o.total_qty)).toFixed(2, Decimal.ROUND_HALF_UP)))

    // the preview is the record form with the latest order: the formula is computed there already
    await page.locator('[data-test="tab-preview"]').click()
    const shownValue = () => field(page, 'average_price').evaluate((el) => [el.textContent, ...Array.from(el.querySelectorAll('input'), (i) => i.value)].join(' '))
    await expect.poll(async () => (await shownValue()).replace(/[^\d.]/g, '')).toBe(expected[0])
    await field(page, 'average_price').scrollIntoViewIfNeeded()
    await screenshot(page, 'designer-preview')
    await page.locator('[data-test="tab-layout"]').click()

    await saveDesign(/新增字段\s*每件均价[\s\S]*将重新计算\s*每件均价/)
    await page.goto('/forms/orders')
    await page.locator('.ag-root .ag-row').first().waitFor()
    await scrollGridRight()
    await expect.poll(() => page.locator('.ag-header-cell[col-id="average_price"]').innerText()).toContain('每件均价')
    expect((await query('orders', { sort: ['-id'], limit: 4 })).map((o) => o.average_price)).toEqual(expected)
    expect(expected.some((v) => v !== '0.00')).toBe(true)
    const shown = (await cellTexts(page, 'average_price')).slice(0, 4).map((text) => text.replace(/[^\d.-]/g, ''))
    expect(shown).toEqual(expected)
  })

  test('changing a field’s type previews the values that cannot be converted', async () => {
    await openDesigner('orders')
    await card('buyer_nick').click()
    await page.locator('[data-test="prop-type"]').click()
    await pickOption(page, '数字')
    await page.locator('[data-test="designer-save"]').click()
    const conversions = page.locator('[data-test="impact-conversions"]')
    await expect.poll(() => conversions.innerText()).toMatch(/买家昵称：单行文本 → 数字/)
    const nicks = (await query('orders', { limit: 500 })).map((o) => String(o.buyer_nick ?? '')).filter((v) => v && !/^-?\d+(\.\d+)?$/.test(v.trim()))
    expect(nicks.length).toBeGreaterThan(0)
    const unconvertible = page.locator('[data-test="impact-unconvertible"]')
    await expect.poll(() => unconvertible.innerText()).toContain(`${nicks.length} 条无法转换`)
    const text = await unconvertible.innerText()
    expect(nicks.some((nick) => text.includes(`“${nick}”`))).toBe(true)
    await screenshot(page, 'impact-preview')
    // nothing changes until it is confirmed
    await page.locator('.el-dialog').getByRole('button', { name: '取消' }).click()
    const definition = await definitionOf('orders')
    expect(definition.fields.find((f) => f.key === 'buyer_nick')?.type).toBe('text')
  })

  test('a new form from scratch and one copied from another appear in the menu', async () => {
    await page.goto('/')
    await page.locator('.el-menu-item[data-page="/designer/new"]').click()
    await page.locator('input[data-test="new-form-label-zh"]').fill('样品登记')
    await page.locator('input[data-test="new-form-label-en"]').fill('Samples')
    await page.locator('[data-test="start-design"]').click()
    await card('name').waitFor()
    await page.locator('[data-palette="number"]').click()
    await page.locator('input[data-test="prop-label-zh"]').fill('数量')
    await page.locator('input[data-test="prop-label-en"]').fill('Qty')
    await expect.poll(() => page.locator('input[data-test="prop-key"]').inputValue()).toBe('qty')
    await page.locator('[data-test="designer-save"]').click()
    await page.waitForURL('**/designer/samples')
    expect((await definitionOf('samples')).fields.map((f) => `${f.key}:${f.type}`)).toEqual(['name:text', 'qty:number'])
    await page.locator('.el-menu-item[data-form="samples"]').click()
    await page.locator('[data-test="new-record"]').click()
    await field(page, 'name').locator('input').fill('春季样衣')
    await field(page, 'qty').locator('input').fill('3')
    await page.locator('[data-test="save"]').click()
    await expect.poll(() => toast('已创建').count()).toBe(1)

    await page.goto('/designer/new')
    await page.locator('input[data-test="new-form-label-zh"]').fill('供应商（外协）')
    await page.locator('input[data-test="new-form-label-en"]').fill('Subcontractors')
    await page.locator('[data-test="start-copy"]').click()
    await page.locator('[data-test="copy-from"]').click()
    await pickOption(page, '供应商')
    await page.locator('[data-test="start-design"]').click()
    await card('name').waitFor()
    await page.locator('[data-test="designer-save"]').click()
    await page.waitForURL('**/designer/subcontractors')
    const copied = await definitionOf('subcontractors')
    expect(copied.fields.map((f) => f.key)).toEqual((await definitionOf('suppliers')).fields.map((f) => f.key))
    await expect.poll(() => page.locator('.el-menu-item[data-form="subcontractors"]').innerText()).toContain('供应商（外协）')
  })

  test('users whose roles may not design see no way into the designer, and cannot open it', async () => {
    // 客服 works with orders but holds neither forms.design nor the form's design permission
    await createUser(ctx.db.knex, { username: 'clerk', password: 'clerk-password-1', roles: ['service'] })
    const member = await launch(baseUrl)
    try {
      await login(member.page, { username: 'clerk', password: 'clerk-password-1' })
      await member.page.goto('/forms/orders')
      await member.page.locator('[data-test="grid-total"]').waitFor()
      expect(await member.page.locator('[data-test="design-form"]').count()).toBe(0)
      expect(await member.page.locator('.el-menu-item[data-page="/designer/new"]').count()).toBe(0)
      await member.page.goto('/designer/orders')
      await expect.poll(() => member.page.locator('.el-result').innerText()).toContain('只有管理员可以设计表单')
    } finally {
      await member.close()
    }
  })

  test('no console errors', () => {
    expect(browser.problems.filter((p) => !p.includes('401') && !p.includes('422'))).toEqual([])
  })
})
