import { threeMonthsBefore } from '../../time'
import { refundLocation, type TradePlan } from '../generator'
import type { TradeState } from '../lifecycle'
import { refundJson } from '../serialize'
import {
  businessError, defineApi, invalidArgument, listResponse, optionalBool, optionalInt, optionalString, optionalTime, pageOf,
  requiredFields, requiredId,
} from './context'

const REFUND_STATUSES = ['WAIT_SELLER_AGREE', 'WAIT_BUYER_RETURN_GOODS', 'WAIT_SELLER_CONFIRM_GOODS', 'SELLER_REFUSE_BUYER', 'CLOSED', 'SUCCESS']

interface RefundView {
  plan: TradePlan
  state: TradeState
  line: number
}

export const refundsReceiveGet = defineApi({
  method: 'taobao.refunds.receive.get',
  needsSession: true,
  validate({ params, now }) {
    const status = optionalString(params, 'status')
    if (status !== undefined && !REFUND_STATUSES.includes(status)) throw invalidArgument('status', `unknown refund status ${status}`)
    const start = optionalTime(params, 'start_modified') ?? threeMonthsBefore(now)
    const end = optionalTime(params, 'end_modified') ?? now
    if (end < start) throw invalidArgument('end_modified', 'end_modified is before start_modified')
    return {
      fields: requiredFields(params),
      status,
      start,
      end,
      pageNo: optionalInt(params, 'page_no', { min: 1, max: 100_000, fallback: 1 }),
      pageSize: optionalInt(params, 'page_size', { min: 1, max: 100, fallback: 40 }),
      useHasNext: optionalBool(params, 'use_has_next') ?? false,
    }
  },
  run({ fields, status, start, end, pageNo, pageSize, useHasNext }, call) {
    const { store, shop, queryCache } = call.ctx
    const lo = Math.floor(start / 1000) * 1000
    const hi = Math.floor(end / 1000) * 1000
    const refunds = queryCache.get(`refunds:${lo}:${hi}:${status}`, call.now, store.version, () => {
      const found: RefundView[] = []
      for (const plan of store.touchedBetween(lo, hi, call.now)) {
        if (!plan.refund) continue
        const state = store.state(plan, call.now)
        state.lines.forEach((line, i) => {
          const refund = line.refund
          if (refund && refund.modified >= lo && refund.modified <= hi && (!status || refund.status === status)) found.push({ plan, state, line: i })
        })
      }
      return found.sort((a, b) => b.state.lines[b.line].refund!.modified - a.state.lines[a.line].refund!.modified || b.plan.index - a.plan.index || b.line - a.line)
    })
    const page = pageOf(refunds, pageNo, pageSize).map(({ plan, state, line }) => refundJson(shop, plan, state, store.details(plan), line, fields))
    return listResponse('refunds', 'refund', page, { useHasNext, total: refunds.length, pageNo, pageSize })
  },
})

export const refundGet = defineApi({
  method: 'taobao.refund.get',
  needsSession: true,
  validate({ params }) {
    return { fields: requiredFields(params), refundId: requiredId(params, 'refund_id') }
  },
  run({ fields, refundId }, call) {
    const { store, shop } = call.ctx
    const missing = () => businessError('isv.refund-not-exist', `no refund ${refundId} in this shop`)
    const location = refundLocation(shop.seed, refundId)
    const plan = location ? store.plan(location.index) : undefined
    if (!location || !plan || plan.created > call.now) throw missing()
    const { line } = location
    const state = store.state(plan, call.now)
    if (!state.lines[line]?.refund) throw missing()
    return { refund: refundJson(shop, plan, state, store.details(plan), line, fields) }
  },
})
