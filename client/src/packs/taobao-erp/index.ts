import { lineQuantities } from '@/components/actions/paramEditors'
import { i18n } from '@/i18n'
import type { FormExtension, PackMenuGroup } from '../index'

/** Orders are edited by hand only in these statuses (server/erp/hooks.ts); later, by actions. */
const EDITABLE_ORDER_STATUSES = new Set(['pending', 'hold', 'exception'])

/** The Taobao ERP pack (templates/taobao-erp): its order rules, split editor and pick-list sheet. */
export const taobaoErp: Record<string, FormExtension> = {
  orders: {
    readOnly: (record) => (EDITABLE_ORDER_STATUSES.has(String(record.status)) ? null : i18n.global.t('erp.orderReadOnly')),
    paramEditors: {
      // orders.split: params.lines = [{line, qty}], and something must stay in the order
      'split.lines': lineQuantities({ lines: 'lines', qty: 'qty', keepSome: true }),
    },
  },
  pick_lists: {
    printLayout: () => import('./PickListSheet.vue'),
  },
}

/** The Taobao pages (client/src/views/shops): shops and their sync, and the seller-center import. */
export const taobaoErpMenu: PackMenuGroup = {
  key: 'taobao',
  label: 'shops.menu',
  items: [
    { path: '/shops', label: 'shops.title', icon: 'Shop' },
    { path: '/shops/import', label: 'sellerCenter.title', icon: 'Upload' },
  ],
}
