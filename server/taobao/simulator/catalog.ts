import { ITEM_TEMPLATES, PROPERTY_IDS } from './data'
import { parseCents } from './money'
import { hashSeed, Random } from './random'

const DAY_MS = 86_400_000

/** A shop's catalog given to the simulator, e.g. the ERP's own SKUs for the demo shop. */
export interface SimCatalogInput {
  items: SimCatalogItemInput[]
}

export interface SimCatalogItemInput {
  numIid?: string
  title: string
  /** 商家款号 */
  outerId: string
  price: string | number
  /** for an item without SKUs */
  quantity?: number
  skus?: SimCatalogSkuInput[]
}

export interface SimCatalogSkuInput {
  skuId?: string
  /** 商家编码: what the ERP matches SKUs on */
  outerId: string
  /** `颜色分类:白色;尺码:M` */
  properties: string
  price?: string | number
  quantity?: number
  barcode?: string
}

export interface SimSku {
  skuId: string
  outerId: string
  /** `颜色分类:白色;尺码:M`, as orders show it */
  propertiesText: string
  /** `1627207:3232483;20509:28315` */
  properties: string
  /** `1627207:3232483:颜色分类:白色;20509:28315:尺码:M`, as the item APIs show it */
  propertiesName: string
  priceCents: number
  quantity: number
  barcode?: string
  created: number
  modified: number
}

export interface SimItem {
  numIid: string
  title: string
  outerId: string
  priceCents: number
  /** for items without SKUs */
  quantity: number
  skus: SimSku[]
  cid: string
  picUrl: string
  created: number
  modified: number
  /** relative share of sales */
  popularity: number
}

function propertyId(name: string): number {
  return PROPERTY_IDS[name] ?? 100_000_000 + (hashSeed('pid', name) % 90_000_000)
}

function valueId(name: string, value: string): number {
  return 100_000 + (hashSeed('vid', name, value) % 9_000_000)
}

function describeProperties(text: string): Pick<SimSku, 'properties' | 'propertiesName' | 'propertiesText'> {
  const pairs = text
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const at = part.search(/[:：]/)
      return at < 0 ? ['规格', part] : [part.slice(0, at).trim(), part.slice(at + 1).trim()]
    })
  return {
    propertiesText: pairs.map(([name, value]) => `${name}:${value}`).join(';'),
    properties: pairs.map(([name, value]) => `${propertyId(name)}:${valueId(name, value)}`).join(';'),
    propertiesName: pairs.map(([name, value]) => `${propertyId(name)}:${valueId(name, value)}:${name}:${value}`).join(';'),
  }
}

function cartesian(properties: readonly (readonly [string, readonly string[]])[]): string[] {
  let combos: string[] = ['']
  for (const [name, values] of properties) {
    combos = combos.flatMap((prefix) => values.map((value) => (prefix ? `${prefix};` : '') + `${name}:${value}`))
  }
  return properties.length ? combos : []
}

function defaultCatalog(seed: number): SimCatalogInput {
  const random = new Random(hashSeed(seed, 'catalog-stock'))
  return {
    items: ITEM_TEMPLATES.map((template) => ({
      title: template.title,
      outerId: template.code,
      price: template.price.toFixed(2),
      quantity: random.int(50, 500),
      skus: cartesian(template.properties).map((properties, i) => ({
        outerId: `${template.code}-${String(i + 1).padStart(2, '0')}`,
        properties,
        quantity: random.int(20, 300),
      })),
    })),
  }
}

export class Catalog {
  readonly items: SimItem[]
  private readonly byNumIid = new Map<string, SimItem>()
  private readonly popularity: number[]

  constructor(seed: number, startTime: number, input?: SimCatalogInput) {
    const source = input && input.items.length ? input : defaultCatalog(seed)
    const random = new Random(hashSeed(seed, 'catalog'))
    const idOffset = hashSeed(seed, 'item-ids') % 1_000_000
    let skuCounter = 0
    this.items = source.items.map((entry, i) => {
      const created = startTime - random.durationMs(60 * DAY_MS, 400 * DAY_MS)
      const modified = startTime - random.durationMs(DAY_MS / 24, 45 * DAY_MS)
      const itemPrice = parseCents(entry.price)
      const skus = (entry.skus ?? []).map((sku) => ({
        skuId: sku.skuId ?? String(5_000_000_000_000 + idOffset * 10_000 + ++skuCounter),
        outerId: sku.outerId,
        ...describeProperties(sku.properties),
        priceCents: sku.price === undefined ? itemPrice : parseCents(sku.price),
        quantity: sku.quantity ?? 100,
        ...(sku.barcode ? { barcode: sku.barcode } : {}),
        created,
        modified,
      }))
      const item: SimItem = {
        numIid: entry.numIid ?? String(600_000_000_000 + idOffset * 1_000 + i + 1),
        title: entry.title,
        outerId: entry.outerId,
        priceCents: skus.length ? Math.min(...skus.map((sku) => sku.priceCents)) : itemPrice,
        quantity: entry.quantity ?? 100,
        skus,
        cid: String(50_000_000 + (hashSeed('cid', entry.title) % 1_000_000)),
        picUrl: `https://img.alicdn.com/sim/${entry.outerId}.jpg`,
        created,
        modified,
        popularity: 0.2 + random.exponential(1),
      }
      return item
    })
    for (const item of this.items) this.byNumIid.set(item.numIid, item)
    this.popularity = this.items.map((item) => item.popularity)
  }

  item(numIid: string): SimItem | undefined {
    return this.byNumIid.get(numIid)
  }

  /** an item index drawn by popularity */
  pickItemIndex(random: Random): number {
    return random.weighted(this.popularity)
  }

  /** what items.onsale.get shows as `num` */
  static itemQuantity(item: SimItem): number {
    return item.skus.length ? item.skus.reduce((sum, sku) => sum + sku.quantity, 0) : item.quantity
  }
}
