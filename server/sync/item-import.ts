import type { Actor } from '../access/actor'
import type { AppContext } from '../context'
import { idOf } from '../erp/util'
import type { TaobaoApi, TopItem } from '../taobao'
import { apiFor } from './client-factory'
import { fromSource } from '../audit/actors'

/** One platform SKU (or a single-SKU item) and what the import will do with it. */
export interface ItemPlanRow {
  num_iid: string
  sku_id: string | null
  title: string
  properties: string | null
  outer_id: string | null
  price: string | null
  barcode: string | null
  quantity: number | null
  /** create: a new product/SKU; link: an ERP SKU with the same merchant code; exists: already mapped */
  action: 'create' | 'link' | 'exists'
  erp_sku: { id: number; outer_id: string } | null
}

export interface ItemPlan {
  items: number
  skus: number
  create: number
  link: number
  exists: number
  rows: ItemPlanRow[]
}

/**
 * 导入商品数据: the shop's items and SKUs become products, SKUs and SKU mappings. Existing SKUs are
 * matched by merchant code (outer id); mappings already there are left alone, so running it again
 * only adds what is new. `preview` shows the plan and writes nothing.
 */
export class ItemImport {
  constructor(private readonly ctx: AppContext) {}

  async preview(actor: Actor, shopId: number): Promise<ItemPlan> {
    await this.ctx.records.as(actor).get('shops', shopId)
    return this.plan(shopId, await this.pull(shopId))
  }

  async run(actor: Actor, shopId: number): Promise<ItemPlan & { created_products: number; created_skus: number; created_mappings: number }> {
    const records = this.ctx.records.as(fromSource(actor, 'import'))
    await records.get('shops', shopId)
    const items = await this.pull(shopId)
    return records.transaction(async (service) => {
      const plan = await this.plan(shopId, items, service)
      const todo = plan.rows.filter((r) => r.action !== 'exists')
      // A product per item that gets new SKUs.
      const newItems = [...new Set(todo.filter((r) => r.action === 'create').map((r) => r.num_iid))]
      const productIds = new Map<string, number>()
      let createdProducts = 0
      if (newItems.length) {
        const itemsById = new Map(items.map((i) => [String(i.num_iid), i]))
        // An item's product may exist already: imported before (by item id) or made by hand (by style code).
        const codeOf = (n: string) => String(itemsById.get(n)!.outer_id || `TB-${n}`)
        const byItem = await service.list('products', { filter: { field: 'num_iid', op: 'in', value: newItems }, limit: 500, total: false })
        for (const p of byItem.data) productIds.set(String(p.num_iid), p.id)
        const byCode = await service.list('products', { filter: { field: 'code', op: 'in', value: newItems.map(codeOf) }, limit: 500, total: false })
        for (const n of newItems) {
          const product = byCode.data.find((p) => p.code === codeOf(n))
          if (product && !productIds.has(n)) productIds.set(n, product.id)
        }
        const missing = newItems.filter((n) => !productIds.has(n))
        const ids = missing.length
          ? await service.createManyIds('products', missing.map((n) => ({ name: itemsById.get(n)!.title ?? n, code: codeOf(n), num_iid: n, status: 'on_sale' })))
          : []
        missing.forEach((n, i) => productIds.set(n, ids[i]))
        createdProducts = missing.length
      }
      const creating = todo.filter((r) => r.action === 'create')
      const skuIds = creating.length
        ? await service.createManyIds(
            'skus',
            creating.map((r) => ({
              product: productIds.get(r.num_iid),
              outer_id: r.outer_id || `${r.num_iid}-${r.sku_id ?? '0'}`,
              spec: r.properties,
              barcode: r.barcode,
              sale_price: r.price,
            })),
          )
        : []
      creating.forEach((r, i) => (r.erp_sku = { id: skuIds[i], outer_id: r.outer_id || `${r.num_iid}-${r.sku_id ?? '0'}` }))
      const mappingIds = todo.length
        ? await service.createManyIds(
            'sku_mappings',
            todo.map((r) => ({ shop: shopId, num_iid: r.num_iid, sku_id: r.sku_id, title: r.title, properties: r.properties, sku: r.erp_sku!.id })),
          )
        : []
      return { ...plan, created_products: createdProducts, created_skus: skuIds.length, created_mappings: mappingIds.length }
    })
  }

  /** Every on-sale item with its SKUs: items.onsale.get pages, then items.seller.list.get 20 at a time. */
  private async pull(shopId: number): Promise<TopItem[]> {
    const { api } = apiFor(await this.ctx.connections.get(shopId), this.ctx.connections)
    const listed: TopItem[] = []
    for (let page = 1; ; page++) {
      const { items, totalResults } = await api.itemsOnsaleGet({ pageNo: page, pageSize: 200 })
      listed.push(...items)
      if (items.length === 0 || listed.length >= totalResults) break
    }
    return detailed(api, listed.map((i) => String(i.num_iid)))
  }

  private async plan(shopId: number, items: TopItem[], service = this.ctx.records): Promise<ItemPlan> {
    const rows: ItemPlanRow[] = items.flatMap((item) =>
      (item.skus?.length ? item.skus : [null]).map((sku) => ({
        num_iid: String(item.num_iid),
        sku_id: sku ? String(sku.sku_id) : null,
        title: String(item.title ?? ''),
        properties: sku ? String(sku.properties_text ?? sku.properties_name ?? '') || null : null,
        outer_id: (sku ? sku.outer_id : item.outer_id) || null,
        price: (sku ? sku.price : item.price) ?? null,
        barcode: (sku ? sku.barcode : item.barcode) || null,
        quantity: (sku ? sku.quantity : item.num) ?? null,
        action: 'create' as const,
        erp_sku: null,
      })),
    )
    const mapped = new Map<string, { id: number; outer_id: string }>()
    for (const page of await allPages(service, 'sku_mappings', { field: 'shop', op: 'eq', value: shopId })) {
      mapped.set(`${page.num_iid}|${page.sku_id ?? ''}`, { id: idOf(page.sku)!, outer_id: String((page.sku as { display?: unknown })?.display ?? '') })
    }
    const codes = [...new Set(rows.map((r) => r.outer_id).filter((c): c is string => Boolean(c)))]
    const byCode = new Map<string, number>()
    for (let i = 0; i < codes.length; i += 500) {
      const skus = await service.list('skus', { filter: { field: 'outer_id', op: 'in', value: codes.slice(i, i + 500) }, limit: 500, total: false })
      for (const s of skus.data) byCode.set(String(s.outer_id), s.id)
    }
    for (const row of rows) {
      const existing = mapped.get(`${row.num_iid}|${row.sku_id ?? ''}`)
      if (existing) Object.assign(row, { action: 'exists', erp_sku: existing })
      else if (row.outer_id && byCode.has(row.outer_id)) Object.assign(row, { action: 'link', erp_sku: { id: byCode.get(row.outer_id)!, outer_id: row.outer_id } })
    }
    const count = (action: ItemPlanRow['action']) => rows.filter((r) => r.action === action).length
    return { items: items.length, skus: rows.length, create: count('create'), link: count('link'), exists: count('exists'), rows }
  }
}

async function detailed(api: TaobaoApi, numIids: string[]): Promise<TopItem[]> {
  const items: TopItem[] = []
  for (let i = 0; i < numIids.length; i += 20) items.push(...(await api.itemsSellerListGet(numIids.slice(i, i + 20))))
  return items
}

async function allPages(service: AppContext['records'], form: string, filter: unknown) {
  const rows: Record<string, unknown>[] = []
  let cursor: string | undefined
  do {
    const page = await service.list(form, { filter, limit: 500, cursor, sort: 'id', total: false })
    rows.push(...page.data)
    cursor = page.next_cursor ?? undefined
  } while (cursor)
  return rows
}
