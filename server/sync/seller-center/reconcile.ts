import type { ImportedTrade } from './records'

/** What is stored for a trade the import also holds. */
export interface StoredTrade {
  id: number
  tid: string
  status: string | null
  source: string | null
  modified: string | null
  /** line oids in line order */
  oids: string[]
  /**
   * Stored values of the fields that have a form default (source, has_buyer_message): an upsert
   * fills an omitted field with its default, so what the file does not say is sent as stored.
   */
  defaulted: Record<string, unknown>
}

export type Decision = { write: true; record: Record<string, unknown> } | { write: false; reason: 'newer' | 'further' }

/** How far along a trade is: an import never moves a trade back (an older export after a newer one). */
const PROGRESS: Record<string, number> = {
  TRADE_NO_CREATE_PAY: 0,
  WAIT_BUYER_PAY: 0,
  PAY_PENDING: 0,
  WAIT_PRE_AUTH_CONFIRM: 0,
  WAIT_SELLER_SEND_GOODS: 1,
  PAID_FORBID_CONSIGN: 1,
  SELLER_CONSIGNED_PART: 2,
  WAIT_BUYER_CONFIRM_GOODS: 3,
  TRADE_BUYER_SIGNED: 4,
  TRADE_FINISHED: 5,
  TRADE_CLOSED: 5,
  TRADE_CLOSED_BY_TAOBAO: 5,
}

const time = (value: unknown) => (typeof value === 'string' ? Date.parse(value) : NaN)

/**
 * Whether an imported trade may be written over what is stored, and in what form.
 * - New trades are written as built (`source: 'import'`).
 * - A trade stored from elsewhere (the API sync, or by hand) is left alone unless the export is
 *   strictly newer than its `modified`: an export has no `modified`, only its own latest time
 *   (payment, creation), and an API trade's `modified` is at least that late — so the same state
 *   seen through the API is never overwritten by the poorer copy in the report.
 * - Any stored trade is left alone when the import is older, or would move its status back.
 * - When it is written, the stored `source` stays, and derived line oids give way to the stored
 *   oids position by position (same number of lines), so lines are updated in place and what only
 *   the API knows of them (item and SKU ids, refunds) is kept.
 */
export function reconcile(trade: ImportedTrade, stored: StoredTrade | undefined): Decision {
  if (!stored) return { write: true, record: trade.record }
  const record = { ...trade.record }
  const incoming = time(record.modified)
  const current = time(stored.modified)
  if (!Number.isNaN(current)) {
    if (Number.isNaN(incoming) || incoming < current) return { write: false, reason: 'newer' }
    if (stored.source !== 'import' && incoming === current) return { write: false, reason: 'newer' }
  }
  if ((PROGRESS[String(record.status)] ?? 0) < (PROGRESS[String(stored.status)] ?? 0)) return { write: false, reason: 'further' }
  delete record.source
  for (const [key, value] of Object.entries(stored.defaulted)) if (!(key in record)) record[key] = value
  const lines = record.lines as Record<string, unknown>[]
  if (trade.derivedOids && stored.oids.length === lines.length) {
    record.lines = lines.map((line, i) => {
      const adopted: Record<string, unknown> = { ...line, oid: stored.oids[i] }
      if (!trade.refundKnown) delete adopted.refund_status
      return adopted
    })
  }
  return { write: true, record }
}
