import type { Knex } from 'knex'
import type { FieldModel, FormModel, TableModel } from '../../schema/model/types'
import { allSpellings, type LocalizedText } from '../../schema/lib/localized'
import { halfWidth } from './cells'

/** A column a spreadsheet can fill: a field of the form, or `<sub_form>.<column>` of its lines. */
export interface ImportTarget {
  path: string
  label: LocalizedText
  type: string
  required: boolean
  field: FieldModel
  /** the sub-form field, for line columns */
  sub?: FieldModel
}

export type Mapping = Record<string, string | null>

/** Kinds a cell can hold; attachments, addresses and users are entered in the app. */
const CELL_KINDS = new Set(['text', 'decimal', 'boolean', 'date', 'datetime', 'link', 'link_list', 'text_list'])

function writable(field: FieldModel): boolean {
  if (field.computed && !(field.computed === 'copy' && field.def.editable !== false)) return false
  if (field.def.readonly) return false
  // a link to sub-form lines is picked in the app
  if ((field.value.kind === 'link' || field.value.kind === 'link_list') && String(field.value.target ?? '').includes('.')) return false
  return CELL_KINDS.has(field.value.kind)
}

/** What an import of `form` can fill, in form order, lines after the field they belong to. */
export function importTargets(form: FormModel): ImportTarget[] {
  const targets: ImportTarget[] = []
  const of = (table: TableModel, sub?: FieldModel) => {
    for (const field of table.fields) {
      if (field.lines) {
        of(field.lines, field)
        continue
      }
      if (!writable(field)) continue
      targets.push({ path: sub ? `${sub.key}.${field.key}` : field.key, label: field.def.label, type: field.def.type, required: Boolean(field.def.required), field, sub })
    }
  }
  of(form)
  return targets
}

/** Fields that identify a record to update: unique fields and the title field. */
export function keyCandidates(form: FormModel): string[] {
  const keys = form.fields.filter((f) => f.storage.kind === 'column' && ['text', 'decimal', 'date'].includes(f.value.kind) && (f.def.unique || f.key === form.titleField)).map((f) => f.key)
  return [...new Set(keys)]
}

/** Header text as compared: half-width, no spaces, no (必填)/* marks, lower case. */
export function headerWord(text: string): string {
  return halfWidth(text)
    .replace(/[\s*]/g, '')
    .replace(/\((必填|required)\)$/i, '')
    .toLowerCase()
}

/**
 * Headers matched to fields by label (zh-CN or en) or key; a line column also answers to
 * "<sub-form label>.<column label>" (or with - or ·). Each field takes the first header that names
 * it; main fields win over line columns with the same label.
 */
export function autoMap(form: FormModel, headers: string[]): Mapping {
  const targets = importTargets(form)
  const names = new Map<string, ImportTarget>()
  const add = (name: string, target: ImportTarget) => {
    const word = headerWord(name)
    if (word && !names.has(word)) names.set(word, target)
  }
  for (const pass of ['main', 'lines'] as const) {
    for (const target of targets) {
      if ((pass === 'main') !== !target.sub) continue
      const own = [...allSpellings(target.label), target.field.key]
      if (target.sub) {
        for (const subName of [...allSpellings(target.sub.def.label), target.sub.key]) for (const name of own) for (const sep of ['.', '-', '·', '_']) add(`${subName}${sep}${name}`, target)
      }
      for (const name of own) add(name, target)
      add(target.path, target)
    }
  }
  const mapping: Mapping = {}
  const used = new Set<string>()
  for (const header of headers) {
    if (!header || header in mapping) continue
    const target = names.get(headerWord(header))
    mapping[header] = target && !used.has(target.path) ? target.path : null
    if (target) used.add(target.path)
  }
  return mapping
}

/** The saved mapping of a form's last successful import (zg_import_mappings). */
export class ImportMappings {
  constructor(private readonly knex: Knex) {}

  async get(form: string): Promise<{ mapping: Mapping; key: string | null } | null> {
    const row = await this.knex('zg_import_mappings').where({ form }).first()
    return row ? { mapping: JSON.parse(row.mapping) as Mapping, key: row.key_field ?? null } : null
  }

  async save(form: string, mapping: Mapping, key: string | null, userId: number | null): Promise<void> {
    const row = { form, mapping: JSON.stringify(mapping), key_field: key, updated_by: userId, updated_at: Date.now() }
    await this.knex('zg_import_mappings').insert(row).onConflict('form').merge()
  }
}

/** The automatic mapping with the saved one laid over it (for the headers this file has, to fields that still exist). */
export function proposedMapping(form: FormModel, headers: string[], saved: Mapping | null): Mapping {
  const mapping = autoMap(form, headers)
  if (!saved) return mapping
  const paths = new Set(importTargets(form).map((t) => t.path))
  for (const header of Object.keys(mapping)) {
    if (!(header in saved)) continue
    const path = saved[header]
    if (path !== null && !paths.has(path)) continue
    // a field the saved mapping gives to this header leaves the header that auto-matched it
    for (const other of Object.keys(mapping)) if (path !== null && other !== header && mapping[other] === path) mapping[other] = null
    mapping[header] = path
  }
  return mapping
}
