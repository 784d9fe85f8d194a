import type { AppContext } from '../context'
import { readSettings } from './util'
import { AUTO_RULE_ACTOR } from '../audit/actors'

export interface AutoAuditResult {
  enabled: boolean
  checked: number
  audited: number
  waiting: number
}

/**
 * The auto-audit rule (settings): orders paid more than N minutes ago, with every line mapped to
 * a SKU and — unless allowed — no buyer message, are audited; those whose stock is not available
 * stay 待审核 with the reason, and are tried again next time.
 */
export async function runAutoAudit(ctx: AppContext, options: { now?: number; force?: boolean } = {}): Promise<AutoAuditResult> {
  const settings = await readSettings(ctx.records)
  const enabled = settings.auto_audit === true
  if (!ctx.registry.get('orders') || (!enabled && !options.force)) return { enabled, checked: 0, audited: 0, waiting: 0 }
  const now = options.now ?? Date.now()
  const delayMinutes = Number(settings.auto_audit_delay ?? 30)
  const conditions: unknown[] = [
    { field: 'status', op: 'eq', value: 'pending' },
    { field: 'paid_at', op: 'lte', value: new Date(now - delayMinutes * 60_000).toISOString() },
    { field: 'unmapped_lines', op: 'eq', value: 0 },
  ]
  if (settings.auto_audit_with_message !== true) {
    conditions.push({ field: 'buyer_message', op: 'is_empty' }, { field: 'has_buyer_message', op: 'ne', value: true })
  }
  const result: AutoAuditResult = { enabled, checked: 0, audited: 0, waiting: 0 }
  let cursor: string | undefined
  const ids: number[] = []
  do {
    const page = await ctx.records.list('orders', { filter: { and: conditions }, sort: 'paid_at', limit: 500, cursor, total: false })
    ids.push(...page.data.map((o) => o.id))
    cursor = page.next_cursor ?? undefined
  } while (cursor)
  for (const id of ids) {
    result.checked++
    const { result: outcome } = await ctx.records.as(AUTO_RULE_ACTOR).runAction('orders', id, 'audit')
    if ((outcome as { audited?: boolean }).audited) result.audited++
    else result.waiting++
  }
  return result
}

/** Runs the rule every minute while the server is up. */
export function scheduleAutoAudit(ctx: AppContext, everyMs = 60_000): () => void {
  let running = false
  const timer = setInterval(async () => {
    if (running) return
    running = true
    try {
      await runAutoAudit(ctx)
    } catch (error) {
      console.error('[zhanggui] auto-audit failed:', error instanceof Error ? error.message : error)
    } finally {
      running = false
    }
  }, everyMs)
  timer.unref()
  return () => clearInterval(timer)
}
