import crypto from 'node:crypto'
import type { FormModel } from '../../schema/model/types'
import type { MessageCode } from '../../schema/messages/catalog'
import { problem } from '../../schema/messages/problem'
import { AppError, ValidationError, type FieldProblem } from '../lib/errors'
import type { RecordsService } from '../records/service'
import type { ApiRecord } from '../records/types'
import type { Mapping } from './mapping'
import { planImport, type ImportPlan, type PlannedRecord, type RowError } from './plan'
import type { Sheet } from './read-sheet'

export interface ImportOptions {
  mapping: Mapping
  key: string | null
  skipBad: boolean
}

export type ImportState = 'validating' | 'writing' | 'done' | 'refused' | 'failed'

/** Records checked per validation round and written per transaction: short enough not to hold SQLite's one connection for long. */
export const VALIDATE_CHUNK = 2000
export const WRITE_BATCH = 2000
/** errors listed in the job's answer (the report has them all) */
const LISTED_ERRORS = 1000

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * One import, run in the server process: the whole file is validated first without writing, then
 * written in short batches. All or nothing: refused when any row is bad (unless skipBad); if a
 * batch fails while writing, the batches written before it are undone (created records deleted,
 * updated ones restored) and the job ends `failed`.
 */
export class ImportJob {
  readonly id = crypto.randomBytes(12).toString('hex')
  state: ImportState = 'validating'
  progress = { done: 0, total: 0 }
  created = 0
  updated = 0
  skipped = 0
  errors: RowError[] = []
  readonly startedAt = Date.now()
  finishedAt: number | null = null
  /** settles when the job has ended (its state says how) */
  done: Promise<void> = Promise.resolve()
  /** ms spent in each phase, for the benchmark and for support */
  readonly timings = { read: 0, plan: 0, validate: 0, write: 0 }

  constructor(
    readonly form: string,
    readonly userId: number | null,
  ) {}

  get finished(): boolean {
    return this.state === 'done' || this.state === 'refused' || this.state === 'failed'
  }

  view() {
    return {
      job: this.id,
      form: this.form,
      state: this.state,
      progress: { ...this.progress },
      created: this.created,
      updated: this.updated,
      skipped: this.skipped,
      error_count: this.errors.length,
      errors: this.errors.slice(0, LISTED_ERRORS),
      timings: { ...this.timings },
    }
  }

  async run(records: RecordsService, form: FormModel, sheet: Sheet, options: ImportOptions): Promise<void> {
    let at = Date.now()
    const lap = (phase: keyof ImportJob['timings']) => {
      this.timings[phase] += Date.now() - at
      at = Date.now()
    }
    try {
      const plan = await planImport(records, form, sheet, options)
      // the plan holds what is needed from here on: let the rows go
      sheet.rows = []
      lap('plan')
      this.errors.push(...plan.errors)
      this.progress = { done: 0, total: plan.records.length }
      for (let start = 0; start < plan.records.length; start += VALIDATE_CHUNK) {
        await nextTick()
        const chunk = plan.records.slice(start, start + VALIDATE_CHUNK)
        const problems = await records.checkImport(form.key, chunk.map((r) => r.item))
        // a cell the plan already refused (a duplicate in the file) is not reported again
        const known = new Set(this.errors.map((e) => `${e.row}:${e.field}`))
        this.errors.push(...problems.map((p) => rowError(plan, chunk, p)).filter((e) => !known.has(`${e.row}:${e.field}`)))
        this.progress.done = Math.min(plan.records.length, start + chunk.length)
      }
      lap('validate')
      this.errors.sort((a, b) => a.row - b.row)
      const bad = new Set(this.errors.map((e) => e.row))
      const good = plan.records.filter((r) => !rowsOf(r).some((row) => bad.has(row)))
      this.skipped = plan.records.length - good.length
      if (this.errors.length && !options.skipBad) {
        this.state = 'refused'
        return
      }
      await this.write(records, form, plan, good)
      lap('write')
    } catch (error) {
      this.state = 'failed'
      this.errors.push(failure(error))
    } finally {
      this.finishedAt = Date.now()
    }
  }

  private async write(records: RecordsService, form: FormModel, plan: ImportPlan, good: PlannedRecord[]) {
    this.state = 'writing'
    this.progress = { done: 0, total: good.length }
    const created: number[] = []
    const before: ApiRecord[] = []
    for (let start = 0; start < good.length; start += WRITE_BATCH) {
      await nextTick()
      const batch = good.slice(start, start + WRITE_BATCH)
      try {
        const result = await records.writeImport(form.key, batch.map((r) => r.item))
        created.push(...result.created)
        before.push(...result.before)
        this.created += result.created.length
        this.updated += result.before.length
        this.progress.done = start + batch.length
        // a written batch is needed no more (an undo goes by ids): let its rows go
        for (const r of batch) r.item = { input: {} }
      } catch (error) {
        await records.undoImport(form.key, created, before)
        this.created = 0
        this.updated = 0
        this.state = 'failed'
        if (error instanceof ValidationError) this.errors.push(...error.problems.map((p) => rowError(plan, batch, p)))
        else this.errors.push(failure(error))
        return
      }
    }
    this.state = 'done'
  }
}

function rowsOf(record: PlannedRecord): number[] {
  return [record.row, ...Object.values(record.lineRows).flat()]
}

/** A problem of the records service (`[3].lines[1].qty`) placed on its spreadsheet row and column. */
function rowError(plan: ImportPlan, chunk: PlannedRecord[], problem: FieldProblem): RowError {
  const match = /^\[(\d+)\]\.(.*)$/.exec(problem.field)
  const record = match ? chunk[Number(match[1])] : undefined
  let row = record?.row ?? 0
  let path = match ? match[2] : problem.field
  let value: unknown = record?.item.input[path]
  const line = /^([a-z][a-z0-9_]*)\[(\d+)\]\.(.*)$/.exec(path)
  if (record && line) {
    const [, sub, index, column] = line
    row = record.lineRows[sub]?.[Number(index)] ?? row
    value = (record.item.input[sub] as Record<string, unknown>[] | undefined)?.[Number(index)]?.[column]
    path = `${sub}.${column}`
  }
  if (path === 'id') path = [...plan.columnOf.keys()].find((p) => !p.includes('.') && record?.item.input[p] !== undefined) ?? path
  return {
    row,
    column: plan.columnOf.get(path) ?? null,
    field: path,
    value: value === undefined || value === null ? null : typeof value === 'object' ? JSON.stringify(value) : String(value),
    code: problem.code,
    params: problem.params,
    message: problem.message,
  }
}

function failure(error: unknown): RowError {
  if (error instanceof AppError) return { row: 0, column: null, field: null, value: null, code: error.reason as MessageCode, params: error.params, message: error.message }
  console.error('[zhanggui] import failed:', error)
  const message = error instanceof Error ? error.message : String(error)
  return { row: 0, column: null, field: null, value: null, ...problem('import_failed', `writing failed and was undone: ${message}`, { message }) }
}

/** The import jobs of this server process, kept an hour after they end. */
export class ImportJobs {
  private readonly jobs = new Map<string, ImportJob>()

  start(job: ImportJob): ImportJob {
    this.sweep()
    this.jobs.set(job.id, job)
    return job
  }

  get(id: string): ImportJob | undefined {
    return this.jobs.get(id)
  }

  private sweep() {
    const old = Date.now() - 60 * 60 * 1000
    for (const [id, job] of this.jobs) if (job.finishedAt !== null && job.finishedAt < old) this.jobs.delete(id)
  }
}
