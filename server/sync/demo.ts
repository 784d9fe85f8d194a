import { randomBytes } from 'node:crypto'
import type { AppContext } from '../context'
import { createSimulator } from '../taobao/simulator'
import { idOf } from '../erp/util'

export const DEMO_SHOP_NAME = '掌柜演示店'
export const DEMO_SIMULATOR_PATH = '/taobao-sim'

/**
 * The demo shop sells the ERP's own SKUs on the built-in Taobao simulator, served by this same
 * server under /taobao-sim: a new install shows orders arriving without any Taobao account. The
 * simulated world is fixed by its seed and first start time (kept in zg_settings), so restarts
 * see the same trades; its clock follows the wall clock.
 */
export async function startDemoSimulator(ctx: AppContext) {
  const shop = (await ctx.records.list('shops', { filter: { field: 'name', op: 'eq', value: DEMO_SHOP_NAME }, limit: 1, total: false })).data[0]
  if (!shop) return null
  let connection = (await ctx.connections.view(shop.id)) ? await ctx.connections.get(shop.id) : null
  if (!connection) {
    await ctx.connections.save(shop.id, {
      appKey: 'zhanggui-demo',
      appSecret: randomBytes(16).toString('hex'),
      session: randomBytes(16).toString('hex'),
      gatewayUrl: 'http://127.0.0.1/taobao-sim/router/rest',
      scheduleMinutes: 1,
      sellerNick: String(shop.seller_nick ?? DEMO_SHOP_NAME),
    })
    connection = await ctx.connections.get(shop.id)
  }
  const startTime = await demoStartTime(ctx)
  const simulator = createSimulator({
    seed: 7,
    appKey: connection.appKey,
    appSecret: connection.appSecret,
    session: connection.session,
    mode: 'demo',
    clock: 'realtime',
    startTime,
    historyDays: 2,
    tradesPerHour: 12,
    sellerNick: connection.sellerNick ?? DEMO_SHOP_NAME,
    catalog: await demoCatalog(ctx),
    log: () => {},
  })
  if (Date.now() > simulator.clock.now()) simulator.clock.set(Date.now())
  return {
    shopId: shop.id,
    simulator,
    /** points the demo shop at this server's simulator once the port is known */
    async bind(port: number) {
      // the built-in simulator is always an allowed gateway, at the port this server listens on
      ctx.connections.gateways.allowBuiltIn(`http://127.0.0.1:${port}${DEMO_SIMULATOR_PATH}/`)
      const current = await ctx.connections.get(shop.id)
      await ctx.connections.save(shop.id, {
        appKey: current.appKey,
        appSecret: current.appSecret,
        session: current.session,
        refreshToken: current.refreshToken,
        gatewayUrl: `http://127.0.0.1:${port}${DEMO_SIMULATOR_PATH}/router/rest`,
        scheduleMinutes: current.scheduleMinutes,
        tmcEnabled: current.tmcEnabled,
        sellerNick: current.sellerNick,
      })
    },
  }
}

async function demoStartTime(ctx: AppContext): Promise<number> {
  const row = await ctx.db.knex('zg_settings').where({ key: 'demo_simulator_start' }).first('value')
  if (row) return Number(row.value)
  const start = Date.now()
  await ctx.db.knex('zg_settings').insert({ key: 'demo_simulator_start', value: String(start) })
  return start
}

/** The ERP's products and SKUs, as the items the demo shop lists on Taobao. */
async function demoCatalog(ctx: AppContext) {
  const products = (await ctx.records.list('products', { limit: 500, total: false })).data
  const skus = (await ctx.records.list('skus', { limit: 500, total: false })).data
  return {
    items: products
      .map((product) => ({
        title: String(product.name),
        outerId: String(product.code ?? product.id),
        price: String(skus.find((s) => idOf(s.product) === product.id)?.sale_price ?? '10.00'),
        skus: skus
          .filter((s) => idOf(s.product) === product.id)
          .map((s) => ({ outerId: String(s.outer_id), properties: String(s.spec ?? '').replace(/^规格:/, '颜色分类:'), price: String(s.sale_price ?? '10.00'), quantity: 100 })),
      }))
      .filter((item) => item.skus.length > 0),
  }
}
