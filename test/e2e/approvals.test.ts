import fs from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { createHttpApp } from '../../server/api/http'
import { createContext, installBundledPacks } from '../../server/app'
import { createUser } from '../../server/auth/users'
import { ensureAdmin } from '../../server/bootstrap'
import { loadConfig } from '../../server/config'
import type { AppContext } from '../../server/context'
import { ADMIN, apiGet, apiPost, field, launch, login, pickOption, pickRemote, screenshot, type Browser } from './helpers'

/*
 * The Taobao ERP pack's purchase approval in the browser: a buyer (a member) submits a 采购单 over
 * 5,000.00; it is not submitted but waits in the 店长's 待办 (the pack names a 店长 role, which
 * falls back to the administrators until roles exist), with a count in the menu, until the 店长
 * approves — then it is submitted, as the buyer.
 * Its own server (the ERP pack and demo data), so the other e2e files' counts are not disturbed.
 */
const ROOT = path.resolve(import.meta.dirname, '../..')
const BUYER = { username: 'caigou', password: 'caigou-secret-1', display_name: '采购小李' }
const MANAGER = { username: 'dianzhang', password: 'dianzhang-secret-1', display_name: '王店长' }
const KEEPER = { username: 'kuguan', password: 'kuguan-secret-1', display_name: '库管老张' }

let ctx: AppContext
let server: Server
let dataDir: string
let browser: Browser
let page: Page

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-e2e-approvals-'))
  ctx = await createContext(loadConfig({ ZG_DATA_DIR: dataDir, ZG_ADMIN_PASSWORD: ADMIN.password, PORT: '0' }))
  await installBundledPacks(ctx, { sampleData: true })
  await ensureAdmin(ctx)
  await createUser(ctx.db.knex, { ...BUYER, role: 'member' })
  await createUser(ctx.db.knex, { ...MANAGER, role: 'admin' })
  await createUser(ctx.db.knex, { ...KEEPER, role: 'member' })
  server = await new Promise((resolve) => {
    const s = createHttpApp(ctx, { clientDir: path.join(ROOT, 'dist/client') }).listen(0, '127.0.0.1', () => resolve(s))
  })
  browser = await launch(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  page = browser.page
})

afterAll(async () => {
  await browser?.close()
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
  await ctx?.db.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

const menuCount = () => page.locator('[data-test="approvals-count"] .el-badge__content')
const docStatus = () => page.locator('[data-test="doc-status"]').getAttribute('data-status')
const lineCell = (sub: string, i: number, key: string) => page.locator(`[data-cell="${sub}[${i}].${key}"]`)
const message = (text: string | RegExp) => page.locator('.el-message').filter({ hasText: text }).first()

async function logout() {
  await page.locator('[data-test="user-menu"]').click()
  await page.locator('[data-test="logout"]:visible').click()
  await page.waitForURL(/\/login/)
}

async function dismissMessages() {
  for (const close of await page.locator('.el-message .el-message__closeBtn').all()) await close.click().catch(() => undefined)
  await page.waitForFunction(() => document.querySelectorAll('.el-message').length === 0, undefined, { timeout: 5000 }).catch(() => undefined)
}

let poId = 0
let poNo = ''

describe.sequential('a purchase order over 5,000.00 needs the 店长', () => {
  test('the buyer submits it: 已提交审批, the order stays a draft and is locked', async () => {
    await login(page, BUYER)
    // nothing waits for the buyer: no count in the menu
    await page.locator('.el-menu-item[data-page="/approvals"]').waitFor()
    expect(await menuCount().count()).toBe(0)
    await page.goto('/forms/purchase_orders/new')
    await pickRemote(page, field(page, 'supplier').locator('.el-select'), '佳品', '义乌市佳品服饰有限公司')
    await pickRemote(page, field(page, 'warehouse').locator('.el-select'), '杭州', '杭州主仓')
    await page.locator('[data-test="add-line"]').click()
    await pickRemote(page, lineCell('lines', 0, 'sku').locator('.el-select'), 'TX001-01')
    await lineCell('lines', 0, 'qty').locator('input').fill('300')
    await expect.poll(() => lineCell('lines', 0, 'amount').innerText()).toBe('¥6,600.00')
    await page.locator('[data-test="save"]').click()
    await page.waitForURL(/\/forms\/purchase_orders\/\d+$/)
    poId = Number(new URL(page.url()).pathname.split('/').pop())

    await page.locator('[data-test="action-submit"]').click()
    await page.locator('.el-message-box:visible').getByRole('button', { name: '确定' }).click()
    await expect(message('已提交审批').innerText()).resolves.toContain('店长审批')
    expect(await message('已提交审批').innerText()).toContain('王店长')
    await page.locator('[data-test="approval-pending"]').waitFor()
    expect(await page.locator('[data-test="approval-pending"]').innerText()).toContain('此记录正在审批中')
    expect(await docStatus()).toBe('draft')
    // locked: no save, no delete, no submit while it waits; the buyer may withdraw
    expect(await page.locator('[data-test="save"]').count()).toBe(0)
    expect(await page.locator('[data-test="action-submit"]').count()).toBe(0)
    expect(await page.locator('[data-test="approval-withdraw"]').count()).toBe(1)
    expect(await page.locator('[data-test="approval-approve"]').count()).toBe(0)
    const po = (await apiGet<{ data: { doc_status: string; no: string } }>(page, `/api/forms/purchase_orders/records/${poId}`)).data
    expect(po.doc_status).toBe('draft')
    poNo = po.no
    await screenshot(page, 'approvals-1-requested')
    await dismissMessages()
    await logout()
  })

  test('it waits in the 店长\'s 待办 with a count in the menu', async () => {
    await login(page, MANAGER)
    await expect.poll(() => menuCount().innerText().catch(() => '')).toBe('1')
    await screenshot(page, 'approvals-2-menu-count')
    await page.locator('.el-menu-item[data-page="/approvals"]').click()
    await page.waitForURL(/\/approvals/)
    const rows = page.locator('[data-test="inbox-waiting"] .el-table__body tr')
    await expect.poll(() => rows.count()).toBe(1)
    const text = await rows.first().innerText()
    expect(text).toContain(poNo)
    expect(text).toContain('采购小李')
    expect(text).toContain('店长审批')
    expect(await page.locator('[data-test="inbox-tab-waiting"] [data-test="inbox-tab-count"]').innerText()).toContain('1')
    await screenshot(page, 'approvals-3-inbox')
  })

  test('the 店长 approves: the order is submitted, as the buyer, and leaves the 待办', async () => {
    await page.locator('[data-test="inbox-approve"]').click()
    const dialog = page.locator('.el-dialog:visible')
    await dialog.locator('textarea[data-test="decision-reason"]').fill('价格合适')
    await screenshot(page, 'approvals-4-approve-dialog')
    await dialog.locator('[data-test="decision-confirm"]').click()
    await message('审批通过').waitFor()
    await expect.poll(() => page.locator('[data-test="inbox-waiting"] .el-table__body tr').count()).toBe(0)
    await expect.poll(() => menuCount().count()).toBe(0)
    const po = (await apiGet<{ data: { doc_status: string; updated_by: { display: string } } }>(page, `/api/forms/purchase_orders/records/${poId}`)).data
    expect(po.doc_status).toBe('submitted')
    expect(po.updated_by.display).toBe('采购小李')

    // the record shows the approval and its history
    await page.goto(`/forms/purchase_orders/${poId}`)
    await expect.poll(docStatus).toBe('submitted')
    await page.locator('[data-test="record-approvals"] .el-collapse-item__header').click()
    const events = page.locator('[data-test="approval-event"]')
    await expect.poll(() => events.count()).toBe(2)
    expect(await events.nth(1).innerText()).toContain('王店长 同意')
    expect(await events.nth(1).innerText()).toContain('价格合适')
    expect(await page.locator('[data-test="approval-history"]').getAttribute('data-status')).toBe('approved')
    await dismissMessages()
    await screenshot(page, 'approvals-5-history')
  })

  test('a second one is rejected with a reason; the buyer is told and may edit it again', async () => {
    await logout()
    await login(page, BUYER)
    // the approved request is news for the buyer until opened
    await page.locator('[data-test="approvals-unread"]').waitFor()
    await page.goto('/forms/purchase_orders/new')
    await pickRemote(page, field(page, 'supplier').locator('.el-select'), '佳品', '义乌市佳品服饰有限公司')
    await pickRemote(page, field(page, 'warehouse').locator('.el-select'), '杭州', '杭州主仓')
    await page.locator('[data-test="add-line"]').click()
    await pickRemote(page, lineCell('lines', 0, 'sku').locator('.el-select'), 'TX001-01')
    await lineCell('lines', 0, 'qty').locator('input').fill('500')
    await page.locator('[data-test="save"]').click()
    await page.waitForURL(/\/forms\/purchase_orders\/\d+$/)
    const second = Number(new URL(page.url()).pathname.split('/').pop())
    await page.locator('[data-test="action-submit"]').click()
    await page.locator('.el-message-box:visible').getByRole('button', { name: '确定' }).click()
    await page.locator('[data-test="approval-pending"]').waitFor()
    await dismissMessages()
    await logout()

    await login(page, MANAGER)
    await page.goto(`/forms/purchase_orders/${second}`)
    await page.locator('[data-test="approval-reject"]').click()
    const dialog = page.locator('.el-dialog:visible')
    // no reason, no rejection
    await dialog.locator('[data-test="decision-confirm"]').click()
    await dialog.getByText('请填写拒绝理由').waitFor()
    await dialog.locator('textarea[data-test="decision-reason"]').fill('数量太多，先订 200 件')
    await dialog.locator('[data-test="decision-confirm"]').click()
    await message('已拒绝').waitFor()
    await expect.poll(() => page.locator('[data-test="approval-pending"]').count()).toBe(0)
    await logout()

    await login(page, BUYER)
    await page.locator('[data-test="approvals-unread"]').waitFor()
    await page.goto('/approvals?tab=mine')
    const mine = page.locator('[data-test="inbox-mine"] .el-table__body tr')
    await expect.poll(() => mine.count()).toBe(2)
    expect(await mine.first().innerText()).toContain('已拒绝')
    // both outcomes are news to the buyer until opened
    expect(await mine.locator('[data-test="inbox-unread"]').count()).toBe(2)
    await screenshot(page, 'approvals-6-mine')
    await mine.first().locator('[data-test="inbox-record"]').click()
    await page.waitForURL(new RegExp(`/forms/purchase_orders/${second}$`))
    await page.locator('[data-test="record-approvals"] .el-collapse-item__header').click()
    await page.locator('[data-test="approval-reason"]').filter({ hasText: '先订 200 件' }).waitFor()
    // a draft again: the buyer can edit it
    await page.locator('[data-test="save"]').waitFor()
    expect(await docStatus()).toBe('draft')
    // opened: no longer news; the other outcome still is
    await page.goto('/approvals?tab=mine')
    await expect.poll(() => mine.locator('[data-test="inbox-unread"]').count()).toBe(1)
    await screenshot(page, 'approvals-7-rejected')
    // 401s are the login page asking whether a session exists
    expect(browser.problems.filter((p) => !p.includes('status of 401'))).toEqual([])
  })

  test('the 店长 hands one over (转交) to the stock keeper, whose 待办 it then waits in', async () => {
    await logout()
    await login(page, BUYER)
    const po = (await apiGet<{ data: { id: number }[] }>(page, '/api/forms/purchase_orders/records?sort=-id&limit=1')).data[0]
    const copy = (await apiGet<{ data: Record<string, any> }>(page, `/api/forms/purchase_orders/records/${po.id}`)).data
    const created = await apiPost<{ data: { id: number } }>(page, '/api/forms/purchase_orders/records', {
      supplier: copy.supplier.id,
      warehouse: copy.warehouse.id,
      lines: [{ sku: copy.lines[0].sku.id, qty: 400 }],
    })
    const asked = await apiPost<{ result: { approval: { id: number } } }>(page, `/api/forms/purchase_orders/records/${created.data.id}/actions/submit`, {})
    expect(asked.result.approval.id).toBeGreaterThan(0)
    await logout()

    await login(page, MANAGER)
    await expect.poll(() => menuCount().innerText().catch(() => '')).toBe('1')
    await page.goto(`/forms/purchase_orders/${created.data.id}`)
    await page.locator('[data-test="approval-transfer"]').click()
    const dialog = page.locator('.el-dialog:visible')
    // no one chosen, no hand-over
    await dialog.locator('[data-test="decision-confirm"]').click()
    await dialog.getByText('请选择转交给谁').waitFor()
    await dialog.locator('[data-test="transfer-to"]').click()
    await pickOption(page, '库管老张')
    await expect.poll(() => dialog.getByText('请选择转交给谁').count()).toBe(0)
    await dialog.locator('textarea[data-test="decision-reason"]').fill('我出差三天')
    await screenshot(page, 'approvals-8-transfer')
    await dialog.locator('[data-test="decision-confirm"]').click()
    await message('已转交给 库管老张').waitFor()
    // no longer the 店长's to decide
    await expect.poll(() => page.locator('[data-test="approval-transfer"]').count()).toBe(0)
    await expect.poll(() => menuCount().count()).toBe(0)
    expect(await page.locator('[data-test="approval-pending"]').innerText()).toContain('库管老张')
    await dismissMessages()
    await logout()

    await login(page, KEEPER)
    await expect.poll(() => menuCount().innerText().catch(() => '')).toBe('1')
    await page.goto('/approvals')
    const rows = page.locator('[data-test="inbox-waiting"] .el-table__body tr')
    await expect.poll(() => rows.count()).toBe(1)
    expect(await rows.first().locator('[data-test="inbox-approve"]').count()).toBe(1)
    expect(browser.problems.filter((p) => !p.includes('status of 401'))).toEqual([])
  })
})
