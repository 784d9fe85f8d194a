import { threeMonthsBefore } from '../../time'
import type { TradePlan } from '../generator'
import type { TradeState } from '../lifecycle'
import { tradeJson, type FieldSelection } from '../serialize'
import {
  businessError, defineApi, invalidArgument, listResponse, optionalBool, optionalInt, optionalString, optionalTime, pageOf,
  requiredFields, requiredId, requiredTime, type ApiCall, type RequestParams,
} from './context'

const DAY = 86_400_000

const STATUS_GROUPS: Record<string, readonly string[]> = {
  WAIT_BUYER_PAY: ['WAIT_BUYER_PAY'],
  TRADE_NO_CREATE_PAY: ['TRADE_NO_CREATE_PAY'],
  WAIT_SELLER_SEND_GOODS: ['WAIT_SELLER_SEND_GOODS'],
  SELLER_CONSIGNED_PART: ['SELLER_CONSIGNED_PART'],
  WAIT_BUYER_CONFIRM_GOODS: ['WAIT_BUYER_CONFIRM_GOODS'],
  TRADE_BUYER_SIGNED: ['TRADE_BUYER_SIGNED'],
  TRADE_FINISHED: ['TRADE_FINISHED'],
  TRADE_CLOSED: ['TRADE_CLOSED'],
  TRADE_CLOSED_BY_TAOBAO: ['TRADE_CLOSED_BY_TAOBAO'],
  PAY_PENDING: ['PAY_PENDING'],
  WAIT_PRE_AUTH_CONFIRM: ['WAIT_PRE_AUTH_CONFIRM'],
  PAID_FORBID_CONSIGN: ['PAID_FORBID_CONSIGN'],
  ALL_WAIT_PAY: ['WAIT_BUYER_PAY', 'TRADE_NO_CREATE_PAY'],
  ALL_CLOSED: ['TRADE_CLOSED', 'TRADE_CLOSED_BY_TAOBAO'],
}

/** The default `type` covers guarantee_trade (= fixed + auction), auto_delivery, ec, cod, step. */
const DEFAULT_TYPES = ['guarantee_trade', 'auto_delivery', 'ec', 'cod', 'step']

interface TradeFilter {
  statuses: readonly string[] | null
  /** the simulator's trades are all `fixed`: does the type list include them? */
  typeMatches: boolean
  buyerNick: string | undefined
}

function readFilter(params: RequestParams): TradeFilter {
  const status = optionalString(params, 'status')
  if (status !== undefined && !Object.hasOwn(STATUS_GROUPS, status)) throw invalidArgument('status', `unknown trade status ${status}`)
  const types = (optionalString(params, 'type') ?? DEFAULT_TYPES.join(',')).split(',').map((t) => t.trim())
  return {
    statuses: status ? STATUS_GROUPS[status] : null,
    typeMatches: types.includes('fixed') || types.includes('guarantee_trade'),
    buyerNick: optionalString(params, 'buyer_nick'),
  }
}

function readPaging(params: RequestParams) {
  return {
    pageNo: optionalInt(params, 'page_no', { min: 1, max: 100_000, fallback: 1 }),
    pageSize: optionalInt(params, 'page_size', { min: 1, max: 100, fallback: 40 }),
    useHasNext: optionalBool(params, 'use_has_next') ?? false,
  }
}

const filterKey = (filter: TradeFilter) => `${filter.statuses?.join('+')}|${filter.typeMatches}|${filter.buyerNick}`

function matches(call: ApiCall, filter: TradeFilter, plan: TradePlan, state: () => TradeState): boolean {
  if (!filter.typeMatches) return false
  if (filter.buyerNick && call.ctx.store.details(plan).buyerNick !== filter.buyerNick) return false
  return !filter.statuses || filter.statuses.includes(state().status)
}

function tradesPage(call: ApiCall, views: { plan: TradePlan; state?: TradeState }[], fields: FieldSelection, paging: ReturnType<typeof readPaging>) {
  const { store, shop } = call.ctx
  const page = pageOf(views, paging.pageNo, paging.pageSize).map(({ plan, state }) =>
    tradeJson(shop, plan, state ?? store.state(plan, call.now), store.details(plan), fields, 'list'),
  )
  return listResponse('trades', 'trade', page, { ...paging, total: views.length })
}

export const tradesSoldGet = defineApi({
  method: 'taobao.trades.sold.get',
  needsSession: true,
  validate({ params, now }) {
    const fields = requiredFields(params)
    const oldest = threeMonthsBefore(now)
    const start = optionalTime(params, 'start_created') ?? Math.ceil(oldest / 1000) * 1000
    const end = optionalTime(params, 'end_created') ?? Math.floor(now / 1000) * 1000
    if (start < oldest) throw invalidArgument('start_created', 'start_created must be within the last three months')
    if (end < start) throw invalidArgument('end_created', 'end_created is before start_created')
    return { fields, start, end, filter: readFilter(params), paging: readPaging(params) }
  },
  run({ fields, start, end, filter, paging }, call) {
    const { store, queryCache } = call.ctx
    const views = queryCache.get(`sold:${start}:${end}:${filterKey(filter)}`, call.now, store.version, () => {
      const newestFirst = store.createdBetween(start, end, call.now).reverse()
      const unfiltered = filter.typeMatches && !filter.statuses && !filter.buyerNick
      return newestFirst.flatMap((plan) => {
        if (unfiltered) return [{ plan }]
        let state: TradeState | undefined
        const stateOf = () => (state ??= store.state(plan, call.now))
        return matches(call, filter, plan, stateOf) ? [{ plan, state }] : []
      })
    })
    return tradesPage(call, views, fields, paging)
  },
})

export const tradesSoldIncrementGet = defineApi({
  method: 'taobao.trades.sold.increment.get',
  needsSession: true,
  validate({ params }) {
    const fields = requiredFields(params)
    const start = requiredTime(params, 'start_modified')
    const end = requiredTime(params, 'end_modified')
    if (end < start) throw invalidArgument('end_modified', 'end_modified is before start_modified')
    if (end - start > DAY) throw invalidArgument('end_modified', 'end_modified - start_modified must not exceed one day')
    return { fields, start, end, filter: readFilter(params), paging: readPaging(params) }
  },
  run({ fields, start, end, filter, paging }, call) {
    const { store, queryCache } = call.ctx
    const views = queryCache.get(`increment:${start}:${end}:${filterKey(filter)}`, call.now, store.version, () =>
      store
        .modifiedBetween(start, end, call.now)
        .filter(({ plan, state }) => matches(call, filter, plan, () => state))
        .sort((a, b) => b.state.modified - a.state.modified || b.plan.index - a.plan.index),
    )
    return tradesPage(call, views, fields, paging)
  },
})

export const tradeFullinfoGet = defineApi({
  method: 'taobao.trade.fullinfo.get',
  needsSession: true,
  validate({ params }) {
    return { fields: requiredFields(params), tid: requiredId(params, 'tid') }
  },
  run({ fields, tid }, call) {
    const { store, shop } = call.ctx
    const plan = store.findByTid(tid)
    if (!plan || plan.created > call.now) throw businessError('isv.trade-not-exist', `no trade ${tid} in this shop`)
    return { trade: tradeJson(shop, plan, store.state(plan, call.now), store.details(plan), fields, 'full') }
  },
})
