import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { installPack } from '../../server/forms/installer'
import { readPack } from '../../server/forms/pack-files'
import { apiPost, field, login, screenshot } from './helpers'
import { startE2eServer, type E2eServer } from './server'

/*
 * A record's 修改记录 panel and the 审计日志 page: a contact created and changed over the API with
 * the session, then changed in the form — the panel, open, shows each change with the field's
 * label, before → after, who and from where, and follows the save.
 * Its own small server (only the starter pack, no sample data), so no other file's counts move.
 */
let e2e: E2eServer
let page: Page

beforeAll(async () => {
  e2e = await startE2eServer('audit', async (ctx) => void (await installPack(ctx.db, ctx.registry, readPack(path.resolve(import.meta.dirname, '../../templates/starter/pack.json')))), { bundled: false })
  page = e2e.browser.page
  await login(page)
  // the login page's own "who am I" 401 is not this test's business
  e2e.browser.problems.length = 0
})

afterAll(async () => {
  await e2e?.close()
})

describe('audit trail in the browser', () => {
  test('the history panel shows who changed which field from what to what, and the audit log lists it', async () => {
    const created = await apiPost<{ data: { id: number } }>(page, '/api/forms/contacts/records', { name: '审计测试', company: '甲公司' })
    const id = created.data.id
    const patched = await page.evaluate(
      async (url) => (await fetch(url, { method: 'PATCH', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ company: '乙公司' }) })).status,
      `/api/forms/contacts/records/${id}`,
    )
    expect(patched).toBe(200)

    await page.goto(`/forms/contacts/${id}`)
    const panel = page.locator('[data-test="record-history"]')
    await panel.locator('.el-collapse-item__header').click()
    const entries = panel.locator('[data-test="history-entry"]')
    await expect.poll(() => entries.count(), { timeout: 10_000 }).toBe(2)
    const update = entries.nth(0)
    expect(await update.getAttribute('data-action')).toBe('update')
    expect(await update.locator('[data-test="history-source"]').innerText()).toBe('界面')
    expect(await update.innerText()).toContain('admin')
    const company = update.locator('tr[data-field="company"]')
    expect((await company.innerText()).replace(/\s+/g, '')).toBe('公司甲公司→乙公司')
    expect(await entries.nth(1).getAttribute('data-action')).toBe('create')
    expect(await entries.nth(1).locator('tr[data-field="name"]').innerText()).toContain('审计测试')

    // a save in the form: the open panel shows it at once
    await field(page, 'phone').locator('input').fill('13800138000')
    await page.locator('[data-test="save"]').click()
    await expect.poll(() => entries.count(), { timeout: 10_000 }).toBe(3)
    expect((await entries.nth(0).locator('tr[data-field="phone"]').innerText()).replace(/\s+/g, '')).toBe('手机（空）→13800138000')
    await panel.scrollIntoViewIfNeeded()
    await screenshot(page, 'audit-history-panel')

    await page.locator('[data-page="/audit"]').click()
    await page.waitForURL('**/audit')
    const rows = page.locator('[data-test="audit-table"] .el-table__row')
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(3)
    expect(await rows.first().innerText()).toContain('联系人')
    expect(e2e.browser.problems).toEqual([])
    await screenshot(page, 'audit-log')
  })
})
