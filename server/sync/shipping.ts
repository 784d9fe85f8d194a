import type { AppContext } from '../context'
import { idOf, linesOf } from '../erp/util'
import type { ApiRecord } from '../records/types'
import { TopError, type TaobaoApi, type TopOrder } from '../taobao'
import { apiFor } from './client-factory'
import { SYNC_ACTOR } from '../audit/actors'

const MAX_ATTEMPTS = 5
/** Failures that may have reached Taobao: the trade is read again before anything is resent. */
const UNCERTAIN = new Set(['timeout', 'network', 'isp', 'unavailable'])
const SHIPPED = new Set(['WAIT_BUYER_CONFIRM_GOODS', 'TRADE_BUYER_SIGNED', 'TRADE_FINISHED'])
/** Refusals that say the trade (or sub-order) is shipped already. */
const ALREADY_SHIPPED = /ALREADY_CONSIGNED|已发货|已经发货/i
/** A send claimed longer ago than this, and not finished, was left by a worker that died. */
const STALE_CLAIM_MS = 5 * 60_000

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
  await ctx.records.as(SYNC_ACTOR).updateFields(null, 'orders', order.id, { platform_ship_status: queued ? 'pending' : 'not_needed', platform_ship_error: null })
  return queued
}

/**
 * Sends what is pending (also retries after uncertain failures). The after-commit hook, the
 * scheduler's tick and other processes may all run this at once: each send is claimed first
 * (pending → sending in one conditional update), and only the worker whose claim took sends it.
 * A claim older than STALE_CLAIM_MS belongs to a worker that died mid-send: it is taken over,
 * and Taobao is asked whether the trade shipped before anything is sent again.
 */
export async function processShipments(ctx: AppContext, options: { orderId?: number } = {}): Promise<{ sent: number; failed: number }> {
  const knex = ctx.db.knex
  const query = knex('zg_logistics_sends')
    .where((q) => q.where({ status: 'pending' }).orWhere((stale) => stale.where({ status: 'sending' }).where('claimed_at', '<', Date.now() - STALE_CLAIM_MS)))
    .orderBy('id')
    .limit(200)
  if (options.orderId) query.where({ order_id: options.orderId })
  const candidates = await query
  const result = { sent: 0, failed: 0 }
  const apis = new Map<number, TaobaoApi>()
  for (const send of candidates) {
    let api = apis.get(send.shop_id)
    if (!api) {
      api = apiFor(await ctx.connections.get(Number(send.shop_id)), ctx.connections).api
      apis.set(Number(send.shop_id), api)
    }
    const claimedAt = Date.now()
    const claim = knex('zg_logistics_sends').where({ id: send.id, status: send.status })
    if (send.status === 'sending') claim.where({ claimed_at: send.claimed_at })
    if ((await claim.update({ status: 'sending', claimed_at: claimedAt, updated_at: claimedAt })) !== 1) continue
    const outcome = send.status === 'sending' ? await takeOver(ctx, api, send) : await sendOne(ctx, api, send)
    const attempts = Number(send.attempts) + 1
    const status = outcome.ok ? 'sent' : outcome.retry && attempts < MAX_ATTEMPTS ? 'pending' : 'failed'
    await knex('zg_logistics_sends')
      .where({ id: send.id, status: 'sending', claimed_at: claimedAt })
      .update({ status, attempts, error: outcome.ok ? null : outcome.message, updated_at: Date.now() })
    if (status === 'sent') result.sent++
    if (status === 'failed') result.failed++
    await reflectOnOrder(ctx, Number(send.order_id))
  }
  return result
}

type Outcome = { ok: true } | { ok: false; retry: boolean; message: string }

async function sendOne(ctx: AppContext, api: TaobaoApi, send: Record<string, any>): Promise<Outcome> {
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
    if (!(error instanceof TopError)) return { ok: false, retry: false, message }
    const uncertain = UNCERTAIN.has(error.kind)
    // "Already shipped" may be our own send (an earlier attempt that timed out, another worker).
    const alreadyShipped = ALREADY_SHIPPED.test(`${error.subCode ?? ''} ${error.subMsg ?? ''}`)
    if (!uncertain && !alreadyShipped) return { ok: false, retry: false, message }
    const shown = await shippedOnTaobao(ctx, api, send).catch(() => null)
    if (shown?.state === 'ours') return { ok: true }
    if (shown?.state === 'other') return { ok: false, retry: false, message: `${message}（${shown.detail}）` }
    // not confirmed either way: try again later (a resend that is refused is checked the same way)
    return { ok: false, retry: uncertain || shown === null, message }
  }
}

/** A send whose worker died mid-way: sent only if Taobao does not show it shipped already. */
async function takeOver(ctx: AppContext, api: TaobaoApi, send: Record<string, any>): Promise<Outcome> {
  let shown: Awaited<ReturnType<typeof shippedOnTaobao>>
  try {
    shown = await shippedOnTaobao(ctx, api, send)
  } catch (error) {
    return { ok: false, retry: true, message: `发货状态未知，读取淘宝交易失败：${error instanceof Error ? error.message : String(error)}` }
  }
  if (shown.state === 'ours') return { ok: true }
  if (shown.state === 'other') return { ok: false, retry: false, message: shown.detail }
  return sendOne(ctx, api, send)
}

/**
 * How Taobao shows the send's trade (or its sub-orders): shipped with this send's waybill and
 * company, shipped otherwise, or not shipped. Lines that name no waybill at all cannot be told
 * apart and count as ours once the trade shows shipped.
 */
async function shippedOnTaobao(ctx: AppContext, api: TaobaoApi, send: Record<string, any>): Promise<{ state: 'ours' | 'other' | 'no'; detail: string }> {
  const trade = await api.tradeFullinfoGet(String(send.tid))
  const oids = send.sub_tids ? String(send.sub_tids).split(',') : null
  const lines = (trade.orders ?? []).filter((o) => !oids || oids.includes(String(o.oid)))
  const sameCompany = await companyMatcher(ctx, String(send.company_code))
  const ours = (o: TopOrder) => String(o.invoice_no ?? '') === String(send.out_sid) && (!o.logistics_company || sameCompany(String(o.logistics_company)))
  const shipped = (o: TopOrder) => Boolean(o.consign_time) || SHIPPED.has(String(o.status))
  const others = lines.filter((o) => shipped(o) && o.invoice_no && !ours(o))
  if (others.length) return { state: 'other', detail: `淘宝上已用 ${others[0].logistics_company ?? ''} ${others[0].invoice_no} 发货`.replace(/\s+/g, ' ') }
  const done = oids ? lines.length > 0 && lines.every((o) => ours(o) || (shipped(o) && !o.invoice_no)) : SHIPPED.has(String(trade.status)) && (lines.some(ours) || lines.every((o) => !o.invoice_no))
  return { state: done ? 'ours' : 'no', detail: '' }
}

/** Whether a company name from Taobao is the send's company: its code, or (about) the name of an ERP courier with that code. */
async function companyMatcher(ctx: AppContext, code: string): Promise<(name: string) => boolean> {
  const couriers = await ctx.records.list('couriers', { filter: { field: 'code', op: 'eq', value: code }, limit: 50, total: false })
  const names = couriers.data.map((c) => String(c.name ?? '')).filter(Boolean)
  // "中通" and "中通快递" are the same company.
  return (name) => name.toUpperCase() === code.toUpperCase() || names.some((known) => known.includes(name) || name.includes(known))
}

/** The order shows the state of its sends: all sent, any failed (with why), or still sending. */
async function reflectOnOrder(ctx: AppContext, orderId: number) {
  const sends = await ctx.db.knex('zg_logistics_sends').where({ order_id: orderId }).orderBy('id', 'desc')
  const latest = new Map<string, Record<string, any>>()
  for (const send of sends) if (!latest.has(`${send.tid}|${send.sub_tids ?? ''}`)) latest.set(`${send.tid}|${send.sub_tids ?? ''}`, send)
  const states = [...latest.values()]
  const failed = states.find((s) => s.status === 'failed')
  const status = failed ? 'failed' : states.every((s) => s.status === 'sent') ? 'sent' : 'pending'
  await ctx.records.as(SYNC_ACTOR).updateFields(null, 'orders', orderId, { platform_ship_status: status, platform_ship_error: failed ? `${failed.tid}: ${failed.error}` : null })
}
