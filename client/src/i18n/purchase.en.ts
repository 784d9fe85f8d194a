/** Taobao ERP pages beyond forms: purchase suggestions. */
export default {
  suggestions: {
    menu: 'Purchase suggestions',
    title: 'Purchase suggestions',
    hint: 'From the daily units shipped over the last {window} days, the lead time and {cover} days of cover, less available stock and open purchase orders',
    create: 'Create purchase orders ({n})',
    created: '{n} draft purchase orders created',
    empty: 'Nothing needs buying',
    sku: 'SKU',
    supplier: 'Supplier',
    noSupplier: 'No supplier',
    daily: 'Daily sales',
    available: 'Available',
    onOrder: 'On order',
    safety: 'Safety stock',
    lead: 'Lead time (days)',
    days: 'Days of stock',
    qty: 'To buy',
  },
}
