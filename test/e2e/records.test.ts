import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import type { Page } from 'playwright-core'
import { apiGet, cellTexts, field, gridRows, launch, login, pickOption, pickRemote, screenshot, writeTestImage, type Browser } from './helpers'

interface Rec {
  id: number
  version: number
  doc_status?: string
  [key: string]: unknown
}

let browser: Browser
let page: Page
const files = fs.mkdtempSync(path.join(os.tmpdir(), 'zg-e2e-files-'))
const created: { contact?: Rec; quote?: Rec } = {}

/** Menu labels come from the starter pack, which other work may rename. */
const starter = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../templates/starter/pack.json'), 'utf8')) as {
  forms: { key: string; label: { 'zh-CN': string; en: string } }[]
}
// the forms' menu items (pages such as 待办 and 新建表单 carry no data-form)
const menu = (locale: 'zh-CN' | 'en') => starter.forms.map((f) => f.label[locale])

beforeAll(async () => {
  browser = await launch(inject('baseUrl'))
  page = browser.page
})

afterAll(async () => {
  await browser?.close()
  fs.rmSync(files, { recursive: true, force: true })
})

const toast = (text: string | RegExp) => page.locator('.el-message').filter({ hasText: text }).first()
const confirmDialog = () => page.locator('.el-message-box:visible')

async function openFromMenu(form: string) {
  await page.locator(`.el-menu-item[data-form="${form}"]`).click()
  await page.waitForURL(`**/forms/${form}`)
  await expect.poll(() => page.locator('[data-test="grid-total"]').innerText()).toMatch(/共 \d+ 条/)
}

async function record(form: string, id: number): Promise<Rec> {
  return (await apiGet<{ data: Rec }>(page, `/api/forms/${form}/records/${id}`)).data
}

/** Types a date (or date-time) into an Element Plus picker and confirms it. */
async function typeDate(key: string, text: string) {
  const input = field(page, key).locator('input').first()
  await input.click()
  await input.fill(text)
  await input.press('Enter')
  await page.keyboard.press('Escape')
}

async function openColumnFilter(colId: string) {
  const header = page.locator(`.ag-header-cell[col-id="${colId}"]`)
  await header.hover()
  await header.locator('.ag-header-cell-filter-button').click()
  await page.locator('.ag-filter .zg-filter').first().waitFor()
  return page.locator('.ag-filter .zg-filter').first()
}

describe.sequential('records in the browser', () => {
  test('the login page switches language and signs in', async () => {
    await page.goto('/')
    await page.waitForURL('**/login')
    await page.locator('[data-locale="en"]').click()
    await expect.poll(() => page.getByRole('button', { name: 'Sign in' }).count()).toBe(1)
    await page.locator('[data-locale="zh-CN"]').click()
    await expect.poll(() => page.getByRole('button', { name: '登录' }).count()).toBe(1)

    await page.locator('input[name="username"]').fill('admin')
    await page.locator('input[name="password"]').fill('wrong-password')
    await page.getByRole('button', { name: '登录' }).click()
    await expect.poll(() => page.locator('.login-failure').innerText()).toContain('用户名或密码错误')

    await screenshot(page, 'login')
    await login(page)
    await expect.poll(() => page.locator('[data-test="user-menu"]').innerText()).toContain('管理员')
    await expect.poll(() => page.locator('.el-menu-item[data-form]').allInnerTexts()).toEqual(menu('zh-CN'))
  })

  test('opens 报价单 from the menu and shows the sample quote with its total', async () => {
    await openFromMenu('quotes')
    expect(await page.locator('[data-test="grid-total"]').innerText()).toBe('共 1 条')
    await expect.poll(() => cellTexts(page, 'customer')).toEqual(['张伟'])
    expect(await cellTexts(page, 'total')).toEqual(['¥1,590.00'])
    expect(await cellTexts(page, 'status')).toEqual(['跟进中'])
    expect(await cellTexts(page, 'doc_status')).toEqual(['草稿'])
  })

  test('client-side validation marks required and malformed fields', async () => {
    await openFromMenu('contacts')
    await page.locator('[data-test="new-record"]').click()
    await page.waitForURL('**/forms/contacts/new')
    await field(page, 'phone').locator('input').fill('123')
    await page.locator('[data-test="save"]').click()
    await expect.poll(() => field(page, 'name').locator('.el-form-item__error').innerText()).toBe('必填')
    expect(await field(page, 'phone').locator('.el-form-item__error').innerText()).toBe('请输入 11 位手机号')
    // fixing the value clears its message as the user types
    await field(page, 'phone').locator('input').fill('13600136000')
    await expect.poll(() => field(page, 'phone').locator('.el-form-item__error').count()).toBe(0)
  })

  test('creates a contact with every kind of widget', async () => {
    await field(page, 'name').locator('input').fill('赵敏')
    await field(page, 'company').locator('input').fill('宁波海风贸易')
    await field(page, 'email').locator('input').fill('zhaomin@example.com')
    await field(page, 'level').locator('.el-select').click()
    await pickOption(page, 'VIP')
    await field(page, 'tags').getByText('批发').click()
    await field(page, 'tags').getByText('回头客').click()
    await typeDate('birthday', '1990-03-15')
    await typeDate('last_contacted', '2026-11-26 15:30')
    expect(await field(page, 'active').locator('.el-checkbox').getAttribute('class')).toContain('is-checked')
    expect(await field(page, 'owner').innerText()).toContain('管理员（我）')

    await field(page, 'address').locator('.el-cascader').click()
    await page.locator('.el-cascader-node:visible').filter({ hasText: '浙江省' }).click()
    await page.locator('.el-cascader-node:visible').filter({ hasText: '宁波市' }).click()
    await page.locator('.el-cascader-node:visible').filter({ hasText: '海曙区' }).click()
    await field(page, 'address').locator('input[name="address.detail"]').fill('中山西路 100 号')

    await field(page, 'photo').locator('input[type="file"]').setInputFiles(writeTestImage(files))
    await expect.poll(() => field(page, 'photo').locator('[data-test="file-item"] img').count()).toBe(1)
    await field(page, 'notes').locator('textarea').fill('重要客户，月结')

    await screenshot(page, 'contact-form')
    await page.locator('[data-test="save"]').click()
    await page.waitForURL(/\/forms\/contacts\/\d+$/)
    await expect.poll(() => toast('已创建').count()).toBe(1)

    const id = Number(page.url().split('/').pop())
    const contact = await record('contacts', id)
    created.contact = contact
    expect(contact).toMatchObject({
      name: '赵敏',
      company: '宁波海风贸易',
      phone: '13600136000',
      email: 'zhaomin@example.com',
      level: 'vip',
      tags: ['wholesale', 'repeat'],
      birthday: '1990-03-15',
      last_contacted: '2026-11-26T15:30:00.000+08:00',
      active: true,
      owner: { id: 1, display: '管理员' },
      address: { province: '浙江省', city: '宁波市', district: '海曙区', detail: '中山西路 100 号' },
      notes: '重要客户，月结',
    })
    const photos = contact.photo as { mime: string; url: string }[]
    expect(photos).toHaveLength(1)
    expect(photos[0].mime).toBe('image/png')
    // the saved form shows the stored values
    expect(await page.locator('[data-test="record-title"]').innerText()).toBe('联系人 赵敏')
  })

  test('server-side validation (a duplicate code) is shown on the field', async () => {
    const items = starter.forms[1].key
    await openFromMenu(items)
    await page.locator('[data-test="new-record"]').click()
    await field(page, 'sku').locator('input').fill('TS-001')
    await field(page, 'name').locator('input').fill('重复编码的产品')
    // a value's problem is worded in the user's language (code + params, not the English message)
    await field(page, 'price').locator('input').fill('1.005')
    await page.locator('[data-test="save"]').click()
    await expect.poll(() => field(page, 'price').locator('.el-form-item__error').innerText()).toBe('最多 2 位小数')
    await field(page, 'price').locator('input').fill('1')
    await page.locator('[data-test="save"]').click()
    await expect.poll(() => field(page, 'sku').locator('.el-form-item__error').innerText()).toMatch(/^“TS-001”已被记录 \d+ 使用$/)
    expect(page.url()).toMatch(/\/new$/)
    // leaving with unsaved changes asks first
    await page.locator('[data-test="back"]').click()
    await confirmDialog().getByRole('button', { name: '确定' }).click()
    await page.waitForURL(`**/forms/${items}`)
  })

  test('creates a quote with two lines: copied prices, live amounts and totals', async () => {
    await openFromMenu('quotes')
    await page.locator('[data-test="new-record"]').click()
    await page.waitForURL('**/forms/quotes/new')
    expect(await field(page, 'no').innerText()).toContain('保存后生成')

    await pickRemote(page, field(page, 'customer').locator('.el-select'), '赵敏')
    // the lookup is filled from the picked contact before saving
    await expect.poll(() => field(page, 'customer_phone').innerText()).toContain('13600136000')
    await typeDate('valid_until', '2099-12-31')

    await page.locator('[data-test="add-line"]').click()
    await page.locator('[data-test="add-line"]').click()
    const cell = (i: number, key: string) => page.locator(`[data-cell="lines[${i}].${key}"]`)
    await pickRemote(page, cell(0, 'product').locator('.el-select'), '纯棉', '纯棉短袖T恤')
    await expect.poll(() => cell(0, 'price').locator('input').inputValue()).toBe('59.00')
    expect(await cell(0, 'product_sku').innerText()).toBe('TS-001')
    // a line problem is shown in its cell
    await cell(0, 'qty').locator('input').fill('0')
    await page.locator('[data-test="save"]').click()
    await expect.poll(() => cell(0, 'qty').locator('.zg-cell-message').innerText()).toBe('不能小于 1')
    await expect.poll(() => cell(1, 'product').locator('.zg-cell-message').innerText()).toBe('必填')
    await cell(0, 'qty').locator('input').fill('3')
    await expect.poll(() => cell(0, 'amount').innerText()).toBe('¥177.00')
    expect(await cell(0, 'qty').locator('.zg-cell-message').count()).toBe(0)

    await pickRemote(page, cell(1, 'product').locator('.el-select'), '马克杯', '陶瓷马克杯')
    await expect.poll(() => cell(1, 'price').locator('input').inputValue()).toBe('35.00')
    await cell(1, 'qty').locator('input').fill('2')
    await expect.poll(() => page.locator('[data-total="amount"]').innerText()).toBe('¥247.00')
    expect(await page.locator('[data-total="qty"]').innerText()).toBe('5')
    await expect.poll(() => field(page, 'subtotal').innerText()).toContain('¥247.00')

    await field(page, 'discount').locator('input').fill('7')
    await expect.poll(() => field(page, 'total').innerText()).toContain('¥240.00')
    expect(await field(page, 'line_count').innerText()).toContain('2')

    const spec = path.join(files, '报价说明.txt')
    fs.writeFileSync(spec, '含税价，30 天内有效')
    await field(page, 'attachments').locator('input[type="file"]').setInputFiles(spec)
    await expect.poll(() => field(page, 'attachments').locator('[data-test="file-item"]').innerText()).toContain('报价说明.txt')
    await field(page, 'remark').locator('textarea').fill('首单优惠')

    await screenshot(page, 'quote-form-new')
    await page.locator('[data-test="save"]').click()
    await page.waitForURL(/\/forms\/quotes\/\d+$/)
    const id = Number(page.url().split('/').pop())
    const quote = await record('quotes', id)
    created.quote = quote
    expect(quote).toMatchObject({
      customer: { id: created.contact!.id, display: '赵敏' },
      customer_phone: '13600136000',
      valid_until: '2099-12-31',
      status: 'open',
      subtotal: '247.00',
      discount: '7.00',
      total: '240.00',
      line_count: '2',
      owner: { id: 1, display: '管理员' },
      doc_status: 'draft',
      remark: '首单优惠',
    })
    expect(quote.no).toMatch(/^QT\d{8}\d{4}$/)
    expect((quote.lines as Rec[]).map((l) => [(l.product as { display: string }).display, l.price, l.qty, l.amount])).toEqual([
      ['纯棉短袖T恤', '59.00', '3', '177.00'],
      ['陶瓷马克杯', '35.00', '2', '70.00'],
    ])
    expect((quote.attachments as { name: string }[]).map((f) => f.name)).toEqual(['报价说明.txt'])
    // the form now shows what the server computed and numbered
    await expect.poll(() => field(page, 'no').innerText()).toContain(String(quote.no))
    await screenshot(page, 'quote-form-saved')
  })

  test('the grid shows the new quote; sorting and column filters work on the server', async () => {
    await openFromMenu('quotes')
    expect(await page.locator('[data-test="grid-total"]').innerText()).toBe('共 2 条')
    await expect.poll(() => gridRows(page).count()).toBe(2)
    await page.locator('.ag-header-cell[col-id="total"] .ag-header-cell-label').click()
    await expect.poll(() => cellTexts(page, 'total')).toEqual(['¥240.00', '¥1,590.00'])
    await page.locator('.ag-header-cell[col-id="total"] .ag-header-cell-label').click()
    await expect.poll(() => cellTexts(page, 'total')).toEqual(['¥1,590.00', '¥240.00'])
    await screenshot(page, 'quotes-grid')

    const customerFilter = await openColumnFilter('customer')
    await customerFilter.locator('[data-test="filter-search"]').fill('赵')
    await customerFilter.locator('.el-checkbox').filter({ hasText: '赵敏' }).click()
    await customerFilter.locator('[data-test="filter-apply"]').click()
    await expect.poll(() => cellTexts(page, 'customer')).toEqual(['赵敏'])
    expect(await page.locator('[data-test="grid-total"]').innerText()).toBe('共 1 条')
    await screenshot(page, 'quotes-grid-filtered')

    const again = await openColumnFilter('customer')
    await again.locator('[data-test="filter-clear"]').click()
    await expect.poll(() => gridRows(page).count()).toBe(2)

    const noFilter = await openColumnFilter('no')
    await noFilter.locator('[data-test="filter-text"]').fill(String(created.quote!.no).slice(-6))
    await noFilter.locator('[data-test="filter-apply"]').click()
    await expect.poll(() => cellTexts(page, 'no')).toEqual([String(created.quote!.no)])
    const clear = await openColumnFilter('no')
    await clear.locator('[data-test="filter-clear"]').click()
    await expect.poll(() => gridRows(page).count()).toBe(2)

    const totalFilter = await openColumnFilter('total')
    await totalFilter.locator('[data-test="filter-op"]').click()
    await page.locator('.ag-filter .el-select-dropdown__item').filter({ hasText: /^大于$/ }).click()
    await totalFilter.locator('[data-test="filter-from"]').fill('1000')
    await totalFilter.locator('[data-test="filter-apply"]').click()
    await expect.poll(() => cellTexts(page, 'total')).toEqual(['¥1,590.00'])
    await (await openColumnFilter('total')).locator('[data-test="filter-clear"]').click()

    const dateFilter = await openColumnFilter('quote_date')
    await dateFilter.locator('[data-test="filter-range"]').click()
    await page.locator('.ag-filter .el-select-dropdown__item').filter({ hasText: /^今天$/ }).click()
    await dateFilter.locator('[data-test="filter-apply"]').click()
    await expect.poll(() => cellTexts(page, 'no')).toEqual([String(created.quote!.no)])
    await (await openColumnFilter('quote_date')).locator('[data-test="filter-clear"]').click()
    await expect.poll(() => gridRows(page).count()).toBe(2)

    await page.locator('[data-test="quick-search"]').fill('没有这个单号')
    await expect.poll(() => page.locator('[data-test="grid-empty"]').innerText()).toContain('暂无数据')
    expect(await page.locator('[data-test="grid-total"]').innerText()).toBe('共 0 条')
    await page.locator('[data-test="quick-search"]').fill(String(created.quote!.no))
    await expect.poll(() => cellTexts(page, 'no')).toEqual([String(created.quote!.no)])
    await page.locator('[data-test="quick-search"]').fill('')
    await expect.poll(() => gridRows(page).count()).toBe(2)
  })

  test('column widths are saved per user and restored', async () => {
    const header = page.locator('.ag-header-cell[col-id="customer"]')
    const before = (await header.boundingBox())!.width
    const handle = (await header.locator('.ag-header-cell-resize').boundingBox())!
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2)
    await page.mouse.down()
    await page.mouse.move(handle.x + handle.width / 2 + 80, handle.y + handle.height / 2, { steps: 8 })
    await page.mouse.up()
    const saved = async () => {
      const settings = await apiGet<{ data: { columns: { id: string; width: number }[] } | null }>(page, '/api/me/settings/grid.quotes')
      return settings.data?.columns.find((c) => c.id === 'customer')?.width ?? 0
    }
    await expect.poll(saved).toBeGreaterThan(before + 60)
    const width = await saved()
    await page.reload()
    await expect.poll(async () => Math.round((await header.boundingBox())?.width ?? 0)).toBe(Math.round(width))
  })

  test('edits the quote: a new quantity updates amount and total after saving', async () => {
    await expect.poll(() => gridRows(page).count()).toBe(2)
    const row = gridRows(page).filter({ hasText: String(created.quote!.no) })
    await row.locator('[data-test="open-record"]').click()
    await page.waitForURL(`**/forms/quotes/${created.quote!.id}`)
    const qty = page.locator('[data-cell="lines[0].qty"] input')
    await qty.fill('5')
    await expect.poll(() => page.locator('[data-cell="lines[0].amount"]').innerText()).toBe('¥295.00')
    await expect.poll(() => field(page, 'total').innerText()).toContain('¥358.00')
    await page.locator('[data-test="save"]').click()
    await expect.poll(() => toast('已保存').count()).toBe(1)
    const quote = await record('quotes', created.quote!.id)
    expect(quote.total).toBe('358.00')
    expect(quote.version).toBe(created.quote!.version + 1)
    expect((quote.lines as Rec[])[0].qty).toBe('5')
    created.quote = quote
  })

  test('a stale version is reported and can be reloaded', async () => {
    await page.evaluate(async ({ id, version }) => {
      await fetch(`/api/forms/quotes/records/${id}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ version, remark: '别人改的' }),
      })
    }, created.quote!)
    await field(page, 'remark').locator('textarea').fill('我改的')
    await page.locator('[data-test="save"]').click()
    await expect.poll(() => page.locator('[data-test="conflict"]').innerText()).toContain('其他人刚刚修改了这条记录')
    await page.locator('[data-test="conflict"]').getByRole('button', { name: '重新加载' }).click()
    await expect.poll(() => field(page, 'remark').locator('textarea').inputValue()).toBe('别人改的')
    expect(await page.locator('[data-test="conflict"]').count()).toBe(0)
  })

  test('submits, then voids the quote; it becomes read-only', async () => {
    await page.locator('[data-test="action-submit"]').click()
    await confirmDialog().getByRole('button', { name: '确定' }).click()
    await expect.poll(() => page.locator('[data-test="doc-status"]').innerText()).toBe('已提交')
    expect(await page.locator('[data-test="save"]').count()).toBe(0)
    expect(await field(page, 'discount').locator('input').isDisabled()).toBe(true)
    expect((await record('quotes', created.quote!.id)).doc_status).toBe('submitted')

    await page.locator('[data-test="action-void"]').click()
    await confirmDialog().getByRole('button', { name: '确定' }).click()
    await expect.poll(() => page.locator('[data-test="doc-status"]').innerText()).toBe('已作废')
    expect((await record('quotes', created.quote!.id)).doc_status).toBe('void')
    expect(await page.locator('[data-test^="action-"]').count()).toBe(0)
    await screenshot(page, 'quote-form-void')
  })

  test('a linked-to contact cannot be deleted: the server says why', async () => {
    await page.goto(`/forms/contacts/${created.contact!.id}`)
    await page.locator('[data-test="delete-record"]').click()
    await confirmDialog().getByRole('button', { name: '确定' }).click()
    await expect.poll(() => page.locator('.el-message--error').innerText()).toMatch(/联系人记录 \d+ 正被报价单（记录 \d+）引用，不能删除/)
    expect((await record('contacts', created.contact!.id)).name).toBe('赵敏')
  })

  test('deletes a draft from the grid after confirming the count', async () => {
    await openFromMenu('quotes')
    const sample = gridRows(page).filter({ hasText: '张伟' })
    await sample.locator('.ag-selection-checkbox input, .ag-checkbox-input').first().click()
    await page.locator('[data-test="delete-selected"]').click()
    expect(await confirmDialog().innerText()).toContain('确定删除选中的 1 条记录吗')
    await confirmDialog().getByRole('button', { name: '删除' }).click()
    await expect.poll(() => toast('已删除 1 条记录').count()).toBe(1)
    await expect.poll(() => page.locator('[data-test="grid-total"]').innerText()).toBe('共 1 条')
    await expect.poll(() => cellTexts(page, 'customer')).toEqual(['赵敏'])
    const gone = await apiGet<{ error?: { code: string } }>(page, '/api/forms/quotes/records/1')
    expect(gone.error?.code).toBe('not_found')
  })

  test('the shell switches to English', async () => {
    await page.locator('.shell-header [data-locale="en"]').click()
    await expect.poll(() => page.locator('.el-menu-item[data-form]').allInnerTexts()).toEqual(menu('en'))
    expect(await page.locator('.ag-header-cell[col-id="total"]').innerText()).toContain('Total')
    expect(await page.locator('[data-test="grid-total"]').innerText()).toBe('1 record')
    await screenshot(page, 'quotes-grid-english')
    await page.locator('.shell-header [data-locale="zh-CN"]').click()
    await expect.poll(() => page.locator('.el-menu-item[data-form]').allInnerTexts()).toEqual(menu('zh-CN'))
  })

  test('the browser console stayed clean', () => {
    // the session probe before login (401), and the errors the tests provoke on purpose
    const expected = ['401 (Unauthorized)', 'status of 404', 'status of 409', 'status of 422']
    const unexpected = browser.problems.filter((p) => !expected.some((e) => p.includes(e)))
    expect(unexpected).toEqual([])
  })
})
