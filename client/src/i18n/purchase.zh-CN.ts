/** Taobao ERP pages beyond forms: 采购建议. */
export default {
  suggestions: {
    menu: '采购建议',
    title: '采购建议',
    hint: '按最近 {window} 天的日均发货量、采购周期和 {cover} 天备货计算，已扣除可用库存和在途采购',
    create: '生成采购单（{n}）',
    created: '已生成 {n} 张草稿采购单',
    empty: '暂无需要采购的 SKU',
    sku: 'SKU',
    supplier: '供应商',
    noSupplier: '未设置供应商',
    daily: '日均销量',
    available: '可用',
    onOrder: '在途',
    safety: '安全库存',
    lead: '采购周期(天)',
    days: '可售天数',
    qty: '建议采购',
  },
}
