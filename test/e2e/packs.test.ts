import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { AppContext } from '../../server/context'
import { createOwnForm } from '../../server/forms/customize'
import { login, screenshot } from './helpers'
import { startE2eServer, type E2eServer } from './server'

/** A merchant's own forms, with a view, a link and sub-form lines: what travels in an export. */
async function ownForms(ctx: AppContext) {
  await createOwnForm(ctx, {
    key: 'growers',
    label: '果农',
    group: '采购',
    title_field: 'name',
    fields: [
      { key: 'name', type: 'text', label: '姓名', required: true },
      { key: 'village', type: 'text', label: '村' },
    ],
    views: [{ key: 'by_village', label: '按村', columns: ['village', 'name'], sort: ['village'] }],
  })
  await createOwnForm(ctx, {
    key: 'harvests',
    label: '收购单',
    group: '采购',
    fields: [
      { key: 'grower', type: 'link', form: 'growers', label: '果农', required: true },
      { key: 'day', type: 'date', label: '日期' },
      { key: 'lines', type: 'sub_form', label: '明细', fields: [{ key: 'fruit', type: 'text', label: '水果' }, { key: 'kg', type: 'number', label: '公斤', scale: 1 }, { key: 'price', type: 'money', label: '单价' }] },
    ],
  })
  const [wang, li] = await ctx.records.createMany('growers', [{ name: '王大伯', village: '东村' }, { name: '李阿姨', village: '西村' }])
  await ctx.records.create('harvests', { grower: wang.id, day: '2026-11-20', lines: [{ fruit: '橙子', kg: '120.5', price: '3.20' }, { fruit: '柚子', kg: '40', price: '5.00' }] })
  await ctx.records.create('harvests', { grower: li.id, day: '2026-11-21', lines: [{ fruit: '橙子', kg: '80', price: '3.10' }] })
}

const plain = (records: Record<string, unknown>[]) =>
  JSON.parse(JSON.stringify(records, (key, value) => (['id', 'version', 'created_at', 'updated_at', 'created_by', 'updated_by'].includes(key) ? undefined : value)))

let from: E2eServer
let to: E2eServer
const downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-e2e-packs-'))
beforeAll(async () => {
  ;[from, to] = await Promise.all([startE2eServer('packs-from', ownForms, { bundled: false }), startE2eServer('packs-to', undefined, { bundled: false })])
})
afterAll(async () => {
  await Promise.all([from?.close(), to?.close()])
  fs.rmSync(downloads, { recursive: true, force: true })
})

describe('模板中心', () => {
  test('exports forms with data from one instance and installs them into a fresh one after a preview', async () => {
    const page = from.browser.page
    await login(page)
    await page.goto('/packs')
    await page.getByRole('tab', { name: '导出' }).click()
    const exporter = page.locator('[data-test="export-forms"]')
    await exporter.locator('[data-export-form="harvests"]').click()
    // harvests links to growers: named before exporting, added with one click
    await expect.poll(() => exporter.locator('[data-test="export-missing"]').textContent()).toContain('果农')
    await exporter.locator('[data-test="add-missing"]').click()
    await expect.poll(() => exporter.locator('[data-test="export-missing"]').count()).toBe(0)
    await exporter.locator('[data-test="export-name"] input').fill('水果收购')
    await exporter.locator('[data-test="export-key"] input').fill('fruit_buying')
    await exporter.locator('[data-test="export-with-data"]').click()
    await screenshot(page, 'packs-export')
    const [download] = await Promise.all([page.waitForEvent('download'), exporter.locator('[data-test="export-download"]').click()])
    const file = path.join(downloads, download.suggestedFilename())
    await download.saveAs(file)
    expect(download.suggestedFilename()).toBe('fruit_buying-1.0.0.zgpack.json')

    const target = to.browser.page
    await login(target)
    await target.goto('/packs')
    await target.getByRole('tab', { name: '从文件安装' }).click()
    await target.locator('[data-test="pack-file"] input[type="file"]').setInputFiles(file)
    const preview = target.locator('[data-test="install-preview"]')
    await expect.poll(() => preview.textContent()).toContain('安装预览：水果收购 1.0.0')
    expect(await preview.locator('[data-action="create"]').count()).toBe(2)
    expect(await preview.textContent()).toContain('新增 姓名、村')
    expect(await preview.textContent()).toContain('数据：果农 2、收购单 2')
    await screenshot(target, 'packs-install-preview')
    await target.locator('[data-test="confirm-install"]').click()
    await expect.poll(() => target.locator('.el-message').first().textContent()).toContain('已安装「水果收购」')

    await to.ctx.registry.refreshIfChanged()
    for (const key of ['growers', 'harvests']) {
      expect(to.ctx.registry.require(key).def).toEqual(from.ctx.registry.require(key).def)
      const [a, b] = await Promise.all([from.ctx.records.list(key, { sort: 'id', lines: true }), to.ctx.records.list(key, { sort: 'id', lines: true })])
      expect(plain(b.data)).toEqual(plain(a.data))
    }
    expect(to.ctx.registry.require('growers').def.views?.map((v) => v.key)).toEqual(['by_village'])
  })

  test('installs a bundled pack from its card', async () => {
    const page = to.browser.page
    await page.goto('/packs')
    const card = page.locator('[data-bundled="starter"]')
    await expect.poll(() => card.textContent()).toContain('安装')
    await screenshot(page, 'packs-catalog')
    await card.locator('[data-test="install-bundled"]').click()
    await expect.poll(() => card.locator('[data-test="installed"]').textContent(), { timeout: 30_000 }).toContain('已安装')
    await to.ctx.registry.refreshIfChanged()
    expect(to.ctx.registry.get('quotes')).toBeDefined()
    expect((await to.ctx.records.list('contacts', {})).data.length).toBeGreaterThan(0)
    // the login page's session probe answers 401 before logging in
    expect([...from.browser.problems, ...to.browser.problems].filter((p) => !/status of 401/.test(p))).toEqual([])
  })
})
