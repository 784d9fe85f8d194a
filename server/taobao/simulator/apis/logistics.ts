import { LOGISTICS_COMPANIES } from '../data'
import { SHIPPABLE } from '../lifecycle'
import {
  businessError, defineApi, invalidArgument, missingArgument, optionalString, requiredId, requiredString, type ApiCall,
} from './context'

/** Sub codes after the colon are the simulator's own: a client only relies on the `isv.` prefix. */
const SHIP_ERROR = 'isv.logistics-offline-service-error'

function refuse(call: ApiCall, args: { tid: string; outSid: string; companyCode: string; subTids: string[] | null }, reason: string, message: string): never {
  call.ctx.activity.logisticsSends.push({
    at: call.now, tid: args.tid, out_sid: args.outSid, company_code: args.companyCode, sub_tids: args.subTids, ok: false, error: reason,
  })
  throw businessError(`${SHIP_ERROR}:${reason}`, message)
}

export const logisticsOfflineSend = defineApi({
  method: 'taobao.logistics.offline.send',
  needsSession: true,
  validate({ params }) {
    const isSplit = optionalString(params, 'is_split')
    if (isSplit !== undefined && isSplit !== '0' && isSplit !== '1') throw invalidArgument('is_split', 'is_split is 0 or 1')
    const subTidText = optionalString(params, 'sub_tid')
    if (isSplit === '1' && !subTidText) throw missingArgument('sub_tid')
    const subTids = isSplit === '1' ? subTidText!.split(',').map((s) => s.trim()).filter(Boolean) : null
    if (subTids?.some((oid) => !/^\d+$/.test(oid))) throw invalidArgument('sub_tid', 'sub_tid lists order ids')
    return {
      tid: requiredId(params, 'tid'),
      outSid: requiredString(params, 'out_sid'),
      companyCode: requiredString(params, 'company_code').toUpperCase(),
      subTids,
    }
  },
  run(args, call) {
    const { store, activity, tmcPublisher } = call.ctx
    const plan = store.findByTid(args.tid)
    if (!plan || plan.created > call.now) refuse(call, args, 'TRADE_NOT_EXIST', `no trade ${args.tid} in this shop`)
    if (!Object.hasOwn(LOGISTICS_COMPANIES, args.companyCode)) refuse(call, args, 'COMPANY_NOT_SUPPORTED', `unknown logistics company ${args.companyCode}`)
    if (!/^[A-Za-z0-9-]{6,32}$/.test(args.outSid)) refuse(call, args, 'INVALID_OUT_SID', `"${args.outSid}" is not a waybill number`)
    const state = store.state(plan, call.now)
    if (!SHIPPABLE.includes(state.status)) {
      const reason = state.status === 'WAIT_BUYER_PAY' ? 'TRADE_NOT_PAID' : state.status.startsWith('TRADE_CLOSED') ? 'TRADE_CLOSED' : 'ALREADY_CONSIGNED'
      refuse(call, args, reason, `trade ${args.tid} is ${state.status}: it cannot be shipped`)
    }
    const details = store.details(plan)
    let lines: number[]
    if (args.subTids) {
      lines = args.subTids.map((oid) => {
        const line = details.lines.findIndex((l) => l.oid === oid)
        if (line < 0) refuse(call, args, 'INVALID_SUB_TID', `order ${oid} is not part of trade ${args.tid}`)
        if (state.lines[line].closed) refuse(call, args, 'ORDER_CLOSED', `order ${oid} was refunded`)
        if (state.lines[line].shipped) refuse(call, args, 'ALREADY_CONSIGNED', `order ${oid} has already been shipped`)
        return line
      })
    } else {
      lines = state.lines.flatMap((line, i) => (!line.closed && !line.shipped ? [i] : []))
    }
    store.addShipment(plan, call.now, lines, args.companyCode, args.outSid)
    activity.logisticsSends.push({
      at: call.now, tid: args.tid, out_sid: args.outSid, company_code: args.companyCode, sub_tids: args.subTids, ok: true,
    })
    tmcPublisher.publishShipment(plan, call.now)
    return { shipping: { is_success: true } }
  },
})
