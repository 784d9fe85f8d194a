import { formatTopTime } from '../../time'
import { bareNumber } from '../serialize'
import { defineApi, missingArgument, optionalInt, optionalString } from './context'

const idList = (text: string | undefined) => (text ?? '').split(',').map((id) => id.trim()).filter(Boolean)

export const tmcMessagesConsume = defineApi({
  method: 'taobao.tmc.messages.consume',
  needsSession: false,
  validate({ params }) {
    return { quantity: optionalInt(params, 'quantity', { min: 1, max: 200, fallback: 100 }) }
  },
  run({ quantity }, call) {
    const { tmcQueue, tmcPublisher, shop, appKey } = call.ctx
    tmcPublisher.catchUp(call.now)
    const messages = tmcQueue.consume(quantity, call.now).map((message) => ({
      user_id: bareNumber(shop.userId),
      user_nick: shop.sellerNick,
      content: message.content,
      id: bareNumber(message.id),
      pub_time: formatTopTime(message.pubTime),
      pub_app_key: appKey,
      topic: message.topic,
    }))
    return messages.length ? { messages: { tmc_message: messages } } : {}
  },
})

export const tmcMessagesConfirm = defineApi({
  method: 'taobao.tmc.messages.confirm',
  needsSession: false,
  validate({ params }) {
    const confirmed = idList(optionalString(params, 's_message_ids'))
    const failed = idList(optionalString(params, 'f_message_ids'))
    if (!confirmed.length && !failed.length) throw missingArgument('s_message_ids')
    return { confirmed, failed }
  },
  run({ confirmed, failed }, call) {
    call.ctx.tmcQueue.confirm(confirmed)
    call.ctx.tmcQueue.release(failed)
    return { is_success: true }
  },
})
