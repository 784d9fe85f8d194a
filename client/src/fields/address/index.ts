import type { Address } from '@schema/values'
import PresenceFilter from '../shared/PresenceFilter.vue'
import type { FieldUi } from '../types'
import AddressWidget from './AddressWidget.vue'

export const address: FieldUi = {
  widget: AddressWidget,
  format: (value) => {
    const a = value as Address | null
    // 直辖市 read "北京市 市辖区 …": skip the placeholder city.
    return a ? [a.province, a.city === '市辖区' ? null : a.city, a.district, a.detail].filter(Boolean).join(' ') : ''
  },
  filter: PresenceFilter,
  width: 220,
  wide: true,
}
