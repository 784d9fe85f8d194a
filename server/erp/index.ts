import type { AppContext } from '../context'
import { registerDocumentHandlers } from './documents'
import { registerErpHooks } from './hooks'
import { registerOrderActions } from './orders'
import { registerUncoveredReservations } from './uncovered'

/** The server side of the Taobao ERP pack: its workflow handlers and hooks. */
export function registerErp(ctx: AppContext): void {
  registerOrderActions(ctx.actions)
  registerDocumentHandlers(ctx.actions)
  registerErpHooks(ctx.hooks, ctx.records)
  registerUncoveredReservations(ctx.hooks, ctx.records)
}
