import Decimal from 'decimal.js'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import type { AppContext } from '../../server/context'
import { addDays, businessDate, startOfBusinessDay } from '../../schema/lib/time'
import { login, screenshot } from './helpers'
import { startE2eServer, type E2eServer } from './server'

/*
 * The built-in dashboards on the home page, in Chromium, over the Taobao ERP pack's demo data plus
 * a month of orders from two shops across provinces (paid on different days, some audited and
 * shipped, some refunded): each dashboard is opened and photographed, the date range changed, a
 * bar and a table row clicked through to the grid of exactly those records, and a widget built in
 * the designer and saved. Its own server, so the other e2e files' counts are not disturbed.
 */

let app: E2eServer
let ctx: AppContext
let page: Page

const PROVINCES = ['浙江省', '上海', '上海市', '广东省', '江苏省', '北京市', '四川省', '内蒙古自治区', '新疆维吾尔自治区', '广西壮族自治区', '山东省', '湖北省', '香港特别行政区']
const BUYERS = ['晴天爸爸', '小鹿乱撞', 'lucky_cat', '海边的风', '阿狸', '橘子汽水', '大白', '一只猫', '夏天', '云朵']

/** A month of sales: 40 trades turned into orders as the sync does; two thirds audited and shipped. */
async function sellAMonth() {
  const [demo] = (await ctx.records.list('shops', { limit: 1 })).data
  const flagship = await ctx.records.create('shops', { name: '旗舰店', platform: 'tmall', seller_nick: '旗舰店' })
  const skus = (await ctx.records.list('skus', { limit: 8, sort: ['id'] })).data
  const [courier] = (await ctx.records.list('couriers', { limit: 1 })).data
  const today = businessDate(Date.now())
  const after: number[] = []
  // three SKUs want more in stock than there is: stock-out risk and the 库存预警 to-do
  for (const sku of skus.slice(0, 3)) await ctx.records.update('skus', sku.id, { safety_stock: 1000 })
  for (let i = 0; i < 40; i++) {
    const day = addDays(today, -((i * 11) % 27))
    const at = new Date(startOfBusinessDay(day) + (9 + (i % 10)) * 3_600_000).toISOString()
    const sku = skus[i % skus.length]
    const num = 1 + (i % 3)
    const price = ['59.00', '89.90', '129.00', '35.50'][i % 4]
    const payment = new Decimal(price).mul(num).toFixed(2)
    const tid = `8800${String(i).padStart(4, '0')}`
    const trade = await ctx.records.create('platform_trades', {
      shop: i % 3 === 0 ? flagship.id : demo.id,
      tid,
      status: 'WAIT_SELLER_SEND_GOODS',
      payment,
      post_fee: i % 5 === 0 ? '6.00' : '0.00',
      source: 'manual',
      buyer_nick: BUYERS[i % BUYERS.length],
      receiver_state: PROVINCES[i % PROVINCES.length],
      receiver_city: '某市',
      receiver_name: '张三',
      receiver_address: '某路 1 号',
      created: at,
      pay_time: at,
      lines: [{ oid: `${tid}1`, outer_sku_id: sku.outer_id, title: String(sku.outer_id), num, payment, price }],
    })
    const made = await ctx.records.runAction('platform_trades', trade.id, 'create_order')
    const orderId = ((made.result as Record<string, unknown>)?.order as number | undefined) ?? (await ctx.records.list('orders', { filter: { field: 'tids', op: 'contains', value: tid }, limit: 1 })).data[0]?.id
    if (orderId && i % 8 === 1) after.push(orderId)
    if (!orderId || i % 3 === 2) continue
    const audited = await ctx.records.runAction('orders', orderId, 'audit').catch(() => null)
    if (audited && i % 2 === 0) await ctx.records.runAction('orders', orderId, 'ship', { courier: courier.id, waybill_no: `ZTO${tid}` }).catch(() => null)
  }
  const reasons = ['尺码不合适', '不想要了', '尺码不合适', '质量问题', '发错货']
  for (const [i, order] of after.entries()) {
    const line = ((await ctx.records.get('orders', order)).lines as { id: number }[])[0]
    await ctx.records.create('after_sales', { type: i % 2 ? 'return_refund' : 'refund_only', status: 'pending', order, reason: reasons[i % reasons.length], lines: [{ order_line: line.id, qty: 1 }] })
  }
}

beforeAll(async () => {
  app = await startE2eServer('dashboards', async (context) => {
    ctx = context
    await sellAMonth()
  })
  page = app.browser.page
})

afterAll(async () => {
  await app?.close()
})

/** vitest polls for 1 s by default; pages here load charts and grids */
const WAIT = { timeout: 20_000 }
const widget = (key: string) => page.locator(`.board [data-widget="${key}"]`)
const tab = (label: string) => page.locator('.board-tabs .el-tabs__item').filter({ hasText: label })
const gridTotal = () => page.locator('[data-test="grid-total"]')
/** every widget of the board has its data (no spinner, no error) */
async function boardLoaded() {
  await expect.poll(() => page.locator('.board .widget').count(), WAIT).toBeGreaterThan(0)
  await expect.poll(() => page.locator('.board .el-loading-mask').evaluateAll((els) => els.filter((e) => (e as HTMLElement).style.display !== 'none').length), WAIT).toBe(0)
  expect(await page.locator('.board .widget-empty', { hasText: /加载失败|Could not load/ }).allTextContents()).toEqual([])
  await page.waitForTimeout(800) // chart animations
}
async function count(form: string, filter: unknown) {
  return (await ctx.records.list(form, { filter, limit: 1 })).total ?? 0
}

describe('dashboards on the home page', () => {
  test('shows today’s to-dos with counts linking to the filtered grid', async () => {
    await login(page)
    await page.goto('/')
    const pending = await count('orders', { field: 'status', op: 'eq', value: 'pending' })
    expect(pending).toBeGreaterThan(0)
    await expect.poll(() => page.locator('[data-todo="to_audit"] .todo-count').textContent(), WAIT).toBe(String(pending))
    await expect.poll(() => page.locator('[data-todo="sync_failed"] .todo-count').textContent(), WAIT).toBe('0')
    await boardLoaded()
    await screenshot(page, 'dashboard-home-sales')
    await page.locator('[data-todo="to_audit"]').click()
    await page.waitForURL(/\/forms\/orders\?filter=/)
    await expect.poll(() => gridTotal().textContent(), WAIT).toContain(String(pending))
    await page.goto('/')
  })

  test('opens each built-in dashboard with data in every widget', async () => {
    for (const [label, name] of [['销售分析', 'sales'], ['客户分析', 'customers'], ['商品分析', 'products'], ['运营分析', 'operations']]) {
      await tab(label).click()
      await boardLoaded()
      await screenshot(page, `dashboard-${name}`)
      // below the fold too
      await page.locator('.board').evaluate((el) => el.scrollIntoView({ block: 'end' }))
      await screenshot(page, `dashboard-${name}-lower`)
      await page.locator('.home').evaluate((el) => el.scrollIntoView({ block: 'start' }))
    }
  })

  test('changes the date range: the KPI follows, compared with the period before', async () => {
    await tab('销售分析').click()
    await boardLoaded()
    const paid = (from: string) => ({ and: [{ field: 'paid_at', op: 'is_not_empty' }, { field: 'merged_into', op: 'is_empty' }, { field: 'paid_at', op: 'gte', value: from }] })
    const today = businessDate(Date.now())
    const month = await count('orders', paid(addDays(today, -29)))
    const week = await count('orders', paid(addDays(today, -6)))
    expect(week).toBeLessThan(month)
    await expect.poll(() => widget('orders').locator('.kpi-value').textContent(), WAIT).toBe(String(month))
    await page.locator('[data-preset="last_7_days"]').click()
    await expect.poll(() => widget('orders').locator('.kpi-value').textContent(), WAIT).toBe(String(week))
    await expect.poll(() => widget('orders').locator('.kpi-change').textContent(), WAIT).toMatch(/较上期|上期无数据/)
    await boardLoaded()
    await screenshot(page, 'dashboard-sales-7-days')
    await page.locator('[data-preset="last_30_days"]').click()
    await expect.poll(() => widget('orders').locator('.kpi-value').textContent(), WAIT).toBe(String(month))
    // the shop filter applies on each dataset's shop field
    const [flagship] = (await ctx.records.list('shops', { filter: { field: 'name', op: 'eq', value: '旗舰店' }, limit: 1 })).data
    const ofShop = await count('orders', { and: [paid(addDays(today, -29)), { field: 'shop', op: 'eq', value: flagship.id }] })
    await page.locator('[data-filter="shop"]').click()
    await page.locator('.el-select-dropdown__item:visible').filter({ hasText: '旗舰店' }).click()
    await expect.poll(() => widget('orders').locator('.kpi-value').textContent(), WAIT).toBe(String(ofShop))
    await page.locator('[data-filter="shop"]').hover()
    await page.locator('[data-filter="shop"] .el-select__clear').click()
    await expect.poll(() => widget('orders').locator('.kpi-value').textContent(), WAIT).toBe(String(month))
  })

  test('clicks a bar through to the grid of exactly its records', async () => {
    await boardLoaded()
    // GMV by shop: two bars; the first (the larger, sorted by GMV) sits in the left half
    const box = (await widget('by_shop').locator('canvas').first().boundingBox())!
    const rows = (await ctx.db.knex('f_orders').whereNotNull('paid_at').whereNull('merged_into').select('shop').count({ n: '*' }).groupBy('shop')) as { shop: number; n: number }[]
    expect(rows).toHaveLength(2)
    // the taller bar is hit near the axis, whatever its height
    await page.mouse.click(box.x + box.width * 0.3, box.y + box.height - 40)
    await page.waitForURL(/\/forms\/orders\?filter=/)
    const filter = JSON.parse(new URL(page.url()).searchParams.get('filter')!)
    const expected = await count('orders', filter)
    expect(rows.map((r) => Number(r.n))).toContain(expected)
    await expect.poll(() => gridTotal().textContent(), WAIT).toContain(String(expected))
    await screenshot(page, 'dashboard-drill-bar')
    await page.goBack()
    await page.waitForURL((url) => url.pathname === '/')
  })

  test('clicks a ranked table row through to that buyer’s orders', async () => {
    await tab('客户分析').click()
    await boardLoaded()
    const first = widget('top_buyers').locator('.el-table__row').first()
    const buyer = (await first.locator('td').nth(1).textContent())!.trim()
    const orders = Number((await first.locator('td').nth(3).textContent())!.replace(/,/g, ''))
    await first.click()
    await page.waitForURL(/\/forms\/orders\?filter=/)
    await expect.poll(() => gridTotal().textContent(), WAIT).toContain(String(orders))
    expect(await count('orders', { and: [{ field: 'buyer_nick', op: 'eq', value: buyer }, { field: 'paid_at', op: 'is_not_empty' }, { field: 'merged_into', op: 'is_empty' }] })).toBe(orders)
    await page.goBack()
  })

  test('builds a widget in the designer and saves it', async () => {
    await page.goto('/?board=operations')
    await boardLoaded()
    await page.locator('[data-action="design"]').click()
    await page.waitForURL(/\/dashboards\/operations\/design/)
    await page.locator('[data-action="add-widget"]').click()
    await page.locator('[data-field="widget-title"]').fill('各状态订单金额')
    await page.locator('[data-field="widget-type"]').click()
    await page.locator('.el-select-dropdown__item:visible').filter({ hasText: '饼图' }).click()
    await page.locator('[data-field="widget-form"]').click()
    await page.locator('.el-select-dropdown__item:visible').filter({ hasText: /^订单$/ }).first().click()
    await page.locator('[data-action="add-group"]').click()
    await page.locator('[data-group="0"] .el-select').first().click()
    await page.locator('.el-select-dropdown__item:visible').filter({ hasText: '(status)' }).click()
    await page.locator('[data-measure="0"] .el-select').first().click()
    await page.locator('.el-select-dropdown__item:visible').filter({ hasText: '求和' }).click()
    await page.locator('[data-measure="0"] .el-select').nth(1).click()
    await page.locator('.el-select-dropdown__item:visible').filter({ hasText: '(order_total)' }).click()
    await page.locator('[data-measure="0"] .as input').fill('amount')
    await page.waitForTimeout(1500)
    await screenshot(page, 'dashboard-designer')
    await page.locator('[data-action="save-dashboard"]').click()
    await expect.poll(() => page.locator('.el-message').filter({ hasText: '看板已保存' }).count(), WAIT).toBe(1)
    const saved = (await ctx.db.knex('zg_dashboards').where({ key: 'operations' }).first()) as { definition: string; overlay: string }
    const def = JSON.parse(saved.definition)
    const added = def.widgets.at(-1)
    expect(added).toMatchObject({ type: 'pie', title: { 'zh-CN': '各状态订单金额' }, dataset: { form: 'orders', group_by: ['status'], measures: [{ fn: 'sum', field: 'order_total', as: 'amount' }] } })
    expect(saved.overlay).toContain('各状态订单金额')
    await page.goto(`/?board=operations`)
    await boardLoaded()
    await expect.poll(() => widget(added.key).locator('canvas').count(), WAIT).toBe(1)
    await page.locator('.board').evaluate((el) => el.scrollIntoView({ block: 'end' }))
    await screenshot(page, 'dashboard-operations-with-new-widget')
  })
})
