import { parseTopTime } from '../../time'
import type { ShopInfo } from '../serialize'
import { FieldSelection } from '../serialize'
import type { TradeStore } from '../store'
import type { TmcPublisher, TmcQueue } from '../tmc'

export interface TopErrorBody {
  code: number
  msg: string
  sub_code?: string
  sub_msg?: string
}

/** An answer of the gateway that is an error_response. */
export class SimApiError extends Error {
  constructor(readonly body: TopErrorBody) {
    super(`${body.code} ${body.msg}${body.sub_code ? ` ${body.sub_code}` : ''}`)
  }
}

export const missingArgument = (name: string) =>
  new SimApiError({ code: 40, msg: `Missing required arguments:${name}`, sub_code: 'isv.missing-parameter', sub_msg: `${name} is required` })

export const invalidArgument = (name: string, why: string) =>
  new SimApiError({ code: 41, msg: `Invalid arguments:${name}`, sub_code: 'isv.invalid-parameter', sub_msg: why })

/** A business refusal (code 15, isv.*): the request was fine, the shop's data says no. */
export const businessError = (subCode: string, subMsg: string) =>
  new SimApiError({ code: 15, msg: 'Remote service error', sub_code: subCode, sub_msg: subMsg })

export interface StockUpload {
  at: number
  method: string
  num_iid: string
  sku_id: string | null
  outer_id: string | null
  quantity: number
  type: 1 | 2
  /** the quantity after the update */
  result: number
}

export interface LogisticsSend {
  at: number
  tid: string
  out_sid: string
  company_code: string
  sub_tids: string[] | null
  ok: boolean
  error?: string
}

/** What the ERP did to the shop, for /__sim/truth. */
export class ShopActivity {
  readonly stockUploads: StockUpload[] = []
  readonly logisticsSends: LogisticsSend[] = []
  readonly calls = new Map<string, number>()

  countCall(method: string) {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1)
  }
}

/** Query results for one (simulated second, data version): paging through a window stays cheap. */
export class QueryCache {
  private key = ''
  private readonly entries = new Map<string, unknown>()

  get<T>(query: string, now: number, version: number, compute: () => T): T {
    const key = `${Math.floor(now / 1000)}:${version}`
    if (key !== this.key) {
      this.entries.clear()
      this.key = key
    }
    if (!this.entries.has(query)) this.entries.set(query, compute())
    return this.entries.get(query) as T
  }
}

export interface SimContext {
  shop: ShopInfo & { userId: string }
  appKey: string
  store: TradeStore
  tmcQueue: TmcQueue
  tmcPublisher: TmcPublisher
  activity: ShopActivity
  queryCache: QueryCache
}

export type RequestParams = Record<string, string>

export interface ApiCall {
  params: RequestParams
  /** the simulated time of the request */
  now: number
  ctx: SimContext
}

export interface SimApi<Args = unknown> {
  method: string
  needsSession: boolean
  /** required and well-formed arguments (codes 40 / 41) */
  validate(call: ApiCall): Args
  /** the business: may throw isv errors (code 15) */
  run(args: Args, call: ApiCall): Record<string, unknown>
}

export function defineApi<Args>(api: SimApi<Args>): SimApi<unknown> {
  return api as SimApi<unknown>
}

// --- argument readers -------------------------------------------------------------------------

export function optionalString(params: RequestParams, name: string): string | undefined {
  const value = params[name]?.trim()
  return value ? value : undefined
}

export function requiredString(params: RequestParams, name: string): string {
  const value = optionalString(params, name)
  if (value === undefined) throw missingArgument(name)
  return value
}

export function requiredId(params: RequestParams, name: string): string {
  const value = requiredString(params, name)
  if (!/^\d{1,20}$/.test(value)) throw invalidArgument(name, `${name} must be a number`)
  return value
}

export function optionalInt(params: RequestParams, name: string, range: { min: number; max: number; fallback: number }): number {
  const text = optionalString(params, name)
  if (text === undefined) return range.fallback
  const value = Number(text)
  if (!/^-?\d+$/.test(text) || value < range.min || value > range.max) {
    throw invalidArgument(name, `${name} must be a whole number from ${range.min} to ${range.max}, got ${text}`)
  }
  return value
}

export function requiredInt(params: RequestParams, name: string, range: { min: number; max: number }): number {
  requiredString(params, name)
  return optionalInt(params, name, { ...range, fallback: 0 })
}

export function optionalTime(params: RequestParams, name: string): number | undefined {
  const text = optionalString(params, name)
  if (text === undefined) return undefined
  const ms = parseTopTime(text)
  if (ms === null) throw invalidArgument(name, `${name} must be a time like 2024-01-01 12:00:00, got ${text}`)
  return ms
}

export function requiredTime(params: RequestParams, name: string): number {
  requiredString(params, name)
  return optionalTime(params, name)!
}

export function optionalBool(params: RequestParams, name: string): boolean | undefined {
  const text = optionalString(params, name)
  if (text === undefined) return undefined
  if (text === 'true' || text === '1') return true
  if (text === 'false' || text === '0') return false
  throw invalidArgument(name, `${name} must be true or false`)
}

export function requiredFields(params: RequestParams): FieldSelection {
  return new FieldSelection(requiredString(params, 'fields'))
}

export function pageOf<T>(list: readonly T[], pageNo: number, pageSize: number): T[] {
  return list.slice((pageNo - 1) * pageSize, pageNo * pageSize)
}

/** The list envelope; an empty result omits the list key but keeps the count. */
export function listResponse(
  listKey: string,
  itemKey: string,
  page: unknown[],
  paging: { useHasNext: boolean; total: number; pageNo: number; pageSize: number },
): Record<string, unknown> {
  const out: Record<string, unknown> = paging.useHasNext
    ? { has_next: paging.pageNo * paging.pageSize < paging.total }
    : { total_results: paging.total }
  if (page.length) out[listKey] = { [itemKey]: page }
  return out
}
