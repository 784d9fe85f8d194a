import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { AppContext } from '../../server/context'
import { login, screenshot } from './helpers'
import { startE2eServer, type E2eServer } from './server'

/** 用户 page: an administrator creates a user with roles, changes them, and disables the user. */

async function roles(ctx: AppContext) {
  // until the roles engine installs the Taobao ERP pack's roles, they are put in zg_roles here
  const now = Date.now()
  for (const [key, label] of [['warehouse', '仓管'], ['service', '客服'], ['manager', '店长']]) {
    if (!(await ctx.db.knex('zg_roles').where({ key }).first())) {
      await ctx.db.knex('zg_roles').insert({ key, pack_key: null, position: 0, definition: JSON.stringify({ key, label: { 'zh-CN': label } }), base_definition: null, customized: false, created_at: now, updated_at: now })
    }
  }
}

let server: E2eServer
beforeAll(async () => {
  server = await startE2eServer('people', roles, { bundled: false })
})
afterAll(async () => {
  await server?.close()
})

describe('用户', () => {
  test('creates a user with roles, changes the roles, disables the user', async () => {
    const page = server.browser.page
    await login(page)
    await page.locator('[data-page="/admin/users"]').click()
    await page.waitForURL('**/admin/users')
    await page.locator('[data-test="user-new"]').click()
    const dialog = page.locator('[data-test="user-dialog"]')
    await dialog.locator('input[name="new-username"]').fill('cangguan')
    await dialog.locator('input[name="display-name"]').fill('仓管小王')
    await dialog.locator('input[name="new-password"]').fill('cangguan-secret')
    await dialog.locator('[data-test="user-roles"]').click()
    await page.locator('.el-select-dropdown__item:visible').filter({ hasText: '仓管' }).click()
    await page.locator('.el-select-dropdown__item:visible').filter({ hasText: '客服' }).click()
    await page.keyboard.press('Escape')
    await dialog.locator('[data-test="user-save"]').click()
    const row = page.locator('[data-test="users-table"] .el-table__row').filter({ hasText: 'cangguan' })
    await expect.poll(() => row.textContent()).toContain('仓管')
    expect(await row.textContent()).toContain('客服')
    const user = await server.ctx.db.knex('zg_users').where({ username: 'cangguan' }).first()
    expect((await server.ctx.db.knex('zg_user_roles').where({ user_id: user.id }).pluck('role_key')).sort()).toEqual(['service', 'warehouse'])
    await screenshot(page, 'people-users')

    // edit: only 仓管 stays
    await row.locator('[data-test="user-edit"]').click()
    await expect.poll(() => dialog.isVisible()).toBe(true)
    await dialog.locator('[data-test="user-roles"] .el-tag').filter({ hasText: '客服' }).locator('.el-tag__close').click()
    await dialog.locator('[data-test="user-save"]').click()
    await expect.poll(async () => (await server.ctx.db.knex('zg_user_roles').where({ user_id: user.id }).pluck('role_key')).join(',')).toBe('warehouse')

    // disable, confirmed
    await row.locator('[data-test="user-more"]').click()
    await page.locator('[data-test="user-disable"]:visible').click()
    await page.locator('.el-message-box__btns .el-button--primary').click()
    await expect.poll(() => row.locator('[data-test="user-status"]').textContent()).toBe('已停用')
    expect((await server.ctx.db.knex('zg_users').where({ id: user.id }).first()).disabled).toBeTruthy()
    expect(server.browser.problems.filter((p) => p.startsWith('pageerror'))).toEqual([])
  })
})
