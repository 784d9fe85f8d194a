/**
 * Column names of the seller center's 订单报表 and 宝贝报表 → the fields they feed. Each field
 * lists the names it has had over the years, preferred first; headers are compared trimmed, with
 * inner spaces removed and full-width forms folded (NFKC), so `订单编号 ` and `商家编码（SKU）` match.
 */
export const ORDER_COLUMNS = {
  tid: ['订单编号', '订单号', '主订单编号', '淘宝订单编号'],
  buyer_nick: ['买家会员名', '买家昵称', '买家会员'],
  total_fee: ['买家应付货款', '应付货款', '商品总价', '宝贝总价', '商品金额'],
  post_fee: ['买家应付邮费', '应付邮费', '邮费', '运费'],
  payment: ['买家实际支付金额', '实付金额', '买家实付金额', '实际支付金额', '买家实付款', '实付款'],
  status: ['订单状态', '交易状态'],
  buyer_message: ['买家留言', '买家备注'],
  receiver_name: ['收货人姓名', '收货人', '收件人', '收件人姓名'],
  address: ['收货地址', '收货人地址', '收件地址', '收货详细地址'],
  receiver_state: ['收货人省份', '收货省份', '省份', '省'],
  receiver_city: ['收货人城市', '收货城市', '城市', '市'],
  receiver_district: ['收货人区县', '收货区县', '区县', '区'],
  receiver_town: ['收货人街道', '街道'],
  receiver_address: ['详细地址', '收货人详细地址'],
  receiver_zip: ['邮编', '邮政编码'],
  shipping: ['运送方式', '物流方式', '配送方式'],
  receiver_phone: ['联系电话', '收货人电话', '固定电话'],
  receiver_mobile: ['联系手机', '收货人手机', '收货人手机号', '手机', '手机号'],
  created: ['订单创建时间', '创建时间', '下单时间', '拍下时间'],
  pay_time: ['订单付款时间', '付款时间', '支付时间'],
  consign_time: ['发货时间', '卖家发货时间'],
  end_time: ['确认收货时间', '交易成功时间', '交易结束时间'],
  title: ['宝贝标题', '商品标题'],
  kinds: ['宝贝种类', '商品种类'],
  seller_memo: ['订单备注', '卖家备注', '商家备注'],
  total_num: ['宝贝总数量', '商品总数量', '宝贝数量'],
} as const

export const ITEM_COLUMNS = {
  tid: ['订单编号', '订单号', '主订单编号', '淘宝订单编号'],
  oid: ['子订单编号', '子订单号'],
  num_iid: ['宝贝ID', '商品ID', '宝贝id'],
  title: ['标题', '宝贝标题', '商品标题', '商品名称'],
  price: ['价格', '单价', '商品价格', '宝贝单价'],
  num: ['购买数量', '数量', '宝贝数量', '商品数量'],
  outer_iid: ['外部系统编号', '商品外部系统编号'],
  sku_properties_name: ['商品属性', '销售属性', 'SKU属性', '宝贝属性'],
  outer_sku_id: ['商家编码', 'SKU商家编码', '商家编码(SKU)'],
  payment: ['实付金额', '买家实际支付金额', '子订单实付金额', '分摊后实付金额'],
  status: ['订单状态', '子订单状态', '交易状态'],
  refund_status: ['退款状态', '售后状态'],
} as const

export type OrderField = keyof typeof ORDER_COLUMNS
export type ItemField = keyof typeof ITEM_COLUMNS

/** Columns a report cannot do without. */
export const REQUIRED_ORDER_FIELDS: OrderField[] = ['tid', 'status']
export const REQUIRED_ITEM_FIELDS: ItemField[] = ['tid', 'title', 'num']

export function normalizeHeader(header: string): string {
  return header.normalize('NFKC').replace(/[\s\u200b-\u200d\ufeff]/g, '').toLowerCase()
}

/** field → the header (as written in the file, trimmed) that holds it; fields the file lacks are absent. */
export function resolveColumns<F extends string>(headers: string[], spec: Record<F, readonly string[]>): Partial<Record<F, string>> {
  const byName = new Map<string, string>()
  for (const header of headers) {
    const key = normalizeHeader(header)
    if (key && !byName.has(key)) byName.set(key, header)
  }
  const taken = new Set<string>()
  const columns: Partial<Record<F, string>> = {}
  for (const field of Object.keys(spec) as F[]) {
    for (const alias of spec[field]) {
      const header = byName.get(normalizeHeader(alias))
      if (header !== undefined && !taken.has(header)) {
        columns[field] = header
        taken.add(header)
        break
      }
    }
  }
  return columns
}
