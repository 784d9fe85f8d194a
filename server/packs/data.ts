import type { AppContext } from '../context'
import type { TableModel } from '../../schema/model/types'

/**
 * Creates a pack's records (its sample data, or the records an export carries) through the
 * records service. Values may name earlier records as `{"$ref": "<form>:<index>"}` and files of
 * the pack as `{"$file": "files/…", "name", "mime"}`; `$actions` run once a record exists (to
 * submit a document). A link to a record created later (a cycle between forms, a record linking
 * to one after it in its own form) is set in a second pass, once every record exists. One
 * transaction: the records arrive all or none (files saved before a refusal stay unreferenced).
 */
export async function createPackRecords(
  ctx: AppContext,
  sample: Record<string, Record<string, unknown>[]>,
  files: Map<string, Buffer> = new Map(),
): Promise<Record<string, number>> {
  const created = new Map<string, number[]>()
  const fileIds = new Map<string, number>()
  const later: { form: string; index: number; values: Record<string, unknown> }[] = []

  const fileId = async (ref: { $file: string; name?: unknown; mime?: unknown }): Promise<number> => {
    if (!fileIds.has(ref.$file)) {
      const buffer = files.get(ref.$file)
      if (!buffer) throw new Error(`sample data names ${ref.$file}, which the pack does not carry`)
      const name = typeof ref.name === 'string' ? ref.name : ref.$file.split('/').pop()!
      const stored = await ctx.files.save({ name, mime: typeof ref.mime === 'string' ? ref.mime : 'application/octet-stream', buffer, form: null, userId: null })
      fileIds.set(ref.$file, stored.id)
    }
    return fileIds.get(ref.$file)!
  }
  const refId = (ref: string): number | undefined => {
    const [form, index] = ref.split(':')
    return created.get(form)?.[Number(index)]
  }
  /** A record's values with references resolved; unresolvable links go to `deferred`. */
  const resolve = async (table: TableModel, record: Record<string, unknown>, deferred: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(record)) {
      if (key === '$actions' || key === '$at') continue
      const field = table.field(key)
      if (field?.lines && Array.isArray(value)) {
        out[key] = await Promise.all(value.map((line) => resolve(field.lines!, line as Record<string, unknown>, {})))
      } else if (Array.isArray(value) && value.some(isFile)) {
        out[key] = await Promise.all(value.map((v) => (isFile(v) ? fileId(v) : v)))
      } else if (Array.isArray(value) && value.some(isRef)) {
        const ids = value.map((v) => (isRef(v) ? refId(v.$ref) : v))
        if (ids.includes(undefined)) deferred[key] = value
        else out[key] = ids
      } else if (isRef(value)) {
        const id = refId(value.$ref)
        if (id === undefined) deferred[key] = value
        else out[key] = id
      } else out[key] = value
    }
    return out
  }

  // Files first: the store writes outside the records' transaction (SQLite has one connection).
  for (const ref of collectFiles(sample)) await fileId(ref)
  return ctx.records.transaction(async (service) => {
    for (const run of creationRuns(sample)) {
      const form = ctx.registry.require(run.form)
      const inputs: Record<string, unknown>[] = []
      for (const { index, record } of run.records) {
        const deferred: Record<string, unknown> = {}
        inputs.push(await resolve(form, record, deferred))
        if (Object.keys(deferred).length) later.push({ form: run.form, index, values: deferred })
      }
      const ids = await service.createManyIds(run.form, inputs)
      const list = created.get(run.form) ?? []
      run.records.forEach(({ index }, i) => (list[index] = ids[i]))
      created.set(run.form, list)
    }
    for (const { form, index, values } of later) {
      const resolved = await resolve(ctx.registry.require(form), values, {})
      await service.update(form, created.get(form)![index], resolved)
    }
    // Documents are submitted once every link is set, so what they post is complete.
    for (const [formKey, records] of Object.entries(sample)) {
      for (const [i, record] of records.entries()) {
        for (const action of (record.$actions as string[] | undefined) ?? []) await service.runAction(formKey, created.get(formKey)![i], action)
      }
    }
    return Object.fromEntries([...created].map(([form, ids]) => [form, ids.length]))
  })
}

function collectFiles(value: unknown, out: { $file: string; name?: unknown; mime?: unknown }[] = []) {
  if (isFile(value)) out.push(value)
  else if (Array.isArray(value)) value.forEach((v) => collectFiles(v, out))
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => collectFiles(v, out))
  return out
}

/**
 * The order records are created in: form by form, or — when records carry `$at` (an export's
 * creation times) — as they were first created across forms, so a value copied from a linked
 * record (a quote's best price into an order line) is copied as it was then. Consecutive records
 * of one form are created together.
 */
function creationRuns(sample: Record<string, Record<string, unknown>[]>): { form: string; records: { index: number; record: Record<string, unknown> }[] }[] {
  const entries = Object.entries(sample).flatMap(([form, records]) => records.map((record, index) => ({ form, index, record })))
  const at = (e: { record: Record<string, unknown> }) => (typeof e.record.$at === 'number' ? e.record.$at : -Infinity)
  if (entries.some((e) => typeof e.record.$at === 'number')) entries.sort((a, b) => at(a) - at(b))
  const runs: { form: string; records: { index: number; record: Record<string, unknown> }[] }[] = []
  for (const { form, index, record } of entries) {
    const last = runs[runs.length - 1]
    if (last?.form === form) last.records.push({ index, record })
    else runs.push({ form, records: [{ index, record }] })
  }
  return runs
}

const isRef = (v: unknown): v is { $ref: string } => typeof v === 'object' && v !== null && typeof (v as { $ref?: unknown }).$ref === 'string'
const isFile = (v: unknown): v is { $file: string; name?: unknown; mime?: unknown } => typeof v === 'object' && v !== null && typeof (v as { $file?: unknown }).$file === 'string'
