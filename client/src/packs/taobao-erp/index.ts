import { lineQuantities } from '@/components/actions/paramEditors'
import type { FormExtension, PackMenuGroup } from '../index'

/** The Taobao ERP pack (templates/taobao-erp): its split editor and pick-list sheet. */
export const taobaoErp: Record<string, FormExtension> = {
  orders: {
    paramEditors: {
      // orders.split: params.lines = [{line, qty}], and something must stay in the order
      'split.lines': lineQuantities({ lines: 'lines', qty: 'qty', keepSome: true }),
    },
  },
  pick_lists: {
    printLayout: () => import('./PickListSheet.vue'),
  },
}

/**
 * The Taobao pages (client/src/views/shops): shops and their sync, and the seller-center import;
 * 财务报表 (client/src/views/reports) where the pack's journal is installed.
 */
export const taobaoErpMenu: PackMenuGroup[] = [
  {
    key: 'taobao',
    label: 'shops.menu',
    items: [
      { path: '/shops', label: 'shops.title', icon: 'Shop', form: 'shops' },
      { path: '/shops/import', label: 'sellerCenter.title', icon: 'Upload', capability: 'stock.upload' },
      { path: '/purchase-suggestions', label: 'purchase.suggestions.menu', icon: 'ShoppingCart', form: 'purchase_orders', permission: 'create' },
    ],
  },
  {
    key: 'finance',
    label: 'reports.menu',
    requiresForm: 'journal',
    items: [
      { path: '/reports/income-statement', label: 'reports.income-statement', icon: 'TrendCharts' },
      { path: '/reports/cash-flow', label: 'reports.cash-flow', icon: 'Money' },
      { path: '/reports/balance-sheet', label: 'reports.balance-sheet', icon: 'Tickets' },
    ],
  },
]
