import { finishTimeAfterShip, type TradePlan } from './generator'

export type TradeStatus =
  | 'WAIT_BUYER_PAY'
  | 'TRADE_CLOSED_BY_TAOBAO'
  | 'WAIT_SELLER_SEND_GOODS'
  | 'SELLER_CONSIGNED_PART'
  | 'WAIT_BUYER_CONFIRM_GOODS'
  | 'TRADE_FINISHED'
  | 'TRADE_CLOSED'

export type RefundStatus = 'WAIT_SELLER_AGREE' | 'SUCCESS' | 'CLOSED'

export type EventKind =
  | 'create'
  | 'pay'
  | 'close_unpaid'
  | 'address'
  | 'memo'
  | 'refund_request'
  | 'seller_ship'
  | 'refund_resolve'
  | 'finish'
  | 'api_ship'
  | 'api_finish'

export interface Shipment {
  at: number
  byApi: boolean
  companyCode?: string
  outSid?: string
}

export interface TradeEvent {
  at: number
  kind: EventKind
  /** api_ship: the lines shipped and the waybill */
  lines?: number[]
  companyCode?: string
  outSid?: string
}

export interface RefundState {
  line: number
  created: number
  modified: number
  status: RefundStatus
  /** goods had left when the buyer asked: a return refund */
  afterShipment: boolean
  tradeStatusAtRequest: TradeStatus
}

export interface LineState {
  shipped: Shipment | null
  /** refunded in full: the line's status is TRADE_CLOSED */
  closed: boolean
  refund: RefundState | null
}

/** What happened, for TMC messages. */
export interface AppliedEvent {
  at: number
  kind: EventKind
  /** refund events: the lines concerned */
  lines?: number[]
  /** api_ship that left lines unshipped */
  partial?: boolean
  /** a refund closed the whole trade */
  tradeClosed?: boolean
  /** the trade's status right after the event */
  status?: TradeStatus
}

export interface TradeState {
  status: TradeStatus
  modified: number
  payTime: number | null
  consignTime: number | null
  endTime: number | null
  memoSet: boolean
  addressChanged: boolean
  shippedBy: 'seller' | 'api' | null
  lines: LineState[]
  applied: AppliedEvent[]
}

const PAID_OPEN: readonly TradeStatus[] = ['WAIT_SELLER_SEND_GOODS', 'SELLER_CONSIGNED_PART', 'WAIT_BUYER_CONFIRM_GOODS']
export const SHIPPABLE: readonly TradeStatus[] = ['WAIT_SELLER_SEND_GOODS', 'SELLER_CONSIGNED_PART']

export function staticEvents(plan: TradePlan): TradeEvent[] {
  const events: TradeEvent[] = [{ at: plan.created, kind: 'create' }]
  if (plan.payAt !== null) events.push({ at: plan.payAt, kind: 'pay' })
  if (plan.closeAt !== null) events.push({ at: plan.closeAt, kind: 'close_unpaid' })
  if (plan.addressChangeAt !== null) events.push({ at: plan.addressChangeAt, kind: 'address' })
  if (plan.memoAt !== null) events.push({ at: plan.memoAt, kind: 'memo' })
  if (plan.refund) {
    events.push({ at: plan.refund.requestAt, kind: 'refund_request' })
    events.push({ at: plan.refund.resolveAt, kind: 'refund_resolve' })
  }
  if (plan.sellerShipAt !== null) {
    events.push({ at: plan.sellerShipAt, kind: 'seller_ship' })
    events.push({ at: finishTimeAfterShip(plan, plan.sellerShipAt), kind: 'finish' })
  }
  return events.sort((a, b) => a.at - b.at || KIND_ORDER[a.kind] - KIND_ORDER[b.kind])
}

const KIND_ORDER: Record<EventKind, number> = {
  create: 0, pay: 1, close_unpaid: 2, address: 3, memo: 4, refund_request: 5, seller_ship: 6, refund_resolve: 7, finish: 8, api_ship: 9, api_finish: 10,
}

/** Static events first on equal times: API calls happen "after" what the clock already reached. */
function* mergeEvents(a: readonly TradeEvent[], b: readonly TradeEvent[]): Generator<TradeEvent> {
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i].at <= b[j].at)) yield a[i++]
    else yield b[j++]
  }
}

const openLines = (state: TradeState) => state.lines.filter((line) => !line.closed)
const allOpenShipped = (state: TradeState) => openLines(state).every((line) => line.shipped)

/** The trade as it stands at `at`: the plan's events plus the ERP's API calls, in time order. */
export function foldTrade(plan: TradePlan, dynamic: readonly TradeEvent[] | undefined, at: number): TradeState {
  const state: TradeState = {
    status: 'WAIT_BUYER_PAY',
    modified: plan.created,
    payTime: null,
    consignTime: null,
    endTime: null,
    memoSet: false,
    addressChanged: false,
    shippedBy: null,
    lines: Array.from({ length: plan.lineCount }, () => ({ shipped: null, closed: false, refund: null })),
    applied: [],
  }
  for (const event of mergeEvents(staticEvents(plan), dynamic ?? [])) {
    if (event.at > at) break
    const applied = applyEvent(state, plan, event)
    if (applied) {
      state.modified = event.at
      applied.status = state.status
      state.applied.push(applied)
    }
  }
  return state
}

function applyEvent(state: TradeState, plan: TradePlan, event: TradeEvent): AppliedEvent | null {
  const { at, kind } = event
  switch (kind) {
    case 'create':
      return { at, kind }
    case 'pay':
      if (state.status !== 'WAIT_BUYER_PAY') return null
      state.status = 'WAIT_SELLER_SEND_GOODS'
      state.payTime = at
      return { at, kind }
    case 'close_unpaid':
      if (state.status !== 'WAIT_BUYER_PAY') return null
      state.status = 'TRADE_CLOSED_BY_TAOBAO'
      state.endTime = at
      return { at, kind }
    case 'address':
      if (state.status !== 'WAIT_BUYER_PAY' && state.status !== 'WAIT_SELLER_SEND_GOODS') return null
      state.addressChanged = true
      return { at, kind }
    case 'memo':
      state.memoSet = true
      return { at, kind }
    case 'refund_request': {
      const refund = plan.refund!
      if (!PAID_OPEN.includes(state.status)) return null
      const lines = (refund.full ? state.lines.map((_, i) => i) : [refund.line]).filter((i) => !state.lines[i].closed && !state.lines[i].refund)
      if (!lines.length) return null
      for (const i of lines) {
        state.lines[i].refund = {
          line: i,
          created: at,
          modified: at,
          status: 'WAIT_SELLER_AGREE',
          afterShipment: !!state.lines[i].shipped,
          tradeStatusAtRequest: state.status,
        }
      }
      return { at, kind, lines }
    }
    case 'refund_resolve': {
      const refund = plan.refund!
      const lines = state.lines.flatMap((line, i) => (line.refund?.status === 'WAIT_SELLER_AGREE' ? [i] : []))
      if (!lines.length) return null
      for (const i of lines) {
        const line = state.lines[i]
        line.refund!.status = refund.success ? 'SUCCESS' : 'CLOSED'
        line.refund!.modified = at
        if (refund.success) line.closed = true
      }
      let tradeClosed = false
      if (openLines(state).length === 0) {
        state.status = 'TRADE_CLOSED'
        state.endTime = at
        tradeClosed = true
      } else if (state.status === 'SELLER_CONSIGNED_PART' && allOpenShipped(state)) {
        state.status = 'WAIT_BUYER_CONFIRM_GOODS'
      }
      return { at, kind, lines, tradeClosed }
    }
    case 'seller_ship':
      if (state.shippedBy || state.status !== 'WAIT_SELLER_SEND_GOODS') return null
      for (const line of openLines(state)) line.shipped = { at, byApi: false }
      state.status = 'WAIT_BUYER_CONFIRM_GOODS'
      state.consignTime = at
      state.shippedBy = 'seller'
      return { at, kind }
    case 'finish':
    case 'api_finish':
      if (state.status !== 'WAIT_BUYER_CONFIRM_GOODS' || state.shippedBy !== (kind === 'finish' ? 'seller' : 'api')) return null
      state.status = 'TRADE_FINISHED'
      state.endTime = at
      return { at, kind }
    case 'api_ship': {
      if (!SHIPPABLE.includes(state.status)) return null
      const lines = (event.lines ?? []).filter((i) => !state.lines[i].closed && !state.lines[i].shipped)
      if (!lines.length) return null
      for (const i of lines) state.lines[i].shipped = { at, byApi: true, companyCode: event.companyCode, outSid: event.outSid }
      state.shippedBy = 'api'
      state.consignTime = at
      const partial = !allOpenShipped(state)
      state.status = partial ? 'SELLER_CONSIGNED_PART' : 'WAIT_BUYER_CONFIRM_GOODS'
      return { at, kind, partial }
    }
  }
}
