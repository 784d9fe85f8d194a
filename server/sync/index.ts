import { logEvent } from '../audit/events'
import type { AppContext } from '../context'
import { idOf } from '../erp/util'
import { processShipments, queueShipment } from './shipping'
import { StockUploader } from './stock-upload'

/**
 * The Taobao side of ERP actions: shipping an order writes the waybill back to Taobao after the
 * commit (never inside the ship transaction: a slow gateway must not hold stock locks).
 */
export function registerSync(ctx: AppContext): void {
  ctx.stock = new StockUploader(ctx)
  // A deleted shop takes its sealed credentials with it, in the delete's own transaction: nothing
  // is left to sync (the scheduler syncs connections) and no key outlives its shop.
  ctx.hooks.on(
    'beforeCommit',
    'shops',
    async (event) => {
      for (const { id } of event.records) {
        if (await ctx.connections.delete(id, event.trx)) await logEvent(event.trx, { subject: '$shops', targetId: id, action: 'shop_unbind', actor: event.actor, details: { reason: 'shop_deleted' } })
      }
    },
    { actions: ['delete'] },
  )
  // Stock changes (postings update balances) reach the shops a moment later, together.
  ctx.hooks.on('afterCommit', 'stock_balances', (event) => {
    const skus = event.records.map((r) => idOf(r.after?.sku ?? r.before?.sku)).filter((id): id is number => id !== null)
    if (skus.length) ctx.stock!.touch(skus)
  })
  ctx.actions.register('orders.resend_shipment', async ({ trx, record, system, form }) => {
    const requeued = await trx('zg_logistics_sends').where({ order_id: record.id, status: 'failed' }).update({ status: 'pending', attempts: 0, updated_at: Date.now() })
    await system.updateFields(trx, form, record, { platform_ship_status: 'pending', platform_ship_error: null })
    return { requeued }
  })
  ctx.hooks.on(
    'afterCommit',
    'orders',
    (event) => {
      const orders = event.records.map((r) => r.after).filter((r): r is NonNullable<typeof r> => Boolean(r))
      setImmediate(async () => {
        for (const order of orders) {
          try {
            if (event.action === 'ship') await queueShipment(ctx, order)
            await processShipments(ctx, { orderId: idOf(order.id)! })
          } catch (error) {
            console.error(`[zhanggui] shipping write-back of order ${order.no}:`, error instanceof Error ? error.message : error)
          }
        }
      })
    },
    // only shipping concerns the shop: batch creates and updates of orders need not load them for this
    { actions: ['ship', 'resend_shipment'] },
  )
}

export { processShipments }
