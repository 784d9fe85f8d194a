import { request } from './client'

/** 采购建议 (server/erp/purchase-suggestions.ts) */
export interface PurchaseSuggestion {
  sku: { id: number; display: string }
  product_name: string | null
  spec: string | null
  supplier: { id: number; display: string } | null
  daily_sales: string
  available: string
  on_order: string
  safety_stock: string
  lead_time_days: string
  days_of_stock: string | null
  suggested_qty: string
  unit_cost: string | null
}

export const erpApi = {
  purchaseSuggestions: () => request<{ window_days: number; cover_days: number; data: PurchaseSuggestion[] }>('GET', '/api/erp/purchase-suggestions'),
  draftPurchaseOrders: (lines: { sku: number; qty: number; supplier?: number }[]) =>
    request<{ data: { id: number; no: string; supplier: number; lines: number }[] }>('POST', '/api/erp/purchase-suggestions/orders', { lines }).then((r) => r.data),
}
