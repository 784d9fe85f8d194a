import { api, ApiError } from './client'
import type { RecordData } from './types'

/*
 * Taobao shops (server/api/routes/shops.ts) and the seller-center import (routes/imports.ts).
 * Secrets go up once, when a shop is bound, and never come back: a connection says only whether
 * it has a session.
 */

export type ConnectionStatus = 'active' | 'needs_reauth' | 'disabled'
export const SCHEDULES = [1, 5, 15, 60] as const

export interface ShopConnection {
  shop_id: number
  app_key: string
  has_session: boolean
  session_expires_at: string | null
  /** the session expires within 7 days (or has) */
  expiry_warning: boolean
  gateway_url: string
  status: ConnectionStatus
  status_reason: string | null
  schedule_minutes: number
  tmc_enabled: boolean
  seller_nick: string | null
}

export interface ShopEntry {
  /** the `shops` record */
  shop: RecordData
  connection: ShopConnection | null
}

export interface BindShopInput {
  name: string
  platform: 'taobao' | 'tmall'
  seller_nick?: string
  app_key: string
  app_secret: string
  session?: string
  refresh_token?: string
  gateway_url?: string
  schedule_minutes?: number
  tmc_enabled?: boolean
}

export interface SyncCounts {
  windows: number
  pages: number
  created: number
  updated: number
  unchanged: number
  failed: number
}

export interface SyncSummary extends SyncCounts {
  run_id: number
  shop_id: number
  status: 'succeeded' | 'failed'
  kind: 'initial' | 'incremental'
  orders_created: number
  orders_cancelled: number
  orders_flagged: number
  orders_updated: number
  after_sales: number
  messages_read?: number
  synced_until: string | null
  message: string | null
  errors: string[]
}

export type RunStatus = 'running' | 'succeeded' | 'failed'

/** One row of a shop's sync log. */
export interface SyncRun extends SyncCounts {
  id: number
  shop_id: number
  kind: string
  status: RunStatus
  started_at: string
  finished_at: string | null
  /** 0-100 */
  progress: number
  message: string | null
  errors: string[]
}

export type ItemAction = 'create' | 'link' | 'exists'

export interface ItemPlanRow {
  num_iid: string
  sku_id: string | null
  title: string
  properties: string | null
  outer_id: string | null
  price: string | null
  barcode: string | null
  quantity: number | null
  action: ItemAction
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

export interface ItemImportResult extends ItemPlan {
  created_products: number
  created_skus: number
  created_mappings: number
}

export type RuleScope = 'shop' | 'item' | 'sku'

export interface StockRule {
  scope: RuleScope
  /** num_iid for an item rule, the ERP SKU id for a SKU rule, null for the shop rule */
  target: string | null
  mode: 'ratio' | 'fixed'
  ratio_percent: number
  fixed_qty: number | null
  safety_stock: number
}

export interface StockUploadResult {
  calls: number
  skus: number
  failed: number
}

export interface StockUploadLine {
  id: number
  at: string
  num_iid: string
  sku_id: string | null
  /** the ERP SKU id (null for a combo) */
  sku: number | null
  quantity: number
  status: 'ok' | 'failed'
  error: string | null
}

export interface ImportErrorRow {
  file: 'orders' | 'items'
  /** as a spreadsheet numbers it (header = 1; 0 = the file as a whole) */
  row: number
  column?: string
  tid?: string
  message: string
}

export interface ImportFileInfo {
  name: string | null
  format: 'csv' | 'xlsx'
  encoding: string | null
  rows: number
}

export interface SellerCenterPreview {
  shop: number
  trades: number
  lines: number
  new: number
  existing: number
  kept: number
  errors: ImportErrorRow[]
  error_count: number
  warnings: string[]
  /** the first trades as platform_trades records */
  sample: Record<string, unknown>[]
  files: { orders: ImportFileInfo | null; items: ImportFileInfo | null }
  token: string
  expires_at: string
}

export interface SellerCenterResult {
  created: number
  updated: number
  unchanged: number
  failed: number
  orders_created: number
  orders_cancelled: number
  orders_flagged: number
  orders_updated: number
  after_sales: number
  errors: { tid: string; message: string }[]
}

const base = (id: number) => `/api/shops/${id}`
const data = <T>(r: { data: T }) => r.data

export const shopsApi = {
  list: () => api.get<{ data: ShopEntry[] }>('/api/shops').then(data),
  get: (id: number) => api.get<{ data: ShopEntry }>(base(id)).then(data),
  bind: (input: BindShopInput) => api.post<{ data: ShopEntry }>('/api/shops', input).then(data),
  setSchedule: (id: number, schedule_minutes: number, tmc_enabled?: boolean) => api.patch<{ data: ShopEntry }>(base(id), { schedule_minutes, tmc_enabled }).then(data),
  /** runs a sync and answers when it has finished */
  sync: (id: number, full = false) => api.post<{ data: SyncSummary }>(`${base(id)}/sync`, { full }).then(data),
  runs: (id: number) => api.get<{ data: SyncRun[] }>(`${base(id)}/sync-runs`).then(data),
  authorizeUrl: (id: number) => api.get<{ data: { url: string } }>(`${base(id)}/oauth/authorize-url`).then((r) => r.data.url),
  consumeTmc: (id: number) => api.post<{ data: { messages: number; trades: number } }>(`${base(id)}/tmc/consume`).then(data),
  previewItems: (id: number) => api.post<{ data: ItemPlan }>(`${base(id)}/items/preview`).then(data),
  importItems: (id: number) => api.post<{ data: ItemImportResult }>(`${base(id)}/items/import`).then(data),
  stockRules: (id: number) => api.get<{ data: StockRule[] }>(`${base(id)}/stock-rules`).then(data),
  saveStockRules: (id: number, rules: StockRule[]) => api.put<{ data: StockRule[] }>(`${base(id)}/stock-rules`, { rules }).then(data),
  uploadStock: (id: number) => api.post<{ data: StockUploadResult }>(`${base(id)}/stock-upload`).then(data),
  stockUploads: (id: number) => api.get<{ data: StockUploadLine[] }>(`${base(id)}/stock-uploads`).then(data),
}

function reportFiles(shop: number, orders: File, items?: File | null): FormData {
  const body = new FormData()
  body.append('shop', String(shop))
  body.append('orders', orders, orders.name)
  if (items) body.append('items', items, items.name)
  return body
}

/** A big seller-center upload or commit running on the server (202 `{data: job}`). */
export interface SellerCenterJob {
  job: string
  kind: 'preview' | 'commit'
  state: 'running' | 'done' | 'failed'
  progress: { phase: 'queued' | 'reading' | 'checking' | 'writing'; done: number; total: number }
  result: unknown
  error: { code: string; params: Record<string, unknown>; message: string } | null
}

const isJob = (value: unknown): value is SellerCenterJob => Boolean(value && typeof value === 'object' && 'job' in value && 'state' in value && 'progress' in value)

/** The answer itself, or — for a background job — its result once it ends (`onProgress` hears each poll). */
async function settled<T>(answer: T | SellerCenterJob, onProgress?: (job: SellerCenterJob) => void): Promise<T> {
  let job = answer
  while (isJob(job)) {
    onProgress?.(job)
    if (job.state === 'done') return job.result as T
    if (job.state === 'failed') throw new ApiError(422, 'bad_request', job.error?.message ?? 'import failed', null, job.error?.code ?? 'import_failed', job.error?.params ?? {})
    await new Promise((resolve) => setTimeout(resolve, 500))
    job = (await api.get<{ data: SellerCenterJob }>(`/api/imports/seller-center/jobs/${job.job}`)).data
  }
  return job as T
}

export const sellerCenterApi = {
  preview: (shop: number, orders: File, items?: File | null, onProgress?: (job: SellerCenterJob) => void) =>
    api
      .post<{ data: SellerCenterPreview | SellerCenterJob }>('/api/imports/seller-center/preview', reportFiles(shop, orders, items))
      .then((r) => settled<SellerCenterPreview>(r.data, onProgress)),
  /** writes what the preview showed */
  commit: (token: string, onProgress?: (job: SellerCenterJob) => void) =>
    api.post<{ data: SellerCenterResult | SellerCenterJob }>('/api/imports/seller-center/commit', { token }).then((r) => settled<SellerCenterResult>(r.data, onProgress)),
  /** reads the files again and writes them (when the preview is gone: expired, or another server process) */
  commitFiles: (shop: number, orders: File, items?: File | null, onProgress?: (job: SellerCenterJob) => void) =>
    api
      .post<{ data: SellerCenterResult | SellerCenterJob }>('/api/imports/seller-center/commit', reportFiles(shop, orders, items))
      .then((r) => settled<SellerCenterResult>(r.data, onProgress)),
}
