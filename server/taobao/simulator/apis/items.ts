import { formatTopTime } from '../../time'
import { Catalog, type SimItem, type SimSku } from '../catalog'
import { bareNumber, itemJson } from '../serialize'
import {
  businessError, defineApi, invalidArgument, missingArgument, optionalInt, optionalString, optionalTime, pageOf, requiredFields,
  requiredId, requiredInt, requiredString, type ApiCall,
} from './context'

const MAX_BATCH = 20

export const itemsOnsaleGet = defineApi({
  method: 'taobao.items.onsale.get',
  needsSession: true,
  validate({ params }) {
    const orderBy = optionalString(params, 'order_by') ?? 'list_time:desc'
    const [field, direction = 'desc'] = orderBy.split(':')
    if (!['list_time', 'modified', 'num', 'delist_time', 'sold_quantity'].includes(field) || !['asc', 'desc'].includes(direction)) {
      throw invalidArgument('order_by', `cannot order by ${orderBy}`)
    }
    return {
      fields: requiredFields(params),
      start: optionalTime(params, 'start_modified'),
      end: optionalTime(params, 'end_modified'),
      orderBy: { field, descending: direction === 'desc' },
      pageNo: optionalInt(params, 'page_no', { min: 1, max: 100_000, fallback: 1 }),
      pageSize: optionalInt(params, 'page_size', { min: 1, max: 200, fallback: 40 }),
    }
  },
  run({ fields, start, end, orderBy, pageNo, pageSize }, call) {
    const { store, shop } = call.ctx
    const sortValue = (item: SimItem) => (orderBy.field === 'modified' ? item.modified : orderBy.field === 'num' ? Catalog.itemQuantity(item) : item.created)
    const items = store.catalog.items
      .filter((item) => (start === undefined || item.modified >= start) && (end === undefined || item.modified <= end))
      .sort((a, b) => (orderBy.descending ? sortValue(b) - sortValue(a) : sortValue(a) - sortValue(b)) || a.numIid.localeCompare(b.numIid))
    const page = pageOf(items, pageNo, pageSize).map((item) => itemJson(shop, item, fields))
    return { total_results: items.length, ...(page.length ? { items: { item: page } } : {}) }
  },
})

export const itemsSellerListGet = defineApi({
  method: 'taobao.items.seller.list.get',
  needsSession: true,
  validate({ params }) {
    const fields = requiredFields(params)
    const numIids = requiredString(params, 'num_iids').split(',').map((id) => id.trim()).filter(Boolean)
    if (numIids.length > MAX_BATCH) throw invalidArgument('num_iids', `at most ${MAX_BATCH} num_iids, got ${numIids.length}`)
    if (numIids.some((id) => !/^\d+$/.test(id))) throw invalidArgument('num_iids', 'num_iids are numbers')
    return { fields, numIids }
  },
  run({ fields, numIids }, call) {
    const { store, shop } = call.ctx
    const items = numIids.flatMap((id) => {
      const item = store.catalog.item(id)
      return item ? [itemJson(shop, item, fields)] : []
    })
    return items.length ? { items: { item: items } } : {}
  },
})

function quantityAnswer(item: SimItem, touched: SimSku[]): Record<string, unknown> {
  return {
    item: {
      num_iid: bareNumber(item.numIid),
      num: Catalog.itemQuantity(item),
      modified: formatTopTime(item.modified),
      ...(touched.length
        ? { skus: { sku: touched.map((sku) => ({ sku_id: bareNumber(sku.skuId), quantity: sku.quantity, modified: formatTopTime(sku.modified) })) } }
        : {}),
    },
  }
}

function findItem(call: ApiCall, numIid: string): SimItem {
  const item = call.ctx.store.catalog.item(numIid)
  if (!item) throw businessError('isv.item-not-exist', `no item ${numIid} in this shop`)
  return item
}

function readType(call: ApiCall): 1 | 2 {
  return optionalInt(call.params, 'type', { min: 1, max: 2, fallback: 1 }) as 1 | 2
}

function applyQuantity(current: number, quantity: number, type: 1 | 2, what: string): number {
  const next = type === 1 ? quantity : current + quantity
  if (next < 0) throw businessError('isv.item-quantity-invalid', `${what} would go below zero (${current} ${quantity >= 0 ? '+' : ''}${quantity})`)
  return next
}

export const itemQuantityUpdate = defineApi({
  method: 'taobao.item.quantity.update',
  needsSession: true,
  validate(call) {
    const type = readType(call)
    const quantity = requiredInt(call.params, 'quantity', { min: type === 1 ? 0 : -1_000_000, max: 1_000_000 })
    return {
      numIid: requiredId(call.params, 'num_iid'),
      quantity,
      type,
      skuId: optionalString(call.params, 'sku_id'),
      outerId: optionalString(call.params, 'outer_id'),
    }
  },
  run({ numIid, quantity, type, skuId, outerId }, call) {
    const item = findItem(call, numIid)
    const { activity } = call.ctx
    let sku: SimSku | undefined
    if (skuId || outerId) {
      sku = item.skus.find((s) => (skuId ? s.skuId === skuId : s.outerId === outerId))
      if (!sku) throw businessError('isv.sku-not-exist', `item ${numIid} has no SKU ${skuId ?? outerId}`)
    } else if (item.skus.length) {
      throw invalidArgument('sku_id', 'the item has SKUs: name sku_id or outer_id')
    }
    if (sku) {
      sku.quantity = applyQuantity(sku.quantity, quantity, type, `SKU ${sku.skuId}`)
      sku.modified = call.now
    } else {
      item.quantity = applyQuantity(item.quantity, quantity, type, `item ${numIid}`)
    }
    item.modified = call.now
    activity.stockUploads.push({
      at: call.now,
      method: 'taobao.item.quantity.update',
      num_iid: numIid,
      sku_id: sku?.skuId ?? null,
      outer_id: sku?.outerId ?? item.outerId,
      quantity,
      type,
      result: sku ? sku.quantity : item.quantity,
    })
    return quantityAnswer(item, sku ? [sku] : [])
  },
})

function parseQuantities(text: string, name: string, type: 1 | 2): { key: string; quantity: number }[] {
  const entries = text.split(';').map((part) => part.trim()).filter(Boolean)
  if (entries.length > MAX_BATCH) throw invalidArgument(name, `at most ${MAX_BATCH} SKUs per call, got ${entries.length}`)
  return entries.map((entry) => {
    const match = /^([^:]+):(-?\d+)$/.exec(entry)
    if (!match || (type === 1 && Number(match[2]) < 0)) throw invalidArgument(name, `"${entry}" is not id:quantity`)
    return { key: match[1].trim(), quantity: Number(match[2]) }
  })
}

export const skusQuantityUpdate = defineApi({
  method: 'taobao.skus.quantity.update',
  needsSession: true,
  validate(call) {
    const type = readType(call)
    const bySkuId = optionalString(call.params, 'skuid_quantities')
    const byOuterId = optionalString(call.params, 'outerid_quantities')
    if (!bySkuId && !byOuterId) throw missingArgument('skuid_quantities')
    return {
      numIid: requiredId(call.params, 'num_iid'),
      type,
      useOuterId: !bySkuId,
      entries: parseQuantities((bySkuId ?? byOuterId)!, bySkuId ? 'skuid_quantities' : 'outerid_quantities', type),
    }
  },
  run({ numIid, type, useOuterId, entries }, call) {
    const item = findItem(call, numIid)
    const targets = entries.map(({ key, quantity }) => {
      const sku = item.skus.find((s) => (useOuterId ? s.outerId === key : s.skuId === key))
      if (!sku) throw businessError('isv.sku-not-exist', `item ${numIid} has no SKU ${key}`)
      return { sku, quantity, next: applyQuantity(sku.quantity, quantity, type, `SKU ${sku.skuId}`) }
    })
    // all or nothing: the checks above ran before anything changes
    for (const { sku, quantity, next } of targets) {
      sku.quantity = next
      sku.modified = call.now
      call.ctx.activity.stockUploads.push({
        at: call.now,
        method: 'taobao.skus.quantity.update',
        num_iid: numIid,
        sku_id: sku.skuId,
        outer_id: sku.outerId,
        quantity,
        type,
        result: next,
      })
    }
    item.modified = call.now
    return quantityAnswer(item, targets.map((t) => t.sku))
  },
})
