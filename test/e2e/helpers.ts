import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core'

export const CHROMIUM = process.env.ZG_CHROMIUM ?? '/usr/bin/chromium'
export const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-output/screenshots')
export const ADMIN = { username: 'admin', password: 'e2e-admin-secret' }

export interface Browser {
  context: BrowserContext
  page: Page
  /** console errors and failed page requests seen so far */
  problems: string[]
  close(): Promise<void>
}

/** Headless Chromium with a throwaway profile, a desktop viewport and a Chinese locale. */
export async function launch(baseURL: string): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1440, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    baseURL,
  })
  const page = context.pages()[0] ?? (await context.newPage())
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`)
  })
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  return {
    context,
    page,
    problems,
    async close() {
      await context.close()
      fs.rmSync(profile, { recursive: true, force: true })
    },
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true })
  const file = path.join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path: file, fullPage: false })
  return file
}

export async function login(page: Page, user = ADMIN): Promise<void> {
  await page.goto('/login')
  await page.locator('input[name="username"]').fill(user.username)
  await page.locator('input[name="password"]').fill(user.password)
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForURL((url) => !url.pathname.startsWith('/login'))
}

/** The form item of a field in the record form. */
export const field = (page: Page, key: string): Locator => page.locator(`[data-field-item="${key}"]`)

/** Picks an option in the currently open Element Plus dropdown. */
export async function pickOption(page: Page, text: string): Promise<void> {
  await page.locator('.el-select-dropdown__item:visible, .el-select-dropdown li:visible').filter({ hasText: text }).first().click()
}

/** Types into a remote (searching) select and picks the option that appears. */
export async function pickRemote(page: Page, select: Locator, query: string, option = query): Promise<void> {
  // a dropdown closed just before still fades out, with options that may match too
  await page.waitForFunction(() => !Array.from(document.querySelectorAll('.el-select-dropdown')).some((d) => (d as HTMLElement).offsetParent !== null))
  await select.click()
  await select.locator('input').fill(query)
  await page.locator('.el-select-dropdown__item:visible').filter({ hasText: option }).first().click()
}

/** Fetches JSON from the API inside the page, with its session cookie. */
export async function apiGet<T>(page: Page, url: string): Promise<T> {
  return page.evaluate(async (u) => {
    const response = await fetch(u, { credentials: 'same-origin' })
    return response.json()
  }, url) as Promise<T>
}

export async function apiPost<T>(page: Page, url: string, body: unknown): Promise<T> {
  return page.evaluate(
    async ({ u, b }) => {
      const response = await fetch(u, { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(b) })
      return response.json()
    },
    { u: url, b: body },
  ) as Promise<T>
}

/** Grid rows currently rendered (ag-grid virtualises, so this is what is on screen). */
export function gridRows(page: Page): Locator {
  return page.locator('.ag-root .ag-row')
}

/**
 * The texts of one column, top to bottom (rows are positioned absolutely, so sort by index; a grid
 * with pinned columns renders each row once per section, so only the section holding the column counts).
 */
export async function cellTexts(page: Page, colId: string): Promise<string[]> {
  return page.evaluate((col) => {
    const rows = Array.from(document.querySelectorAll('.ag-root .ag-row'))
    return rows
      .map((row) => ({ index: Number(row.getAttribute('row-index')), cell: row.querySelector(`.ag-cell[col-id="${col}"]`) }))
      .filter((r) => r.index >= 0 && r.cell)
      .map((r) => ({ index: r.index, text: r.cell!.textContent?.trim() ?? '' }))
      .sort((a, b) => a.index - b.index)
      .map((r) => r.text)
  }, colId)
}

/** A small PNG (a red square), for image upload tests. */
export function writeTestImage(dir: string, name = 'photo.png'): string {
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAG0lEQVR4nGP4z8BAEmIY1TCqYVTDqIbhqwEAL9T/Ab2Lq3wAAAAASUVORK5CYII=',
    'base64',
  )
  const file = path.join(dir, name)
  fs.writeFileSync(file, png)
  return file
}
