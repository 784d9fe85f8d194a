import { Decimal } from '../../schema/lib/decimal'
import { parseDateTimeText, businessDate } from '../../schema/lib/time'
import type { Actor } from '../access/actor'
import type { AppContext } from '../context'
import { badRequest } from '../lib/errors'
import { normalizeHeader } from '../sync/seller-center/headers'
import { decodeText } from '../sync/seller-center/decode'
import { readTable, UnreadableFile, type TableRow } from '../sync/seller-center/table'
import { fromSource } from '../audit/actors'

/**
 * 支付宝 账务明细 (the account statement a merchant downloads from 支付宝商家中心 as CSV, GBK or
 * UTF-8, or XLSX) → 平台结算 documents. The money the platform releases for an order arrives as
 * an income row (交易收款 / 在线支付), and what it keeps for itself as expense rows of the same
 * 商户订单号 (佣金 / 分账 → commission; 技术服务费, 服务费, 运费险… → service fee). One settlement per
 * order: gross = the income, so 1122 is cleared by what was owed and the fees become expenses.
 * Rows that are not settlements (提现 to the bank, transfers, refunds) are listed as skipped.
 */
export interface StatementSettlement {
  reference: string
  order_ref: string
  settled_on: string
  gross: string
  commission: string
  service_fee: string
  rows: number[]
}

export interface StatementPlan {
  settlements: StatementSettlement[]
  skipped: { row: number; reason: string }[]
}

const COLUMNS = {
  serial: ['账务流水号'],
  business: ['业务流水号'],
  order: ['商户订单号'],
  item: ['商品名称'],
  time: ['发生时间', '入账时间'],
  income: ['收入金额', '收入'],
  expense: ['支出金额', '支出'],
  type: ['业务类型', '账务类型'],
  memo: ['备注'],
} as const

const COMMISSION = /佣金|分账/
const FEES = /服务费|技术服务|运费险|保险|手续费|花呗|信用卡/
const NOT_SETTLEMENT = /提现|转账|充值|退款/

export function planSettlements(rows: TableRow[], headers: string[]): StatementPlan {
  const column = (names: readonly string[]) => headers.find((h) => names.some((n) => normalizeHeader(h).startsWith(normalizeHeader(n))))
  const cols = Object.fromEntries(Object.entries(COLUMNS).map(([k, names]) => [k, column(names)])) as Record<keyof typeof COLUMNS, string | undefined>
  if (!cols.serial || !cols.income || !cols.expense || !cols.time) throw badRequest('not a 支付宝 账务明细: it needs 账务流水号, 发生时间, 收入金额 and 支出金额').because('alipay_statement_unreadable')
  const groups = new Map<string, { income: TableRow[]; commission: Decimal; fees: Decimal; rows: number[] }>()
  const skipped: StatementPlan['skipped'] = []
  const amount = (text: string | undefined) => new Decimal((text ?? '').replace(/[,+\s]/g, '').replace(/^-/, '') || '0')
  for (const r of rows) {
    const cell = (k: keyof typeof COLUMNS) => (cols[k] ? (r.cells[cols[k]!] ?? '') : '')
    if (cell('serial').startsWith('#') || !cell('serial')) continue // the statement's title and totals lines
    const words = `${cell('type')} ${cell('memo')} ${cell('item')}`
    const income = amount(cell('income'))
    const expense = amount(cell('expense'))
    const key = cell('order') || cell('business')
    if (!key || NOT_SETTLEMENT.test(words)) {
      skipped.push({ row: r.row, reason: key ? `not a settlement: ${cell('type') || cell('memo')}` : 'no 商户订单号 or 业务流水号' })
      continue
    }
    const group = groups.get(key) ?? { income: [], commission: new Decimal(0), fees: new Decimal(0), rows: [] }
    if (income.gt(0)) group.income.push(r)
    else if (expense.gt(0) && COMMISSION.test(words)) group.commission = group.commission.plus(expense)
    else if (expense.gt(0) && FEES.test(words)) group.fees = group.fees.plus(expense)
    else {
      skipped.push({ row: r.row, reason: `not a settlement: ${cell('type') || cell('memo') || 'no amount'}` })
      continue
    }
    group.rows.push(r.row)
    groups.set(key, group)
  }
  const settlements: StatementSettlement[] = []
  for (const [key, group] of groups) {
    if (group.income.length === 0) {
      for (const row of group.rows) skipped.push({ row, reason: `fees of ${key} without its income row` })
      continue
    }
    const first = group.income[0]
    const at = parseDateTimeText(first.cells[cols.time!] ?? '')
    const gross = group.income.reduce((n, r) => n.plus(amount(r.cells[cols.income!])), new Decimal(0))
    settlements.push({
      reference: `支付宝:${first.cells[cols.serial!]}`,
      order_ref: key,
      settled_on: at === null ? businessDate(Date.now()) : businessDate(at),
      gross: gross.toFixed(2),
      commission: group.commission.toFixed(2),
      service_fee: group.fees.toFixed(2),
      rows: group.rows,
    })
  }
  return { settlements, skipped }
}

/**
 * The statement as a table. Its CSV has '#' lines above and below the list (account, period,
 * totals) that would defeat the delimiter guess, so they are left out first.
 */
async function readStatement(file: Uint8Array) {
  const bytes = Buffer.from(file.buffer, file.byteOffset, file.byteLength)
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return readTable(bytes, ['账务流水号'])
  const { text, encoding } = decodeText(bytes)
  const kept = text
    .split(/\r?\n/)
    .map((line, i) => ({ line, number: i + 1 }))
    .filter(({ line }) => !line.trimStart().startsWith('#'))
  const table = await readTable(Buffer.from(kept.map((k) => k.line).join('\n'), 'utf8'), ['账务流水号'])
  // Rows are numbered as in the file the merchant has open.
  return { ...table, rows: table.rows.map((r) => ({ ...r, row: kept[r.row - 1]?.number ?? r.row })), encoding }
}

/**
 * Reads the file and, unless `dryRun`, creates and submits one 平台结算 per settled order that is
 * not imported yet (matched by its reference, so importing the same statement twice adds nothing).
 */
export async function importAlipayStatement(ctx: AppContext, actor: Actor, input: { shop: unknown; file?: Uint8Array; dryRun: boolean }) {
  const shopId = Number(input.shop)
  if (!Number.isSafeInteger(shopId) || shopId <= 0) throw badRequest('send the shop id as "shop"').because('import_bad_shop')
  const records = ctx.records.as(fromSource(actor, 'import'))
  await records.get('shops', shopId)
  if (!input.file) throw badRequest('send the 账务明细 file as "statement"').because('alipay_statement_file')
  let table
  try {
    table = await readStatement(input.file)
  } catch (error) {
    if (error instanceof UnreadableFile) throw badRequest(error.message).because('alipay_statement_unreadable')
    throw error
  }
  const plan = planSettlements(table.rows, table.headers)
  const known = new Set<string>()
  const refs = plan.settlements.map((s) => s.reference)
  for (let i = 0; i < refs.length; i += 500) {
    const page = await records.list('settlements', { filter: { field: 'reference', op: 'in', value: refs.slice(i, i + 500) }, limit: 500, total: false })
    for (const s of page.data) known.add(String(s.reference))
  }
  const fresh = plan.settlements.filter((s) => !known.has(s.reference)).map((s) => ({ ...s, order: null as number | null }))
  // 商户订单号 of a Taobao trade is "T200P" + tid: the settlement names the ERP order, so a refund
  // after it is paid from Alipay rather than taken off the receivable.
  for (const s of fresh) {
    const tid = s.order_ref.replace(/^T\d{3}P/, '')
    if (!/^\d+$/.test(tid)) continue
    const orders = await records.list('orders', { filter: { field: 'tids', op: 'contains', value: tid }, limit: 20, total: false })
    s.order = orders.data.find((o) => String(o.tids ?? '').split(/[,，\s]+/).includes(tid))?.id ?? null
  }
  const created: number[] = []
  if (!input.dryRun) {
    for (const s of fresh) {
      const record = await records.create('settlements', {
        shop: shopId,
        order: s.order,
        settled_on: s.settled_on,
        gross: s.gross,
        commission: s.commission,
        service_fee: s.service_fee,
        received_to: 'alipay',
        reference: s.reference,
        remark: `支付宝账务明细 ${s.order_ref}`,
      })
      await records.runAction('settlements', record.id, 'submit')
      created.push(record.id)
    }
  }
  return {
    dry_run: input.dryRun,
    encoding: table.encoding,
    settlements: fresh,
    existing: plan.settlements.length - fresh.length,
    created,
    skipped: plan.skipped,
  }
}
