import type { SimApi } from './context'
import { itemQuantityUpdate, itemsOnsaleGet, itemsSellerListGet, skusQuantityUpdate } from './items'
import { logisticsOfflineSend } from './logistics'
import { refundGet, refundsReceiveGet } from './refunds'
import { tmcMessagesConfirm, tmcMessagesConsume } from './tmc'
import { tradeFullinfoGet, tradesSoldGet, tradesSoldIncrementGet } from './trades'

export const SIM_APIS: ReadonlyMap<string, SimApi> = new Map(
  [
    tradesSoldGet, tradesSoldIncrementGet, tradeFullinfoGet, itemsOnsaleGet, itemsSellerListGet, itemQuantityUpdate,
    skusQuantityUpdate, logisticsOfflineSend, refundsReceiveGet, refundGet, tmcMessagesConsume, tmcMessagesConfirm,
  ].map((api) => [api.method, api]),
)
