import fs from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createHttpApp } from '../../server/api/http'
import { createContext } from '../../server/app'
import { ensureAdmin } from '../../server/bootstrap'
import { loadConfig } from '../../server/config'
import type { AppContext } from '../../server/context'
import { saveForm } from '../../server/forms/customize'
import { installBundledPack, installPack } from '../../server/forms/installer'
import { readPack } from '../../server/forms/pack-files'
import { ADMIN, launch, login, screenshot, type Browser } from './helpers'

const ROOT = path.resolve(import.meta.dirname, '../..')
const starter = (): any => {
  const pack = readPack(path.join(ROOT, 'templates/starter'))
  delete pack.sample_data
  return pack
}

let ctx: AppContext
let server: Server
let browser: Browser
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-e2e-packs-'))

/** A server of its own: its bundled upgrade waits because the merchant changed the same field. */
beforeAll(async () => {
  ctx = await createContext(loadConfig({ ZG_DATA_DIR: dataDir, ZG_ADMIN_PASSWORD: ADMIN.password, PORT: '0' }))
  await installPack(ctx.db, ctx.registry, starter())
  const contacts = structuredClone(ctx.registry.require('contacts').def)
  contacts.fields.push({ key: 'wechat', type: 'text', label: '我的微信号' })
  await saveForm(ctx, 'contacts', contacts)
  const next = starter()
  next.version = '1.1.0'
  next.forms.find((f: { key: string }) => f.key === 'contacts').fields.push({ key: 'wechat', type: 'text', label: '微信' })
  expect((await installBundledPack(ctx.db, ctx.registry, next)).status).toBe('waiting')
  await ensureAdmin(ctx)
  server = await new Promise((resolve) => {
    const s = createHttpApp(ctx, { clientDir: path.join(ROOT, 'dist/client') }).listen(0, '127.0.0.1', () => resolve(s))
  })
  browser = await launch(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})

afterAll(async () => {
  await browser?.close()
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
  await ctx?.db.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('a bundled upgrade that conflicts with the merchant', () => {
  test('is listed with its conflict, and applied once the merchant chooses', async () => {
    const page = browser.page
    await login(page)
    await page.locator('[data-test="user-menu"]').click()
    await page.locator('[data-test="packs-link"]').click()
    const card = page.locator('[data-pack="starter"]')
    await expect.poll(() => card.locator('[data-test="pending"]').textContent()).toContain('1.1.0')
    await expect.poll(() => card.locator('[data-test="conflicts"]').textContent()).toContain('「wechat」与您新增的字段同名')
    await screenshot(page, 'pack-upgrade-conflict')
    await card.locator('[data-conflict="contacts:fields[wechat]"] label').filter({ hasText: '采用模板的' }).click()
    await card.locator('[data-test="apply-upgrade"]').click()
    await expect.poll(() => page.locator('.el-message').first().textContent()).toContain('已升级到 1.1.0')
    await expect.poll(() => card.locator('[data-test="pending"]').count()).toBe(0)
    await ctx.registry.refreshIfChanged()
    expect(ctx.registry.require('contacts').field('wechat')!.def.label).toBe('微信')
    // the login page's session probe answers 401 before logging in
    expect(browser.problems.filter((p) => !/status of 401/.test(p))).toEqual([])
  })
})
