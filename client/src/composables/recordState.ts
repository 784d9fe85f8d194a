import { computed, reactive, ref, shallowRef } from 'vue'
import { compileForms } from '@schema/model/compile'
import { checkRecord } from '@schema/model/check-record'
import { computeRecord, type WorkingRecord } from '@schema/model/compute'
import { conditionOn } from '@schema/model/actions'
import { localize, type Locale } from '@schema/lib/localized'
import { checkRules } from '@schema/model/rules'
import type { FieldModel, FormModel, TableModel } from '@schema/model/types'
import type { FieldProblem } from '@/api/client'
import type { FormInfo, RecordData } from '@/api/types'
import { defaultValue, newLineKey } from '@/fields/shared/defaults'
import { idOf } from '@/fields/shared/format'
import { fetchByIds } from '@/fields/link/search'
import type { LineRow } from '@/fields/sub_form/lines'
import { useFormsStore } from '@/stores/forms'
import { useSessionStore } from '@/stores/session'

type Values = Record<string, unknown>

/*
 * The record form runs the same pure model code as the server (schema/model): copies, lookups,
 * line formulas, rollups and formulas are computed as the user types, and the same required /
 * range / pattern / rule checks run before a save. The server stays the authority: its answer
 * replaces what we computed.
 */

let compiled: { source: FormInfo[]; forms: Map<string, FormModel> } | null = null

function formModel(all: FormInfo[], key: string): FormModel | undefined {
  if (compiled?.source !== all) compiled = { source: all, forms: compileForms(all.map((f) => ({ def: f.definition, at: f.key }))).forms }
  return compiled.forms.get(key)
}

export function isEditableField(field: FieldModel): boolean {
  if (field.def.readonly) return false
  return !field.computed || (field.computed === 'copy' && field.def.editable !== false)
}

/** API value (`{id, display}`, file descriptors) → the canonical value the model computes with. */
function canonical(field: FieldModel, value: unknown): unknown {
  const kind = field.value.kind
  if (kind === 'link' || kind === 'user') return idOf(value)
  if (kind === 'link_list' || kind === 'files') return Array.isArray(value) ? value.map(idOf) : []
  return value === undefined ? null : value
}

function buildWorking(table: TableModel, values: Values, original: Values | undefined, provided: Set<string>, problems: FieldProblem[], path = ''): WorkingRecord {
  const working: WorkingRecord = { values: {}, lines: {}, provided, id: typeof values.id === 'number' ? values.id : undefined }
  if (original) working.previous = Object.fromEntries(table.fields.filter((f) => !f.lines).map((f) => [f.key, canonical(f, original[f.key])]))
  for (const field of table.fields) {
    if (field.lines) {
      const rows = (Array.isArray(values[field.key]) ? values[field.key] : []) as LineRow[]
      const before = new Map(((original?.[field.key] as LineRow[] | undefined) ?? []).map((l) => [l.id, l]))
      working.lines[field.key] = rows.map((row, i) =>
        buildWorking(field.lines!, row, row.id ? before.get(row.id) : undefined, new Set(row._provided ?? []), problems, `${path}${field.key}[${i}].`),
      )
      continue
    }
    let value = canonical(field, values[field.key])
    if (isEditableField(field)) {
      const result = field.codec.normalize(value, field.value)
      if (result.ok) value = result.value
      else {
        problems.push({ field: `${path}${field.key}`, ...result.error })
        value = null
      }
    }
    working.values[field.key] = value
  }
  return working
}

/** Computed values back into the form (editable copies only when the user has not typed over them). */
function writeBack(table: TableModel, working: WorkingRecord, values: Values): void {
  for (const field of table.fields) {
    if (field.lines) {
      const rows = (values[field.key] ?? []) as LineRow[]
      rows.forEach((row, i) => working.lines[field.key]?.[i] && writeBack(field.lines!, working.lines[field.key][i], row))
      continue
    }
    if (!field.computed || field.computed === 'auto_number') continue
    if (field.computed === 'copy' && working.provided?.has(field.key)) continue
    const next = working.values[field.key] ?? null
    if (JSON.stringify(values[field.key] ?? null) !== JSON.stringify(next)) values[field.key] = next
  }
}

/** What a write sends: editable fields, and whole lines (kept ones with their id). */
function writeValues(table: TableModel, working: WorkingRecord): Values {
  const out: Values = {}
  for (const field of table.fields) {
    if (field.lines) {
      out[field.key] = (working.lines[field.key] ?? []).map((line) => ({ ...(line.id ? { id: line.id } : {}), ...writeValues(field.lines!, line) }))
    } else if (isEditableField(field)) {
      out[field.key] = working.values[field.key] ?? null
    }
  }
  return out
}

/**
 * Whether an action's `when` holds for a record as read from the API (the form's buttons, the
 * grid's bulk menu). The server checks it again when the action runs.
 */
export function actionHolds(form: FormInfo, key: string, record: RecordData): boolean {
  const model = formModel(useFormsStore().list, form.key)
  const action = model?.actions.find((a) => a.key === key)
  if (!model) return false
  if (!action?.condition) return true
  return conditionOn(model, action.condition, buildWorking(model, record, undefined, new Set(), []), { docStatus: record.doc_status }, new Date())
}

/**
 * Why a stored record cannot be edited by hand now — its form's editable_when is not TRUE (the
 * server refuses it too) — as the template's locked_message (or '' without one); null: editable.
 */
export function lockedMessage(form: FormInfo, record: RecordData, locale: string): string | null {
  const model = formModel(useFormsStore().list, form.key)
  if (!model?.editable) return null
  if (conditionOn(model, model.editable, buildWorking(model, record, undefined, new Set(), []), { docStatus: record.doc_status }, new Date())) return null
  return model.def.locked_message ? localize(model.def.locked_message, locale as Locale) : ''
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)

export function useRecordState(form: FormInfo) {
  const forms = useFormsStore()
  const session = useSessionStore()
  const model = formModel(forms.list, form.key)

  const values = reactive<Values>({})
  const original = shallowRef<RecordData | null>(null)
  const provided = new Set<string>()
  /** linked records by form path, as read from the API, for copies and lookups */
  const linked = new Map<string, Map<number, RecordData>>()
  const ready = ref(false)
  const touched = ref(false)
  const validated = ref(false)
  const clientProblems = shallowRef<FieldProblem[]>([])
  const serverProblems = shallowRef<FieldProblem[]>([])

  function withLineKeys(record: Values): Values {
    const copy: Values = { ...record }
    for (const [key, info] of Object.entries(form.fields)) {
      if (info.kind === 'lines') copy[key] = ((record[key] as LineRow[] | undefined) ?? []).map((l) => ({ ...l, _key: newLineKey() }))
    }
    return copy
  }

  /** Starts from a record read from the server, or (null) from the template's defaults. */
  async function reset(record: RecordData | null) {
    original.value = record
    provided.clear()
    touched.value = false
    validated.value = false
    clientProblems.value = []
    serverProblems.value = []
    for (const key of Object.keys(values)) delete values[key]
    if (record) Object.assign(values, withLineKeys(record))
    else for (const def of form.definition.fields) values[def.key] = defaultValue(def, form.fields[def.key], session.user)
    ready.value = false
    await loadLinked()
    ready.value = true
    if (!record) recompute()
  }

  /** Fetches the records that copies and lookups read through links, in one query per form. */
  async function loadLinked() {
    if (!model) return
    const wanted = new Map<string, Set<number>>()
    const collect = (table: TableModel, rows: Values[]) => {
      for (const field of table.fields) {
        if (field.lines) {
          collect(field.lines, rows.flatMap((r) => (r[field.key] as Values[] | undefined) ?? []))
          continue
        }
        const readers = table.fields.some((f) => (f.computed === 'copy' || f.computed === 'lookup') && f.def.link === field.key)
        const target = field.value.target
        if (field.value.kind !== 'link' || !readers || !target || target.includes('.')) continue
        for (const row of rows) {
          const id = idOf(row[field.key])
          if (typeof id === 'number' && !linked.get(target)?.has(id)) wanted.set(target, (wanted.get(target) ?? new Set()).add(id))
        }
      }
    }
    collect(model, [values])
    await Promise.all(
      [...wanted].map(async ([target, ids]) => {
        const targetForm = forms.get(target)
        if (!targetForm) return
        for (const record of await fetchByIds(targetForm, [...ids]).catch(() => [])) remember(target, record)
      }),
    )
  }

  function remember(target: string, record: RecordData) {
    if (!linked.has(target)) linked.set(target, new Map())
    linked.get(target)!.set(record.id, record)
  }

  function working(problems: FieldProblem[] = []): WorkingRecord | null {
    return model ? buildWorking(model, values, original.value ?? undefined, provided, problems) : null
  }

  function recompute() {
    if (!model || !ready.value) return
    const problems: FieldProblem[] = []
    const record = working(problems)!
    computeRecord(model, record, { linked: (path, id) => linked.get(path)?.get(id), env: { now: Date.now(), userId: session.user?.id ?? null } })
    writeBack(model, record, values)
    if (validated.value) clientProblems.value = check(record, problems)
  }

  function check(record: WorkingRecord, normalizeProblems: FieldProblem[]): FieldProblem[] {
    if (!model) return normalizeProblems
    const known = new Set(normalizeProblems.map((p) => p.field))
    return [
      ...normalizeProblems,
      ...checkRecord(model, record).filter((p) => !known.has(p.field)),
      ...checkRules(model, record, 'save', Date.now()),
    ]
  }

  /** Sets one field from its widget; clears the server's complaint about it and recomputes. */
  function set(key: string, value: unknown) {
    values[key] = value
    touched.value = true
    if (form.fields[key]?.computed === 'copy') provided.add(key)
    serverProblems.value = serverProblems.value.filter((p) => p.field !== key && !p.field.startsWith(`${key}[`) && p.field !== '(record)')
    recompute()
  }

  /** Runs the client checks; returns the problems (also shown from now on, as the user edits). */
  function validate(): FieldProblem[] {
    validated.value = true
    const problems: FieldProblem[] = []
    const record = working(problems)
    if (!record) return []
    computeRecord(model!, record, { linked: (path, id) => linked.get(path)?.get(id), env: { now: Date.now(), userId: session.user?.id ?? null } })
    clientProblems.value = check(record, problems)
    return clientProblems.value
  }

  /** The body of a create, or the changed fields of an update (lines are sent whole when changed). */
  function payload(): Values {
    const record = working()
    if (!model || !record) return {}
    const next = writeValues(model, record)
    if (!original.value) return next
    const before = writeValues(model, buildWorking(model, original.value, undefined, new Set(), []))
    return Object.fromEntries(Object.entries(next).filter(([key, value]) => !same(value, before[key])))
  }

  /** Whether an action's `when` holds for the record as stored (the server checks it again). */
  function actionAvailable(key: string): boolean {
    return original.value ? actionHolds(form, key, original.value) : false
  }

  const dirty = computed(() => touched.value && (original.value === null || Object.keys(payload()).length > 0))

  function setServerProblems(problems: FieldProblem[]) {
    serverProblems.value = problems
  }

  const problems = computed(() => [...(validated.value ? clientProblems.value : []), ...serverProblems.value])

  return { values, original, ready, dirty, problems, reset, set, validate, payload, remember, setServerProblems, actionAvailable }
}

export type RecordState = ReturnType<typeof useRecordState>
