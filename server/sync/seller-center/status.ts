/** Trade statuses as TOP names them (the platform_trades `status` options). */
export const TOP_STATUSES = [
  'TRADE_NO_CREATE_PAY',
  'WAIT_BUYER_PAY',
  'PAY_PENDING',
  'WAIT_PRE_AUTH_CONFIRM',
  'WAIT_SELLER_SEND_GOODS',
  'SELLER_CONSIGNED_PART',
  'WAIT_BUYER_CONFIRM_GOODS',
  'TRADE_BUYER_SIGNED',
  'TRADE_FINISHED',
  'TRADE_CLOSED',
  'TRADE_CLOSED_BY_TAOBAO',
  'PAID_FORBID_CONSIGN',
] as const
export type TopStatus = (typeof TOP_STATUSES)[number]

const EXACT: Record<string, TopStatus> = {
  等待买家付款: 'WAIT_BUYER_PAY',
  未创建支付宝交易: 'TRADE_NO_CREATE_PAY',
  没有创建支付宝交易: 'TRADE_NO_CREATE_PAY',
  付款确认中: 'PAY_PENDING',
  '0元购合约中': 'WAIT_PRE_AUTH_CONFIRM',
  '买家已付款,等待卖家发货': 'WAIT_SELLER_SEND_GOODS',
  等待卖家发货: 'WAIT_SELLER_SEND_GOODS',
  买家已付款: 'WAIT_SELLER_SEND_GOODS',
  卖家部分发货: 'SELLER_CONSIGNED_PART',
  '卖家已发货,等待买家确认': 'WAIT_BUYER_CONFIRM_GOODS',
  '卖家已发货,等待买家确认收货': 'WAIT_BUYER_CONFIRM_GOODS',
  等待买家确认收货: 'WAIT_BUYER_CONFIRM_GOODS',
  卖家已发货: 'WAIT_BUYER_CONFIRM_GOODS',
  买家已签收: 'TRADE_BUYER_SIGNED',
  交易成功: 'TRADE_FINISHED',
  交易完成: 'TRADE_FINISHED',
  交易关闭: 'TRADE_CLOSED',
  '付款以后用户退款成功,交易自动关闭': 'TRADE_CLOSED',
  '付款以前,卖家或买家主动关闭交易': 'TRADE_CLOSED_BY_TAOBAO',
  交易被淘宝关闭: 'TRADE_CLOSED_BY_TAOBAO',
  已付款但禁止发货: 'PAID_FORBID_CONSIGN',
}

const normalize = (text: string) => text.normalize('NFKC').replace(/\s+/g, '').replace(/[，、]/g, ',')

/**
 * The TOP status of an exported 订单状态 text, or null when it is not recognised. `paid` says
 * whether the row has a payment time: a bare 交易关闭 then tells a refunded trade (TRADE_CLOSED)
 * from one closed before payment (TRADE_CLOSED_BY_TAOBAO), which matters for paid totals.
 * Known texts are matched exactly, then variants by their wording (交易关闭(付款以前…), …); the
 * English names are accepted as they are.
 */
export function tradeStatus(text: string, paid?: boolean): TopStatus | null {
  const raw = text.trim()
  if ((TOP_STATUSES as readonly string[]).includes(raw.toUpperCase())) return raw.toUpperCase() as TopStatus
  const key = normalize(raw)
  if (!key) return null
  const closed = (explicit: TopStatus | null): TopStatus => explicit ?? (paid === false ? 'TRADE_CLOSED_BY_TAOBAO' : 'TRADE_CLOSED')
  const exact = Object.hasOwn(EXACT, key) ? EXACT[key] : undefined
  if (exact) return exact === 'TRADE_CLOSED' && key === '交易关闭' ? closed(null) : exact
  if (key.includes('关闭')) {
    if (/付款以?前|未付款|被淘宝关闭|超时/.test(key)) return 'TRADE_CLOSED_BY_TAOBAO'
    if (/付款以?后|退款/.test(key)) return 'TRADE_CLOSED'
    return closed(null)
  }
  if (key.includes('交易成功') || key.includes('交易完成')) return 'TRADE_FINISHED'
  if (key.includes('禁止发货')) return 'PAID_FORBID_CONSIGN'
  if (key.includes('部分发货')) return 'SELLER_CONSIGNED_PART'
  if (key.includes('已签收')) return 'TRADE_BUYER_SIGNED'
  if (key.includes('等待卖家发货') || key.includes('待发货')) return 'WAIT_SELLER_SEND_GOODS'
  if (key.includes('已发货') || key.includes('等待买家确认') || key.includes('待收货')) return 'WAIT_BUYER_CONFIRM_GOODS'
  if (key.includes('等待买家付款') || key.includes('待付款')) return 'WAIT_BUYER_PAY'
  return null
}

const REFUND_STATUSES = new Set(['NO_REFUND', 'WAIT_SELLER_AGREE', 'WAIT_BUYER_RETURN_GOODS', 'WAIT_SELLER_CONFIRM_GOODS', 'SELLER_REFUSE_BUYER', 'CLOSED', 'SUCCESS'])

const REFUNDS: [RegExp, string][] = [
  [/^(没有申请退款|无退款|无|未申请|-)$/, 'NO_REFUND'],
  [/退款成功|已退款/, 'SUCCESS'],
  [/退款关闭|取消退款|退款已关闭/, 'CLOSED'],
  [/拒绝/, 'SELLER_REFUSE_BUYER'],
  [/等待买家退货/, 'WAIT_BUYER_RETURN_GOODS'],
  [/买家已退货|等待卖家确认收货/, 'WAIT_SELLER_CONFIRM_GOODS'],
  [/申请退款|等待卖家同意|退款中/, 'WAIT_SELLER_AGREE'],
]

/** The TOP refund status of an exported 退款状态 text, or null when it is not recognised. */
export function refundStatus(text: string): string | null {
  const key = normalize(text)
  if (REFUND_STATUSES.has(text.trim().toUpperCase())) return text.trim().toUpperCase()
  for (const [pattern, status] of REFUNDS) if (pattern.test(key)) return status
  return null
}
