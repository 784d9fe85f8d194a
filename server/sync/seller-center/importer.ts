import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import type { Actor } from '../../access/actor'
import type { AppContext } from '../../context'
import { AppError, badRequest, notFound } from '../../lib/errors'
import type { RecordsService } from '../../records/service'
import type { EffectCounts } from '../erp-effects'
import type { SyncCounts } from '../runs'
import { TradeWriter } from '../trade-sync'
import { reconcile, type StoredTrade } from './reconcile'
import { buildTrades, type ImportError, type ImportedTrade } from './records'
import { readTable, TooManyRows, UnreadableFile, type Table, type TableLimits } from './table'
import { fromSource } from '../../audit/actors'

/** An uploaded report: in memory, or a file on disk (uploads are written to disk, then read as a stream). */
export interface UploadedFile {
  name?: string
  buffer?: Uint8Array
  path?: string
  size?: number
}

export interface ImportFiles {
  shop: unknown
  /** 订单报表 (ExportOrderList…) */
  orders?: UploadedFile
  /** 宝贝报表 (ExportOrderDetailList…), optional */
  items?: UploadedFile
}

export interface FileInfo {
  name: string | null
  format: 'csv' | 'xlsx'
  encoding: string | null
  rows: number
}

export interface PreviewResult {
  shop: number
  /** trades that can be imported, and their lines */
  trades: number
  lines: number
  /** of those: not stored yet / already stored for this shop */
  new: number
  existing: number
  /** existing trades the import will leave alone: what is stored is newer (e.g. from the API sync) or further along */
  kept: number
  /** rows left out, and why (file-level problems have row 0, header problems row 1) */
  errors: ImportError[]
  error_count: number
  warnings: string[]
  sample: Record<string, unknown>[]
  files: { orders: FileInfo | null; items: FileInfo | null }
  /** send it to commit within `expires_at` */
  token: string
  expires_at: string
}

export interface CommitResult {
  created: number
  updated: number
  unchanged: number
  failed: number
  orders_created: number
  orders_cancelled: number
  orders_flagged: number
  orders_updated: number
  after_sales: number
  errors: { tid: string; message: string }[]
}

interface Parsed {
  shopId: number
  trades: ImportedTrade[]
  lines: number
  errors: ImportError[]
  warnings: string[]
  files: PreviewResult['files']
}

interface Held {
  userId: number | null
  username: string
  parsed: Parsed
  expiresAt: number
}

const ANCHORS = ['订单编号', '订单号', '主订单编号']
const MAX_LISTED_ERRORS = 1000
const SAMPLE_SIZE = 5

/**
 * The seller-center order import (已卖出的宝贝 → 批量导出: 订单报表 + 宝贝报表, for merchants without
 * API access). `preview` reads the files and writes nothing: it answers what would be imported,
 * which rows are left out and why, and a token; `commit` writes the previewed trades (or re-read
 * files) through the sync's own path — upsert by shop + tid, ERP effects in the same transaction.
 * Previews are held in this process's memory for `ttlMs`, one set per token and user.
 */
export class SellerCenterImport {
  private readonly held = new Map<string, Held>()
  private readonly ttlMs: number
  private readonly maxHeld: number
  private readonly batchSize: number
  private readonly limits: TableLimits
  /** uploads bigger than this (bytes, both files) are read in a background job */
  private readonly jobBytes: number
  /** commits of more trades than this are written in a background job */
  private readonly jobTrades: number
  private readonly jobs = new Map<string, SellerCenterJob>()

  constructor(
    private readonly ctx: AppContext,
    options: { ttlMs?: number; maxHeld?: number; batchSize?: number; maxRows?: number; jobBytes?: number; jobTrades?: number } = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30 * 60_000
    this.maxHeld = options.maxHeld ?? 20
    this.batchSize = options.batchSize ?? 200
    this.limits = { maxRows: options.maxRows ?? 200_000 }
    this.jobBytes = options.jobBytes ?? 256 * 1024
    this.jobTrades = options.jobTrades ?? 1000
  }

  /** The preview, or (for a big upload) a background job that makes it: `{job}`. */
  async previewOrJob(actor: Actor, files: ImportFiles): Promise<{ job: SellerCenterJob } | { preview: PreviewResult }> {
    if (uploadBytes(files) <= this.jobBytes) return { preview: await this.preview(actor, files) }
    await this.admit(actor, files)
    return { job: this.startJob(actor, 'preview', (job) => this.preview(actor, files, job)) }
  }

  /** Commits a held preview; a big one is written in a background job. */
  async commitOrJob(actor: Actor, token: unknown): Promise<{ job: SellerCenterJob } | { result: CommitResult }> {
    const held = this.take(actor, token)
    if (held.parsed.trades.length <= this.jobTrades) return { result: await this.write(actor, held.parsed) }
    return { job: this.startJob(actor, 'commit', (job) => this.write(actor, held.parsed, job)) }
  }

  /** Reads the files again and writes them; big uploads in a background job. */
  async commitFilesOrJob(actor: Actor, files: ImportFiles): Promise<{ job: SellerCenterJob } | { result: CommitResult }> {
    if (uploadBytes(files) <= this.jobBytes) return { result: await this.commitFiles(actor, files) }
    await this.admit(actor, files)
    return { job: this.startJob(actor, 'commit', async (job) => this.write(actor, await this.read(actor, files, job), job)) }
  }

  /** A job of this user (administrators see every one). */
  job(actor: Actor, id: string): SellerCenterJob {
    const job = this.jobs.get(id)
    if (!job || (job.userId !== actor.userId && actor.role !== 'admin')) throw notFound(`no import job ${id}`).because('seller_import_job_not_found', { job: id })
    return job
  }

  private startJob(actor: Actor, kind: SellerCenterJob['kind'], work: (job: SellerCenterJob) => Promise<unknown>): SellerCenterJob {
    const old = Date.now() - 60 * 60_000
    for (const [id, job] of this.jobs) if (job.finishedAt !== null && job.finishedAt < old) this.jobs.delete(id)
    const job = new SellerCenterJob(kind, actor.userId)
    this.jobs.set(job.id, job)
    job.done = (async () => {
      // the request is answered first; the work starts on the next turn
      await new Promise((resolve) => setImmediate(resolve))
      try {
        job.result = await work(job)
        job.state = 'done'
      } catch (error) {
        job.state = 'failed'
        job.error = error instanceof AppError ? { code: error.reason, params: error.params, message: error.message } : { code: 'import_failed', params: { message: String((error as Error)?.message ?? error) }, message: String((error as Error)?.message ?? error) }
        if (!(error instanceof AppError)) console.error('[zhanggui] seller-center import job:', error)
      } finally {
        job.finishedAt = Date.now()
      }
    })()
    return job
  }

  /** What can be refused before a job starts: access, the shop, the orders file. */
  private async admit(actor: Actor, files: ImportFiles): Promise<number> {
    this.checkAccess(actor)
    const shopId = Number(files.shop)
    if (!Number.isSafeInteger(shopId) || shopId <= 0) throw badRequest('send the shop id as "shop"').because('import_bad_shop')
    await this.ctx.records.as(actor).get('shops', shopId)
    if (!files.orders) throw badRequest('send the 订单报表 (ExportOrderList…) as the "orders" file').because('import_orders_file')
    return shopId
  }

  private take(actor: Actor, token: unknown): Held {
    this.expire()
    const held = typeof token === 'string' ? this.held.get(token) : undefined
    if (!held || held.userId !== actor.userId || held.username !== actor.username) throw notFound('this import preview does not exist or has expired; upload the files again').because('import_expired')
    this.checkAccess(actor)
    this.held.delete(token as string)
    return held
  }

  async preview(actor: Actor, files: ImportFiles, job?: SellerCenterJob): Promise<PreviewResult> {
    const parsed = await this.read(actor, files, job)
    job?.phase('checking', 0, parsed.trades.length)
    const service = this.ctx.records.as(actor)
    const stored = await storedTrades(service, parsed.shopId, parsed.trades.map((t) => String(t.record.tid)), this.defaulted())
    let kept = 0
    for (const trade of parsed.trades) {
      const current = stored.get(String(trade.record.tid))
      if (current && !reconcile(trade, current).write) kept++
    }
    const token = this.hold(actor, parsed)
    return {
      shop: parsed.shopId,
      trades: parsed.trades.length,
      lines: parsed.lines,
      new: parsed.trades.length - stored.size,
      existing: stored.size,
      kept,
      errors: parsed.errors.slice(0, MAX_LISTED_ERRORS),
      error_count: parsed.errors.length,
      warnings: parsed.warnings,
      sample: parsed.trades.slice(0, SAMPLE_SIZE).map((t) => t.record),
      files: parsed.files,
      token,
      expires_at: new Date(this.held.get(token)!.expiresAt).toISOString(),
    }
  }

  /** Writes what a preview showed; the token is used up. */
  async commit(actor: Actor, token: unknown): Promise<CommitResult> {
    return this.write(actor, this.take(actor, token).parsed)
  }

  /** Reads the files again and writes them (for clients that keep no token, or another server process). */
  async commitFiles(actor: Actor, files: ImportFiles): Promise<CommitResult> {
    return this.write(actor, await this.read(actor, files))
  }

  private checkAccess(actor: Actor) {
    const form = this.ctx.registry.get('platform_trades')
    if (!form) throw notFound('the platform_trades form is not installed (install the Taobao ERP pack)').because('import_needs_pack')
    this.ctx.access.check(actor, 'create', form)
    this.ctx.access.check(actor, 'update', form)
  }

  /** Fields of platform_trades with a default: an upsert would reset them when left out. */
  private defaulted(): string[] {
    return this.ctx.registry.require('platform_trades').fields.filter((f) => f.def.default !== undefined && !f.lines && !f.computed).map((f) => f.key)
  }

  private async read(actor: Actor, files: ImportFiles, job?: SellerCenterJob): Promise<Parsed> {
    const shopId = await this.admit(actor, files)
    const errors: ImportError[] = []
    job?.phase('reading', 0, 0)
    const orders = await tableOrError('orders', files.orders!, errors, this.limits, job)
    const items = files.items ? await tableOrError('items', files.items, errors, this.limits, job) : null
    const info = (file: UploadedFile | undefined, table: Table | null): FileInfo | null =>
      file && table ? { name: file.name ?? null, format: table.format, encoding: table.encoding, rows: table.rows.length } : null
    const files_ = { orders: info(files.orders, orders), items: info(files.items, items) }
    // An items file that could not be read is not silently replaced by summary lines.
    if (!orders || (files.items && !items)) return { shopId, trades: [], lines: 0, errors, warnings: [], files: files_ }
    const built = await buildTrades(shopId, orders, items)
    return { shopId, trades: built.trades, lines: built.lines, errors: [...errors, ...built.errors], warnings: built.warnings, files: files_ }
  }

  private async write(actor: Actor, parsed: Parsed, job?: SellerCenterJob): Promise<CommitResult> {
    const counts: SyncCounts = { windows: 0, pages: 0, created: 0, updated: 0, unchanged: 0, failed: 0 }
    const effects: EffectCounts = { orders_created: 0, orders_cancelled: 0, orders_flagged: 0, orders_updated: 0, after_sales: 0 }
    const errors: CommitResult['errors'] = []
    const byTid = new Map(parsed.trades.map((t) => [String(t.record.tid), t]))
    const defaulted = this.defaulted()
    const writer = new TradeWriter(this.ctx.records.as(fromSource(actor, 'import')), counts, effects, (tid, message) => errors.push({ tid, message }), async (service, records) => {
      // Inside the batch's transaction: what is stored now decides what is written.
      const stored = await storedTrades(service, parsed.shopId, records.map((r) => String(r.tid)), defaulted)
      const written: Record<string, unknown>[] = []
      for (const record of records) {
        const decision = reconcile(byTid.get(String(record.tid))!, stored.get(String(record.tid)))
        if (decision.write) written.push(decision.record)
      }
      return { records: written, kept: records.length - written.length }
    })
    const records = parsed.trades.map((t) => t.record)
    job?.phase('writing', 0, records.length)
    for (let i = 0; i < records.length; i += this.batchSize) {
      await writer.write(records.slice(i, i + this.batchSize))
      job?.phase('writing', Math.min(records.length, i + this.batchSize), records.length)
      // other requests get their turn between batches
      await new Promise((resolve) => setImmediate(resolve))
    }
    return { created: counts.created, updated: counts.updated, unchanged: counts.unchanged, failed: counts.failed, ...effects, errors }
  }

  private hold(actor: Actor, parsed: Parsed): string {
    this.expire()
    while (this.held.size >= this.maxHeld) this.held.delete(this.held.keys().next().value!)
    const token = randomBytes(24).toString('base64url')
    this.held.set(token, { userId: actor.userId, username: actor.username, parsed, expiresAt: Date.now() + this.ttlMs })
    return token
  }

  private expire() {
    const now = Date.now()
    for (const [token, held] of this.held) if (held.expiresAt <= now) this.held.delete(token)
  }
}

async function tableOrError(file: 'orders' | 'items', upload: UploadedFile, errors: ImportError[], limits: TableLimits, job?: SellerCenterJob): Promise<Table | null> {
  try {
    const source = upload.path ? { path: upload.path } : (upload.buffer ?? new Uint8Array())
    return await readTable(source, ANCHORS, limits, (rows) => job?.phase('reading', rows, 0))
  } catch (error) {
    if (error instanceof TooManyRows) throw new AppError(413, 'too_large', error.message).because('seller_import_too_many_rows', { max: error.max })
    if (!(error instanceof UnreadableFile)) throw error
    errors.push({ file, row: 0, message: error.message })
    return null
  }
}

/** The stored trades of a shop among `tids`, by tid. */
async function storedTrades(service: RecordsService, shopId: number, tids: string[], defaulted: string[]): Promise<Map<string, StoredTrade>> {
  const found = new Map<string, StoredTrade>()
  for (let i = 0; i < tids.length; i += 500) {
    const filter = { and: [{ field: 'shop', op: 'eq', value: shopId }, { field: 'tid', op: 'in', value: tids.slice(i, i + 500) }] }
    const page = await service.list('platform_trades', { filter, limit: 500, lines: true, total: false })
    for (const trade of page.data) {
      const lines = ((trade.lines as Record<string, unknown>[]) ?? []).slice().sort((a, b) => Number(a.line_no) - Number(b.line_no))
      found.set(String(trade.tid), {
        id: trade.id,
        tid: String(trade.tid),
        status: trade.status === null || trade.status === undefined ? null : String(trade.status),
        source: trade.source === null || trade.source === undefined ? null : String(trade.source),
        modified: typeof trade.modified === 'string' ? trade.modified : null,
        oids: lines.map((l) => String(l.oid)),
        defaulted: Object.fromEntries(defaulted.map((key) => [key, trade[key] ?? null])),
      })
    }
  }
  return found
}

function uploadBytes(files: ImportFiles): number {
  const size = (f: UploadedFile | undefined) => (f ? (f.size ?? f.buffer?.byteLength ?? (f.path ? fs.statSync(f.path).size : 0)) : 0)
  return size(files.orders) + size(files.items)
}

/** A seller-center preview or commit running in the background, with its progress. */
export class SellerCenterJob {
  readonly id = randomBytes(12).toString('hex')
  state: 'running' | 'done' | 'failed' = 'running'
  progress: { phase: 'queued' | 'reading' | 'checking' | 'writing'; done: number; total: number } = { phase: 'queued', done: 0, total: 0 }
  result: unknown = null
  error: { code: string; params: Record<string, unknown>; message: string } | null = null
  finishedAt: number | null = null
  /** settles when the job has ended */
  done: Promise<void> = Promise.resolve()

  constructor(
    readonly kind: 'preview' | 'commit',
    readonly userId: number | null,
  ) {}

  phase(phase: SellerCenterJob['progress']['phase'], done: number, total: number): void {
    this.progress = { phase, done, total }
  }

  view() {
    return { job: this.id, kind: this.kind, state: this.state, progress: { ...this.progress }, result: this.result, error: this.error }
  }
}
