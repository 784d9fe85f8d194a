import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { apiGet, apiPost, cellTexts, field, launch, login, pickOption, pickRemote, screenshot, type Browser } from './helpers'

/*
 * One day of a Taobao merchant, in the browser, on the Taobao ERP pack with its demo data (53 SKUs
 * with opening stock in 杭州主仓, a shop, couriers, settings): goods come in against a purchase
 * order, platform trades become orders that are audited, picked, printed and shipped, a parcel
 * comes back, the shelf is counted, an expense is booked — and the stock grids add up.
 * The API stands in only for what is not UI (trades arriving from Taobao) and for checking.
 */

interface Rec {
  id: number
  version: number
  doc_status?: string
  [key: string]: unknown
}

let browser: Browser
let page: Page

beforeAll(async () => {
  browser = await launch(inject('erpBaseUrl'))
  page = browser.page
})

afterAll(async () => {
  await browser?.close()
})

/** What the day creates, for later steps. */
const day: {
  shop?: number
  warehouse?: number
  returnsWarehouse?: number
  sku: Record<string, number>
  po?: Rec
  trades: Rec[]
  orders: Rec[]
  pickList?: number
  shipped?: Rec
} = { sku: {}, trades: [], orders: [] }

const toast = (text: string | RegExp) => page.locator('.el-message').filter({ hasText: text }).first()
const confirmDialog = () => page.locator('.el-message-box:visible')
const action = (key: string) => page.locator(`[data-test="action-${key}"]`)
/** The action message that says `text` (older ones may still be on screen). */
const resultSaying = (text: string | RegExp) => page.locator('[data-test="result-message"]').filter({ hasText: text })
/** Waits until the grid shows a view's rows (not the previous view's). */
const gridReady = (view?: string) => page.locator(`[data-test="record-grid"]${view ? `[data-view="${view}"]` : ''}[data-loading="false"]`).waitFor()
async function showTab(key: string) {
  await viewTab(key).click()
  await gridReady(key)
}
const viewTab = (key: string) => page.locator(`[data-test="view-tabs"] [data-view="${key}"]`)
const viewCount = (key: string) => viewTab(key).locator('[data-test="view-count"]').innerText()
const lineCell = (sub: string, i: number, key: string) => page.locator(`[data-cell="${sub}[${i}].${key}"]`)

async function query<T = Rec>(form: string, filter?: unknown, extra: Record<string, unknown> = {}): Promise<T[]> {
  const result = await apiPost<{ data: T[] }>(page, `/api/forms/${form}/records/query`, { filter, limit: 200, ...extra })
  return result.data
}
async function record(form: string, id: number): Promise<Rec> {
  return (await apiGet<{ data: Rec }>(page, `/api/forms/${form}/records/${id}`)).data
}
async function balance(sku: string, warehouse = day.warehouse!): Promise<{ on_hand: string; reserved: string; available: string }> {
  const rows = await query<{ on_hand: string; reserved: string; available: string }>('stock_balances', {
    and: [
      { field: 'sku', op: 'eq', value: day.sku[sku] },
      { field: 'warehouse', op: 'eq', value: warehouse },
    ],
  })
  return rows[0]
}

async function openFromMenu(form: string) {
  await page.locator(`.el-menu-item[data-form="${form}"]`).click()
  await page.waitForURL((url) => url.pathname === `/forms/${form}`)
  await expect.poll(() => page.locator('[data-test="grid-total"]').innerText()).toMatch(/共 \d+ 条/)
}

async function newRecord(form: string) {
  await openFromMenu(form)
  await page.locator('[data-test="new-record"]').click()
  await page.waitForURL(`**/forms/${form}/new`)
}

async function saveRecord(form: string): Promise<number> {
  await page.locator('[data-test="save"]').click()
  await page.waitForURL(new RegExp(`/forms/${form}/\\d+$`))
  return Number(new URL(page.url()).pathname.split('/').pop())
}

/** Runs one of the record form's actions, from its button or from 更多. */
async function runAction(key: string) {
  await page.locator(`[data-test="action-${key}"], [data-test="more-actions"]`).first().waitFor()
  if (await action(key).count()) await action(key).click()
  else {
    await page.locator('[data-test="more-actions"]').click()
    await page.locator(`.el-dropdown-menu__item[data-action="${key}"]:visible`).click()
  }
}

async function confirm() {
  await confirmDialog().getByRole('button', { name: '确定' }).click()
}

const docStatus = () => page.locator('[data-test="doc-status"]').getAttribute('data-status')

/** The grid row (its section holding the column) whose cell in `colId` reads `text`. */
function row(colId: string, text: string): Locator {
  return page.locator('.ag-row').filter({ has: page.locator(`.ag-cell[col-id="${colId}"]`, { hasText: text }) })
}
async function selectRow(colId: string, text: string) {
  await row(colId, text).locator('.ag-selection-checkbox input').first().check()
}

async function bulk(key: string) {
  await page.locator('[data-test="bulk-actions"] button').click()
  await page.locator(`.el-dropdown-menu__item[data-action="${key}"]:visible`).click()
}

/** Closes the messages still on screen, so a screenshot shows the page. */
async function dismissMessages() {
  for (const close of await page.locator('.el-message .el-message__closeBtn').all()) await close.click().catch(() => undefined)
  await page.waitForFunction(() => document.querySelectorAll('.el-message').length === 0, undefined, { timeout: 5000 }).catch(() => undefined)
}

const readonlyText = (key: string) => field(page, key).locator('[data-readonly]').innerText()

describe.sequential('a day with the Taobao ERP', () => {
  test('signs in to the demo data', async () => {
    await login(page)
    const shops = await query('shops')
    const warehouses = await query('warehouses')
    day.shop = shops.find((s) => s.name === '掌柜演示店')!.id
    day.warehouse = warehouses.find((w) => w.name === '杭州主仓')!.id
    day.returnsWarehouse = warehouses.find((w) => w.name === '退货仓')!.id
    for (const sku of await query('skus', { field: 'outer_id', op: 'starts_with', value: 'TX001-' })) day.sku[String(sku.outer_id)] = sku.id
    expect(Object.keys(day.sku)).toEqual(expect.arrayContaining(['TX001-01', 'TX001-02', 'TX001-03', 'TX001-04', 'TX001-05', 'TX001-06']))
    // opening stock from the demo data
    expect((await balance('TX001-01')).on_hand).toBe('40')
    expect((await balance('TX001-02')).on_hand).toBe('30')
    expect((await balance('TX001-03')).on_hand).toBe('50')
  })

  test('the settings singleton opens its one record', async () => {
    await page.locator('.el-menu-item[data-form="settings"]').click()
    await page.waitForURL(/\/forms\/settings\/\d+$/)
    expect(await page.locator('[data-test="record-title"]').innerText()).toBe('系统参数')
    expect(await field(page, 'sender_name').locator('input').inputValue()).toBe('掌柜演示店')
    expect(await page.locator('[data-test="back"]').count()).toBe(0)
  })

  test('a purchase order for two SKUs is submitted', async () => {
    await newRecord('purchase_orders')
    await pickRemote(page, field(page, 'supplier').locator('.el-select'), '佳品', '义乌市佳品服饰有限公司')
    await pickRemote(page, field(page, 'warehouse').locator('.el-select'), '杭州', '杭州主仓')
    await page.locator('[data-test="add-line"]').click()
    await page.locator('[data-test="add-line"]').click()
    await pickRemote(page, lineCell('lines', 0, 'sku').locator('.el-select'), 'TX001-01')
    await lineCell('lines', 0, 'qty').locator('input').fill('10')
    await pickRemote(page, lineCell('lines', 1, 'sku').locator('.el-select'), 'TX001-02')
    await lineCell('lines', 1, 'qty').locator('input').fill('6')
    // the cost price is copied from the SKU, the amount computed as we type
    await expect.poll(() => lineCell('lines', 0, 'unit_cost').locator('input').inputValue()).toBe('22.00')
    await expect.poll(() => lineCell('lines', 1, 'amount').innerText()).toBe('¥132.00')
    const id = await saveRecord('purchase_orders')

    await runAction('submit')
    await confirm()
    await expect.poll(docStatus).toBe('submitted')
    day.po = await record('purchase_orders', id)
    expect(day.po.receipt_status).toBe('待收货')
    expect(await readonlyText('receipt_status')).toBe('待收货')
  })

  test('goods arrive against it: one line in full, one partly → 部分收货 and stock goes up', async () => {
    await newRecord('stock_in')
    await pickRemote(page, field(page, 'warehouse').locator('.el-select'), '杭州', '杭州主仓')
    await pickRemote(page, field(page, 'supplier').locator('.el-select'), '佳品', '义乌市佳品服饰有限公司')
    await pickRemote(page, field(page, 'purchase_order').locator('.el-select'), String(day.po!.no))
    await page.locator('[data-test="add-line"]').click()
    await page.locator('[data-test="add-line"]').click()
    for (const [i, sku, received] of [
      [0, 'TX001-01', '10'],
      [1, 'TX001-02', '4'],
    ] as const) {
      await pickRemote(page, lineCell('lines', i, 'sku').locator('.el-select'), sku)
      // the PO line is picked among the lines of the chosen purchase order
      await pickRemote(page, lineCell('lines', i, 'po_line').locator('.el-select'), sku, `${i + 1} · ${sku}`)
      await lineCell('lines', i, 'qty_received').locator('input').fill(received)
      await lineCell('lines', i, 'qty_accepted').locator('input').fill(received)
    }
    await expect.poll(() => page.locator('[data-total="amount"]').innerText()).toBe('¥308.00')
    await saveRecord('stock_in')
    await runAction('submit')
    await confirm()
    await expect.poll(docStatus).toBe('submitted')

    await openFromMenu('purchase_orders')
    await expect.poll(() => cellTexts(page, 'receipt_status')).toEqual(['部分收货'])
    expect(await cellTexts(page, 'received_total')).toEqual(['14'])
    expect((await record('purchase_orders', day.po!.id)).receipt_status).toBe('部分收货')
    expect((await balance('TX001-01')).on_hand).toBe('50')
    expect((await balance('TX001-02')).on_hand).toBe('34')
  })

  test('three platform trades arrive and become orders (生成订单 on the selected trades)', async () => {
    const trade = (n: number, lines: [string, number][]) => ({
      shop: day.shop,
      tid: `38880000000${n}`,
      status: 'WAIT_SELLER_SEND_GOODS',
      buyer_nick: `买家${n}`,
      oaid: `OAID-${n}`,
      receiver_name: ['张*', '李*', '王*'][n - 1],
      receiver_mobile: '138****0000',
      receiver_state: '浙江省',
      receiver_city: '杭州市',
      receiver_district: '西湖区',
      receiver_address: '文三路***号',
      payment: String(59 * lines.reduce((q, [, qty]) => q + qty, 0)),
      created: '2026-11-27 09:00:00',
      pay_time: `2026-11-27 09:0${n}:00`,
      source: 'api',
      lines: lines.map(([code, qty], i) => ({
        oid: `48880000000${n}${i}`,
        outer_sku_id: code,
        title: '纯棉圆领短袖T恤',
        sku_properties_name: code === 'TX001-01' ? '颜色:白色;尺码:S' : '颜色:白色;尺码:M',
        price: '59.00',
        num: qty,
        payment: String(59 * qty),
      })),
    })
    const created = await apiPost<{ data: Rec[] }>(page, '/api/forms/platform_trades/records', [
      trade(1, [['TX001-01', 1]]),
      trade(2, [
        ['TX001-01', 2],
        ['TX001-02', 1],
      ]),
      trade(3, [['TX001-02', 1]]),
    ])
    day.trades = created.data
    expect(day.trades).toHaveLength(3)

    await openFromMenu('platform_trades')
    await showTab('to_ship')
    await expect.poll(() => viewCount('to_ship')).toBe('3')
    await expect.poll(() => cellTexts(page, 'tid')).toHaveLength(3)
    for (const t of day.trades) await selectRow('tid', String(t.tid))
    await bulk('create_order')
    await confirm()
    await expect.poll(() => resultSaying('生成订单：3 条成功').count()).toBe(1)
    const orders = await query('orders', { field: 'trades', op: 'in', value: day.trades.map((t) => t.id) }, { sort: 'tids' })
    expect(orders.map((o) => [o.tids, o.status])).toEqual([
      ['388800000001', 'pending'],
      ['388800000002', 'pending'],
      ['388800000003', 'pending'],
    ])
    day.orders = orders
  })

  test('the orders are audited from the 待审核 tab (bulk 审核) and reserve stock', async () => {
    await openFromMenu('orders')
    await expect.poll(() => viewCount('pending')).toBe('3')
    expect(await viewCount('all')).toBe('3')
    await showTab('pending')
    await page.waitForURL(/view=pending/)
    await expect.poll(() => cellTexts(page, 'no')).toHaveLength(3)
    // status tags take the option colours; the platform trade ids are a column
    expect(await cellTexts(page, 'status')).toEqual(['待审核', '待审核', '待审核'])
    expect((await cellTexts(page, 'tids')).sort()).toEqual(['388800000001', '388800000002', '388800000003'])
    for (const o of day.orders) await selectRow('no', String(o.no))
    await bulk('audit')
    await confirm()
    await expect.poll(() => resultSaying('审核：3 条成功').count()).toBe(1)
    await expect.poll(() => viewCount('audited')).toBe('3')
    expect(await viewCount('pending')).toBe('0')
    await expect.poll(() => page.locator('[data-test="grid-empty"]').count()).toBe(1)

    // a trade id finds its order from the search box
    await showTab('all')
    await page.locator('input[data-test="quick-search"]').fill('388800000002')
    await expect.poll(() => cellTexts(page, 'tids')).toEqual(['388800000002'])
    await page.locator('input[data-test="quick-search"]').fill('')
    await expect.poll(() => cellTexts(page, 'tids')).toHaveLength(3)
    await showTab('audited')
    await expect.poll(() => cellTexts(page, 'status')).toEqual(['已审核', '已审核', '已审核'])
    await dismissMessages()
    await screenshot(page, 'erp-orders-tabs')

    expect(await balance('TX001-01')).toMatchObject({ on_hand: '50', reserved: '3', available: '47' })
    expect(await balance('TX001-02')).toMatchObject({ on_hand: '34', reserved: '2', available: '32' })
  })

  test('one pick list for the three orders (bulk 生成拣货单), opened from the message', async () => {
    for (const o of day.orders) await selectRow('no', String(o.no))
    await bulk('create_pick_list')
    await confirm()
    const link = resultSaying('生成拣货单已完成').locator('[data-test="result-link"]')
    await expect.poll(() => link.innerText()).toMatch(/^拣货单 JH\d{11}$/)
    await expect.poll(() => viewCount('picking')).toBe('3')
    expect(await viewCount('audited')).toBe('0')
    await link.click()
    await page.waitForURL(/\/forms\/pick_lists\/\d+$/)
    day.pickList = Number(new URL(page.url()).pathname.split('/').pop())
    const pickList = await record('pick_lists', day.pickList)
    expect(pickList.order_count).toBe('3')
    expect((pickList.lines as Rec[]).map((l) => [l.location, (l.sku as { display: string }).display, l.qty, l.slots])).toEqual([
      ['A-01-01', 'TX001-01', '3', '1,2'],
      ['A-01-02', 'TX001-02', '2', '2,3'],
    ])
  })

  test('the pick list prints on A4 with its barcode, lines by location, slots and sender', async () => {
    await action('print').click()
    await page.waitForURL(`**/print/pick_lists/${day.pickList}`)
    const sheet = page.locator('[data-test="print-sheet"]')
    await expect.poll(() => sheet.locator('svg[data-test="barcode-svg"] rect').count()).toBeGreaterThan(10)
    const pickNo = String((await record('pick_lists', day.pickList!)).no)
    expect(await sheet.locator('h1').innerText()).toBe('拣货单')
    expect(await sheet.locator('[data-test="pick-no"]').innerText()).toBe(pickNo)
    expect(await sheet.locator('svg[data-test="barcode-svg"] text').first().textContent()).toBe(pickNo)
    expect(await sheet.locator('[data-test="pick-warehouse"]').innerText()).toBe('杭州主仓')
    expect(await sheet.locator('[data-test="pick-order-count"]').innerText()).toBe('3')
    await expect.poll(() => sheet.locator('[data-test="pick-sender"]').innerText()).toContain('掌柜演示店')
    const lines = await sheet.locator('[data-test="pick-lines"] tbody tr').evaluateAll((rows) =>
      rows.map((r) => ['location', 'sku', 'product', 'spec', 'barcode', 'qty', 'slots'].map((c) => r.querySelector(`[data-col="${c}"]`)?.textContent?.trim())),
    )
    expect(lines).toEqual([
      ['A-01-01', 'TX001-01', '纯棉圆领短袖T恤', '颜色:白色;尺码:S', '6900000000001', '3', '1,2'],
      ['A-01-02', 'TX001-02', '纯棉圆领短袖T恤', '颜色:白色;尺码:M', '6900000000002', '2', '2,3'],
    ])
    const slots = await sheet.locator('[data-test="pick-slots"] tbody tr').evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td')).map((td) => td.textContent?.trim())))
    expect(slots.map((s) => [s[0], s[2], s[3]])).toEqual([
      ['1', '张*', '1'],
      ['2', '李*', '3'],
      ['3', '王*', '1'],
    ])
    expect(slots.map((s) => s[1])).toEqual(day.orders.map((o) => o.no))
    // no app chrome around the sheet
    expect(await page.locator('.shell-header, .shell-aside').count()).toBe(0)
    await dismissMessages()
    await screenshot(page, 'pick-list-print')

    // 打印 prints the page; on paper only the sheet remains
    await page.evaluate(() => {
      ;(window as unknown as { printed: number }).printed = 0
      window.print = () => void (window as unknown as { printed: number }).printed++
    })
    await page.locator('[data-test="print"]').click()
    expect(await page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1)
    await page.emulateMedia({ media: 'print' })
    expect(await page.locator('.zg-print-toolbar').isVisible()).toBe(false)
    expect(await sheet.evaluate((el) => getComputedStyle(el).boxShadow)).toBe('none')
    await page.emulateMedia({ media: 'screen' })

    await page.locator('[data-test="print-back"]').click()
    await page.waitForURL(`**/forms/pick_lists/${day.pickList}`)
  })

  test('picking is finished: the orders wait to be shipped', async () => {
    await runAction('finish')
    await confirm()
    await expect.poll(() => toast('已拣货完成').count()).toBe(1)
    await expect.poll(async () => (await record('pick_lists', day.pickList!)).status).toBe('done')
    for (const o of day.orders) expect((await record('orders', o.id)).status).toBe('to_ship')
  })

  test('one order is shipped from its form with a courier and a waybill number', async () => {
    await openFromMenu('orders')
    await expect.poll(() => viewCount('to_ship')).toBe('3')
    await showTab('to_ship')
    await page.locator('input[data-test="quick-search"]').fill('388800000001')
    await expect.poll(() => cellTexts(page, 'tids')).toEqual(['388800000001'])
    await row('tids', '388800000001').locator('[data-test="open-record"]').click()
    await page.waitForURL(/\/forms\/orders\/\d+$/)
    // past 待审核 an order changes only through its actions
    await expect.poll(() => page.locator('[data-test="read-only"]').innerText()).toContain('审核后不能直接修改')
    expect(await page.locator('[data-test="save"]').count()).toBe(0)

    await runAction('ship')
    const dialog = page.locator('.el-dialog:visible')
    await pickRemote(page, dialog.locator('[data-field-item="courier"] .el-select'), '中通', '中通快递')
    await dialog.locator('[data-field-item="waybill_no"] input').fill('ZT7700000001')
    await page.locator('[data-test="action-params-ok"]').click()
    const result = resultSaying('已发货')
    await expect.poll(() => result.count()).toBe(1)
    expect(await result.locator('[data-test="result-link"]').innerText()).toMatch(/^出库单/)
    await expect.poll(() => field(page, 'status').locator('.el-select').innerText()).toContain('已发货')
    expect(await page.locator('.record-form [data-field-item="waybill_no"] input').inputValue()).toBe('ZT7700000001')

    day.shipped = await record('orders', day.orders[0].id)
    expect(day.shipped).toMatchObject({ status: 'shipped', waybill_no: 'ZT7700000001', courier: { display: '中通快递' } })
    const stockOut = await record('stock_out', (day.shipped.stock_out as { id: number }).id)
    expect(stockOut).toMatchObject({ type: 'sales', doc_status: 'submitted' })
    expect(await balance('TX001-01')).toMatchObject({ on_hand: '49', reserved: '2', available: '47' })
  })

  test('a return arrives: after-sales 退货退款, 退货入库 into 退货仓, 已退款', async () => {
    await newRecord('after_sales')
    expect(await field(page, 'type').locator('.el-select').innerText()).toContain('退货退款')
    await pickRemote(page, field(page, 'order').locator('.el-select'), String(day.shipped!.no))
    await field(page, 'reason').locator('input').fill('尺码偏小')
    await page.locator('[data-test="add-line"]').click()
    await pickRemote(page, lineCell('lines', 0, 'order_line').locator('.el-select'), '纯棉', '1 · 纯棉圆领短袖T恤')
    await pickRemote(page, lineCell('lines', 0, 'sku').locator('.el-select'), 'TX001-01')
    await lineCell('lines', 0, 'refund_amount').locator('input').fill('59')
    const id = await saveRecord('after_sales')

    await runAction('approve')
    await expect.poll(async () => (await record('after_sales', id)).status).toBe('approved')
    await runAction('receive_return')
    const dialog = page.locator('.el-dialog:visible')
    await pickRemote(page, dialog.locator('[data-field-item="warehouse"] .el-select'), '退货', '退货仓')
    await page.locator('[data-test="action-params-ok"]').click()
    await expect.poll(() => resultSaying('已退货入库').locator('[data-test="result-link"]').innerText()).toMatch(/^入库单 RK\d+$/)
    await runAction('refund')
    await confirm()
    await expect.poll(async () => (await record('after_sales', id)).status).toBe('refunded')

    const afterSale = await record('after_sales', id)
    const receipt = await record('stock_in', (afterSale.stock_in as { id: number }).id)
    expect(receipt).toMatchObject({ type: 'sales_return', doc_status: 'submitted', warehouse: { display: '退货仓' } })
    expect(await balance('TX001-01', day.returnsWarehouse)).toMatchObject({ on_hand: '1', value: '22.00' })
    expect((await record('orders', day.shipped!.id)).refunded_amount).toBe('59.00')
  })

  test('a stocktake of one SKU finds two missing', async () => {
    await newRecord('stocktakes')
    await pickRemote(page, field(page, 'warehouse').locator('.el-select'), '杭州', '杭州主仓')
    await page.locator('[data-test="add-line"]').click()
    await pickRemote(page, lineCell('lines', 0, 'sku').locator('.el-select'), 'TX001-03')
    const id = await saveRecord('stocktakes')
    await runAction('start_count')
    await confirm()
    // the book quantity is frozen when counting starts
    await expect.poll(() => lineCell('lines', 0, 'book_qty').locator('input').inputValue()).toBe('50')
    await lineCell('lines', 0, 'counted_qty').locator('input').fill('48')
    await expect.poll(() => lineCell('lines', 0, 'variance').innerText()).toBe('-2')
    await lineCell('lines', 0, 'reason').locator('.el-select').click()
    await pickOption(page, '损坏')
    await page.locator('[data-test="save"]').click()
    await expect.poll(() => toast('已保存').count()).toBe(1)
    await runAction('submit')
    await confirm()
    await expect.poll(docStatus).toBe('submitted')
    expect((await record('stocktakes', id)).variance_lines).toBe('1')
    expect((await balance('TX001-03')).on_hand).toBe('48')
  })

  test('an expense for promotion is booked', async () => {
    await newRecord('expenses')
    await field(page, 'category').locator('.el-select').click()
    await pickOption(page, '推广')
    await field(page, 'item').locator('input').fill('直通车充值')
    await field(page, 'amount').locator('input').fill('300')
    await pickRemote(page, field(page, 'shop').locator('.el-select'), '掌柜', '掌柜演示店')
    const id = await saveRecord('expenses')
    expect(await record('expenses', id)).toMatchObject({ category: 'advertising', item: '直通车充值', amount: '300.00', shop: { display: '掌柜演示店' } })
    await openFromMenu('expenses')
    await expect.poll(() => viewCount('this_month')).toBe(String((await query('expenses', { field: 'date', op: 'eq', value: { $range: 'this_month' } })).length))
  })

  test('库存 and 库存流水 add up for the SKUs of the day', async () => {
    // from the SKU to its balances (a rollup of stock_balances), filtered by a route filter
    await openFromMenu('skus')
    await page.locator('input[data-test="quick-search"]').fill('TX001-01')
    await expect.poll(() => cellTexts(page, 'outer_id')).toEqual(['TX001-01'])
    await row('outer_id', 'TX001-01').locator('[data-test="open-record"]').click()
    await page.waitForURL(/\/forms\/skus\/\d+$/)
    await dismissMessages()
    await screenshot(page, 'erp-sku-related')
    await page.locator('[data-test="related-stock_balances"]').click()
    await page.waitForURL(/\/forms\/stock_balances\?filter=/)
    await expect.poll(() => page.locator('[data-test="filter-chip"]').allInnerTexts()).toEqual(['SKU：TX001-01'])
    await expect.poll(() => cellTexts(page, 'warehouse')).toHaveLength(2)
    const byWarehouse = async () => {
      const [warehouses, onHand, reserved, available] = await Promise.all(['warehouse', 'on_hand', 'reserved', 'available'].map((c) => cellTexts(page, c)))
      return Object.fromEntries(warehouses.map((w, i) => [w, [onHand[i], reserved[i], available[i]]]))
    }
    // on hand = opening 40 + received 10 − shipped 1; reserved: the two orders not shipped yet
    expect(await byWarehouse()).toEqual({ 杭州主仓: ['49', '2', '47'], 退货仓: ['1', '0', '1'] })
    await dismissMessages()
    await screenshot(page, 'erp-stock-balances')

    // the search box finds balances by SKU code; a removed chip widens the grid again
    await page.locator('[data-test="filter-chip"] .el-tag__close').click()
    await expect.poll(() => page.locator('[data-test="filter-chip"]').count()).toBe(0)
    await page.locator('input[data-test="quick-search"]').fill('TX001-0')
    await expect.poll(async () => (await cellTexts(page, 'sku')).every((c) => c.startsWith('TX001-0'))).toBe(true)
    const codes = await cellTexts(page, 'sku')
    expect(codes.length).toBeGreaterThanOrEqual(7)
    const rowOf = async (code: string, warehouse = '杭州主仓') => {
      const [skus, warehouses, onHand, reserved] = await Promise.all(['sku', 'warehouse', 'on_hand', 'reserved'].map((c) => cellTexts(page, c)))
      const i = skus.findIndex((s, j) => s === code && warehouses[j] === warehouse)
      return [onHand[i], reserved[i]]
    }
    expect(await rowOf('TX001-02')).toEqual(['34', '2']) // 30 + 4 received, two orders reserve one each
    expect(await rowOf('TX001-03')).toEqual(['48', '0']) // 50 − 2 counted missing

    // 查看流水: the ledger lines of one balance
    await page
      .locator('.ag-row')
      .filter({ has: page.locator('.ag-cell[col-id="__links"]') })
      .nth(codes.indexOf('TX001-01'))
      .locator('[data-test="row-link-stock_ledger"]')
      .click()
    await page.waitForURL(/\/forms\/stock_ledger\?filter=/)
    await expect.poll(() => page.locator('[data-test="filter-chip"]').allInnerTexts()).toEqual(['SKU：TX001-01', '仓库：杭州主仓'])
    await expect.poll(() => cellTexts(page, 'qty')).toEqual(['-1', '10', '40'])
    expect(await cellTexts(page, 'doc_type')).toEqual(['销售出库', '采购入库', '期初库存'])
    expect(await cellTexts(page, 'balance_after')).toEqual(['49', '50', '40'])
    expect(await cellTexts(page, 'value')).toEqual(['-¥22.00', '¥220.00', '¥880.00'])
    const docNos = await cellTexts(page, 'doc_no')
    expect(docNos[0]).toBe((await record('stock_out', (day.shipped!.stock_out as { id: number }).id)).no)
    await dismissMessages()
    await screenshot(page, 'erp-stock-ledger')

    // without the warehouse chip the return into 退货仓 shows too
    await page.locator('[data-test="filter-chip"]').nth(1).locator('.el-tag__close').click()
    await expect.poll(() => cellTexts(page, 'qty')).toEqual(['1', '-1', '10', '40'])
    expect((await cellTexts(page, 'warehouse'))[0]).toBe('退货仓')

    // a ledger line's number opens the document that posted it
    await page.locator('.ag-cell[col-id="doc_no"] a').nth(1).click()
    await page.waitForURL(/\/forms\/stock_out\/\d+$/)
    expect(await page.locator('[data-test="doc-status"]').getAttribute('data-status')).toBe('submitted')

    // the stocktake's loss is in TX001-03's ledger
    const ledger = await query('stock_ledger', { field: 'sku', op: 'eq', value: day.sku['TX001-03'] }, { sort: 'id' })
    expect(ledger.map((l) => [l.doc_type, l.qty, l.balance_after])).toEqual([
      ['opening', '50', '50'],
      ['stocktake_loss', '-2', '48'],
    ])
  })

  test('an order is split through the lines dialog', async () => {
    const trade = await apiPost<{ data: Rec }>(page, '/api/forms/platform_trades/records', {
      shop: day.shop,
      tid: '388800000004',
      status: 'WAIT_SELLER_SEND_GOODS',
      buyer_nick: '买家4',
      oaid: 'OAID-4',
      receiver_name: '赵*',
      payment: '177.00',
      lines: [
        { oid: '488800000040', outer_sku_id: 'TX001-04', title: '纯棉圆领短袖T恤', num: 2, payment: '118.00' },
        { oid: '488800000041', outer_sku_id: 'TX001-05', title: '纯棉圆领短袖T恤', num: 1, payment: '59.00' },
      ],
    })
    const made = await apiPost<{ result: { order: number } }>(page, `/api/forms/platform_trades/records/${trade.data.id}/actions/create_order`, {})
    await page.goto(`/forms/orders/${made.result.order}`)
    await runAction('split')
    const dialog = page.locator('.el-dialog:visible')
    const rows = dialog.locator('[data-test="line-quantities"] tbody tr')
    await expect.poll(() => rows.count()).toBe(2)
    // taking everything is refused before it is sent
    await rows.nth(0).locator('[data-test="take-qty"] input').fill('2')
    await rows.nth(1).locator('[data-test="take-qty"] input').fill('1')
    await rows.nth(1).locator('[data-test="take-qty"] input').blur()
    await page.locator('[data-test="action-params-ok"]').click()
    await expect.poll(() => dialog.locator('.el-form-item__error').innerText()).toBe('原单至少要保留一件')
    await rows.nth(0).locator('[data-test="take-qty"] input').fill('0')
    await rows.nth(0).locator('[data-test="take-qty"] input').blur()
    await dismissMessages()
    await screenshot(page, 'erp-order-split')
    await page.locator('[data-test="action-params-ok"]').click()
    const link = resultSaying('已拆分').locator('[data-test="result-link"]')
    await expect.poll(() => link.innerText()).toMatch(/^订单 DD\d+$/)
    const original = await record('orders', made.result.order)
    expect((original.lines as Rec[]).map((l) => [(l.sku as { display: string }).display, l.qty])).toEqual([['TX001-04', '2']])
    await link.click()
    await page.waitForURL((url) => /\/forms\/orders\/\d+$/.test(url.pathname) && !url.pathname.endsWith(`/${made.result.order}`))
    const split = await record('orders', Number(new URL(page.url()).pathname.split('/').pop()))
    expect((split.lines as Rec[]).map((l) => [(l.sku as { display: string }).display, l.qty, l.payment])).toEqual([['TX001-05', '1', '59.00']])
    day.orders.push(original, split)
  })

  test('an audit without stock is a warning with the reason, in the form and in bulk', async () => {
    const trade = await apiPost<{ data: Rec }>(page, '/api/forms/platform_trades/records', {
      shop: day.shop,
      tid: '388800000005',
      status: 'WAIT_SELLER_SEND_GOODS',
      buyer_nick: '买家5',
      oaid: 'OAID-5',
      payment: '59000.00',
      lines: [{ oid: '488800000050', outer_sku_id: 'TX001-06', title: '纯棉圆领短袖T恤', num: 1000, payment: '59000.00' }],
    })
    const made = await apiPost<{ result: { order: number; order_no: string } }>(page, `/api/forms/platform_trades/records/${trade.data.id}/actions/create_order`, {})
    await page.goto(`/forms/orders/${made.result.order}`)
    await runAction('audit')
    await expect.poll(() => resultSaying('审核未通过：库存不足').getAttribute('data-outcome')).toBe('warning')
    await expect.poll(() => field(page, 'audit_note').locator('input').inputValue()).toContain('库存不足')
    await page.waitForTimeout(400) // the message slides in
    await screenshot(page, 'erp-audit-refused')
    expect((await record('orders', made.result.order)).status).toBe('pending')

    // in bulk: the order split off above passes, this one is refused with its reason
    await openFromMenu('orders')
    await showTab('pending')
    const splitOff = day.orders[day.orders.length - 1]
    await expect.poll(() => cellTexts(page, 'no')).toEqual(expect.arrayContaining([made.result.order_no, splitOff.no]))
    await selectRow('no', made.result.order_no)
    await selectRow('no', String(splitOff.no))
    await bulk('audit')
    await confirm()
    const box = page.locator('[data-test="bulk-result"]')
    await expect.poll(() => page.locator('.el-message-box__title').innerText()).toBe('审核：1 条成功，1 条失败')
    await screenshot(page, 'erp-bulk-audit-refused')
    expect(await box.locator('[data-test="bulk-problem"]').allInnerTexts()).toEqual([expect.stringMatching(new RegExp(`^${made.result.order_no}：库存不足`))])
    await confirm()
    expect((await record('orders', splitOff.id)).status).toBe('audited')
  })

  test('the browser saw no errors', () => {
    // the session probe before signing in answers 401; nothing else may fail
    expect(browser.problems.filter((p) => !/status of 401/.test(p))).toEqual([])
  })
})
