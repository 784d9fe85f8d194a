import type { AppContext } from '../context'
import { idOf, linesOf } from '../erp/util'
import type { ApiRecord } from '../records/types'
import { TopError, type TaobaoApi } from '../taobao'
import { apiFor } from './client-factory'

const MAX_ATTEMPTS = 5
/** Failures that may have reached Taobao: the trade is read again before anything is resent. */
const UNCERTAIN = new Set(['timeout', 'network', 'isp', 'unavailable'])
const SHIPPED = new Set(['WAIT_BUYER_CONFIRM_GOODS', 'TRADE_BUYER_SIGNED', 'TRADE_FINISHED'])

/**
 * Shipping write-back: when an ERP order ships, each of its platform trades is told (courier code
 * and waybill number) with logistics.offline.send — split shipments name the sub-orders (oids) the
 * order holds. Sends are queued in zg_logistics_sends and worked off after the commit; a failure
 * is visible on the order (回传失败, with the reason) and can be retried.
 */
export async function queueShipment(ctx: AppContext, order: ApiRecord): Promise<number> {
  const courier = idOf(order.courier)
  const companyCode = courier ? String((await ctx.records.get('couriers', courier)).code ?? '') : ''
  const byTrade = new Map<number, string[]>()
  for (const line of linesOf(order)) {
    const trade = idOf(line.trade)
    if (trade) byTrade.set(trade, [...(byTrade.get(trade) ?? []), String(line.trade_oid ?? '')].filter(Boolean))
  }
  let queued = 0
  for (const [tradeId, oids] of byTrade) {
    const trade = await ctx.records.get('platform_trades', tradeId)
    const shopId = idOf(trade.shop)!
    if (trade.source === 'manual' || !(await ctx.connections.view(shopId))) continue
    // Part of a trade (after a split) ships as a split shipment of those sub-orders.
    const isSplit = oids.length > 0 && oids.length < linesOf(trade).length
    const now = Date.now()
    await ctx.db.knex('zg_logistics_sends').insert({
      shop_id: shopId,
      order_id: order.id,
      tid: String(trade.tid),
      sub_tids: isSplit ? oids.join(',') : null,
      company_code: companyCode,
      out_sid: String(order.waybill_no ?? ''),
      status: 'pending',
      created_at: now,
      updated_at: now,
    })
    queued++
  }
  await ctx.records.updateFields(null, 'orders', order.id, { platform_ship_status: queued ? 'pending' : 'not_needed', platform_ship_error: null })
  return queued
}

/** Sends what is pending (also retries after uncertain failures). */
export async function processShipments(ctx: AppContext, options: { orderId?: number } = {}): Promise<{ sent: number; failed: number }> {
  const query = ctx.db.knex('zg_logistics_sends').where({ status: 'pending' }).orderBy('id').limit(200)
  if (options.orderId) query.where({ order_id: options.orderId })
  const pending = await query
  const result = { sent: 0, failed: 0 }
  const apis = new Map<number, TaobaoApi>()
  for (const send of pending) {
    let api = apis.get(send.shop_id)
    if (!api) {
      api = apiFor(await ctx.connections.get(Number(send.shop_id)), ctx.connections).api
      apis.set(Number(send.shop_id), api)
    }
    const outcome = await sendOne(api, send)
    const attempts = Number(send.attempts) + 1
    const status = outcome.ok ? 'sent' : outcome.retry && attempts < MAX_ATTEMPTS ? 'pending' : 'failed'
    await ctx.db.knex('zg_logistics_sends').where({ id: send.id }).update({ status, attempts, error: outcome.ok ? null : outcome.message, updated_at: Date.now() })
    if (status === 'sent') result.sent++
    if (status === 'failed') result.failed++
    await reflectOnOrder(ctx, Number(send.order_id))
  }
  return result
}

async function sendOne(api: TaobaoApi, send: Record<string, any>): Promise<{ ok: true } | { ok: false; retry: boolean; message: string }> {
  try {
    await api.logisticsOfflineSend({
      tid: send.tid,
      outSid: send.out_sid,
      companyCode: send.company_code,
      ...(send.sub_tids ? { isSplit: true, subTids: String(send.sub_tids).split(',') } : {}),
    })
    return { ok: true }
  } catch (error) {
    const message = error instanceof TopError ? `${error.code ?? ''} ${error.subCode ?? ''} ${error.subMsg ?? error.msg ?? ''}`.trim() : String(error)
    if (!(error instanceof TopError) || !UNCERTAIN.has(error.kind)) return { ok: false, retry: false, message }
    // The send may have arrived: read the trade before sending again.
    try {
      const trade = await api.tradeFullinfoGet(String(send.tid))
      const oids = send.sub_tids ? String(send.sub_tids).split(',') : null
      const shipped = oids
        ? (trade.orders ?? []).filter((o) => oids.includes(String(o.oid))).every((o) => Boolean(o.consign_time) || SHIPPED.has(String(o.status)))
        : SHIPPED.has(String(trade.status))
      if (shipped) return { ok: true }
    } catch {
      // still unknown: try again later
    }
    return { ok: false, retry: true, message }
  }
}

/** The order shows the state of its sends: all sent, any failed (with why), or still sending. */
async function reflectOnOrder(ctx: AppContext, orderId: number) {
  const sends = await ctx.db.knex('zg_logistics_sends').where({ order_id: orderId }).orderBy('id', 'desc')
  const latest = new Map<string, Record<string, any>>()
  for (const send of sends) if (!latest.has(`${send.tid}|${send.sub_tids ?? ''}`)) latest.set(`${send.tid}|${send.sub_tids ?? ''}`, send)
  const states = [...latest.values()]
  const failed = states.find((s) => s.status === 'failed')
  const status = failed ? 'failed' : states.every((s) => s.status === 'sent') ? 'sent' : 'pending'
  await ctx.records.updateFields(null, 'orders', orderId, { platform_ship_status: status, platform_ship_error: failed ? `${failed.tid}: ${failed.error}` : null })
}
