import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { createUser } from '../../server/auth/users'
import type { AppContext } from '../../server/context'
import { apiGet, apiPost, login, pickOption, screenshot } from './helpers'
import { startE2eServer, type E2eServer } from './server'

/*
 * Roles in the browser: the administrator opens 角色, edits the Taobao ERP pack's 仓管 (a
 * read-only field on 入库单 and its export granted), saves; a warehouse keeper then sees only
 * their menu, the stock grid without cost columns and without delete, and no 作废 on a stock-in.
 */
const KEEPER = { username: 'kuguan', password: 'kuguan-secret-1', display_name: '库管老张' }

let app: E2eServer
let page: Page
let submittedId = 0
let draftId = 0

interface ListedRole {
  key: string
  customized: boolean
  definition: { forms?: Record<string, { allow: string[]; hidden?: string[]; readonly?: string[] }> }
}

const demo = { warehouse: 0, supplier: 0, skus: [] as number[] }

/** The keeper holds 仓管 and the warehouse of the demo's opening stock-in. */
async function prepare(ctx: AppContext) {
  const keeper = await createUser(ctx.db.knex, { ...KEEPER, role: 'member' })
  const knex = ctx.db.knex
  demo.warehouse = (await knex(ctx.registry.get('stock_in')!.table).orderBy('id').first()).warehouse
  demo.supplier = (await knex(ctx.registry.get('suppliers')!.table).orderBy('id').first()).id
  demo.skus = await knex(ctx.registry.get('skus')!.table).orderBy('id').limit(2).pluck('id')
  await knex('zg_user_roles').where({ user_id: keeper.id }).delete()
  await knex('zg_user_roles').insert({ user_id: keeper.id, role_key: 'warehouse' })
  await knex('zg_users').where({ id: keeper.id }).update({ warehouse_ids: JSON.stringify([demo.warehouse]) })
}

/** Two small stock-ins (the demo's opening one has 53 lines): one stays a draft, one is submitted. */
async function createStockIns() {
  const body = {
    type: 'purchase',
    warehouse: demo.warehouse,
    supplier: demo.supplier,
    remark: 'e2e',
    lines: demo.skus.map((sku, i) => ({ sku, qty_received: String(5 + i), qty_accepted: String(5 + i), unit_cost: '12.50' })),
  }
  draftId = (await apiPost<{ data: { id: number } }>(page, '/api/forms/stock_in/records', body)).data.id
  submittedId = (await apiPost<{ data: { id: number } }>(page, '/api/forms/stock_in/records', body)).data.id
  const submitted = await apiPost<{ data: { doc_status: string } }>(page, `/api/forms/stock_in/records/${submittedId}/actions/submit`, {})
  expect(submitted.data.doc_status).toBe('submitted')
}

beforeAll(async () => {
  app = await startE2eServer('roles', prepare)
  page = app.browser.page
})

afterAll(async () => {
  await app?.close()
})

const headerIds = () => page.locator('.ag-header-cell[col-id]').evaluateAll((cells) => cells.map((c) => c.getAttribute('col-id')))
const gridReady = () => page.locator('[data-test="record-grid"][data-loading="false"]').waitFor()

describe('roles in the client', () => {
  test('the administrator edits 仓管 in the role editor and saves it', async () => {
    await login(page)
    await createStockIns()
    await page.locator('[data-page="/admin/roles"]').click()
    await page.locator('[data-role="warehouse"]').waitFor()
    expect(await page.locator('[data-role]').count()).toBeGreaterThanOrEqual(6)
    await page.locator('[data-role="warehouse"]').click()
    await page.locator('[data-role-form="stock_in"]').waitFor()
    await screenshot(page, 'roles-editor')

    // 入库单: export granted, 供应商 read-only
    await page.locator('[data-role-form="stock_in"] [data-perm="export"]').click()
    await page.locator('[data-role-form="stock_in"] [data-test="role-form-limits"]').click()
    const dialog = page.locator('[data-test="role-limits"]')
    await dialog.locator('[data-test="role-readonly"]').click()
    await pickOption(page, '供应商')
    await page.keyboard.press('Escape')
    await screenshot(page, 'roles-editor-limits')
    await dialog.locator('[data-test="role-limits-done"]').click()
    await expect.poll(() => page.locator('[data-test="role-unsaved"]').count()).toBe(1)
    await page.locator('[data-test="role-save"]').click()
    await expect.poll(() => page.locator('[data-role="warehouse"] [data-test="role-customized"]').count()).toBe(1)

    const roles = await apiGet<{ data: ListedRole[] }>(page, '/api/roles')
    const warehouse = roles.data.find((r) => r.key === 'warehouse')!
    expect(warehouse.customized).toBe(true)
    expect(warehouse.definition.forms?.stock_in.allow).toContain('export')
    expect(warehouse.definition.forms?.stock_in.readonly).toEqual(['supplier'])
    // the pack's limits are kept
    expect(warehouse.definition.forms?.stock_balances.hidden).toEqual(['value', 'unit_cost'])
    await screenshot(page, 'roles-editor-saved')
    await page.locator('[data-test="user-menu"]').click()
    await page.locator('[data-test="logout"]').click()
    await page.waitForURL((url) => url.pathname.startsWith('/login'))
  })

  test('the warehouse keeper sees their menu, the stock grid without cost and no void or delete', async () => {
    await login(page, KEEPER)
    await page.locator('.shell-menu [data-form="stock_in"]').waitFor()
    const menuForms = await page.locator('.shell-menu [data-form]').evaluateAll((items) => items.map((i) => i.getAttribute('data-form')))
    expect(menuForms).toEqual(expect.arrayContaining(['stock_in', 'stock_balances', 'stock_ledger', 'pick_lists', 'orders', 'skus']))
    for (const form of ['journal', 'expenses', 'accounts', 'settlements', 'customers', 'settings', 'shops']) expect(menuForms).not.toContain(form)
    expect(await page.locator('[data-page="/admin/roles"]').count()).toBe(0)
    expect(await page.locator('[data-page="/designer/new"]').count()).toBe(0)
    expect(await page.locator('[data-action="new-dashboard"]').count()).toBe(0)
    expect(await page.locator('[data-page="/shops/import"]').count()).toBe(0)
    expect(await page.locator('[data-page="/purchase-suggestions"]').count()).toBe(0)
    await screenshot(page, 'roles-keeper-menu')

    await page.locator('.shell-menu [data-form="stock_balances"]').click()
    await gridReady()
    const balanceColumns = await headerIds()
    expect(balanceColumns).toEqual(expect.arrayContaining(['sku', 'warehouse', 'on_hand']))
    expect(balanceColumns).not.toContain('value')
    expect(balanceColumns).not.toContain('unit_cost')
    expect(await page.locator('[data-test="delete-selected"]').count()).toBe(0)
    expect(await page.locator('[data-test="design-form"]').count()).toBe(0)
    expect(await page.locator('[data-test="export"]').count()).toBe(1)
    // the saved view without the hidden columns is the view as it is, not an unsaved change
    expect(await page.locator('[data-test="view-unsaved"]').count()).toBe(0)
    await screenshot(page, 'roles-keeper-stock')

    await page.locator('.shell-menu [data-form="stock_in"]').click()
    await gridReady()
    expect(await page.locator('[data-test="new-record"]').count()).toBe(1)
    expect(await page.locator('[data-test="delete-selected"]').count()).toBe(0)
    expect(await page.locator('[data-test="export"]').count()).toBe(1)
    expect(await headerIds()).not.toContain('total_amount')

    // a submitted stock-in: printable, never voided
    await page.goto(`/forms/stock_in/${submittedId}`)
    await page.locator('[data-test="read-only"]').waitFor()
    expect(await page.locator('[data-test="action-void"]').count()).toBe(0)
    expect(await page.locator('[data-test="delete-record"]').count()).toBe(0)
    // its lines without their cost
    await expect.poll(() => page.locator('[data-cell$=".qty_received"]').count()).toBeGreaterThan(0)
    expect(await page.locator('[data-cell$=".unit_cost"]').count()).toBe(0)
    expect(await page.locator('[data-cell$=".amount"]').count()).toBe(0)

    // a draft: 供应商 read-only, 备注 not
    await page.goto(`/forms/stock_in/${draftId}`)
    await page.locator('[data-field-item="supplier"]').waitFor()
    await expect.poll(() => page.locator('[data-field-item="supplier"] .is-disabled').count()).toBeGreaterThan(0)
    expect(await page.locator('[data-field-item="remark"] .is-disabled').count()).toBe(0)
    expect(await page.locator('[data-test="save"]').count()).toBe(1)
    expect(await page.locator('[data-test="delete-record"]').count()).toBe(0)
    await screenshot(page, 'roles-keeper-record')
    expect(app.browser.problems.filter((p) => p.startsWith('pageerror'))).toEqual([])
  })
})
