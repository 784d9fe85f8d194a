import type { Filter } from '../../schema/filter/types'
import { LOCALES, type Locale } from '../../schema/lib/localized'
import type { FormModel } from '../../schema/model/types'
import type { ViewDefinition } from '../../schema/template/form'
import type { Actor } from '../access/actor'
import { badRequest, notFound } from '../lib/errors'
import { parseFilterParam } from '../records/lister'

export const EXPORT_FORMATS = ['xlsx', 'csv'] as const
export const EXPORT_ENCODINGS = ['utf-8', 'gbk'] as const

/** What the caller asked for (query string or JSON body), checked. */
export interface ExportRequest {
  format: (typeof EXPORT_FORMATS)[number]
  view?: string
  /** replaces the view's filter (the client sends its whole current state) */
  filter?: unknown
  sort?: string | string[]
  /** columns in order; replaces the view's */
  fields?: string[]
  encoding: (typeof EXPORT_ENCODINGS)[number]
  locale: Locale
}

const given = (v: unknown) => v !== undefined && v !== null && v !== ''

/** Reads `format, view, filter, sort, fields, encoding, locale` from a query or a body alike. */
export function parseExportRequest(source: Record<string, unknown>): ExportRequest {
  const format = given(source.format) ? String(source.format).toLowerCase() : 'xlsx'
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw badRequest(`format must be one of ${EXPORT_FORMATS.join(', ')}`).because('export_bad_format', { choices: EXPORT_FORMATS.join(', ') })
  }
  const encoding = given(source.encoding) ? String(source.encoding).toLowerCase().replace(/^utf8$/, 'utf-8') : 'utf-8'
  if (!(EXPORT_ENCODINGS as readonly string[]).includes(encoding)) {
    throw badRequest(`encoding must be one of ${EXPORT_ENCODINGS.join(', ')}`).because('export_bad_encoding', { choices: EXPORT_ENCODINGS.join(', ') })
  }
  const locale = (LOCALES as readonly string[]).includes(String(source.locale ?? source.lang)) ? (String(source.locale ?? source.lang) as Locale) : 'zh-CN'
  const fields = listParam(source.fields)
  return {
    format: format as ExportRequest['format'],
    encoding: encoding as ExportRequest['encoding'],
    locale,
    view: given(source.view) ? String(source.view) : undefined,
    filter: parseFilterParam(source.filter),
    sort: given(source.sort) ? (source.sort as string | string[]) : undefined,
    fields: fields?.length ? fields : undefined,
  }
}

function listParam(value: unknown): string[] | undefined {
  if (!given(value)) return undefined
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((v) => v.trim()).filter(Boolean)
  if (typeof value === 'string') return value.split(',').map((v) => v.trim()).filter(Boolean)
  throw badRequest('fields is a comma list or a list of field names').because('export_bad_fields')
}

/** Finds a view by key for an actor (template, shared or their personal view), or null. */
export type ViewResolver = (form: FormModel, key: string, actor: Actor) => Promise<ViewDefinition | null>

export const templateViews: ViewResolver = async (form, key) => form.def.views?.find((v) => v.key === key) ?? null

/** The columns, filter and sort to export: the view's, overridden by what the request sends. */
export interface ExportPlan {
  columns: string[] | null
  /** true when the columns come from a view: fields hidden from the caller are left out, not refused */
  lenientColumns: boolean
  filter: unknown
  sort: string | string[] | undefined
}

export async function planExport(form: FormModel, request: ExportRequest, actor: Actor, resolveView: ViewResolver = templateViews): Promise<ExportPlan> {
  const view = request.view === undefined ? undefined : await resolveView(form, request.view, actor)
  if (request.view !== undefined && !view) throw notFound(`form "${form.key}" has no view "${request.view}"`).because('export_unknown_view', { view: request.view })
  // As the grid shows them: a view without its own columns or sort (a tab) takes the first view's.
  const first = form.def.views?.find((v) => v.columns?.length)
  const viewColumns = view?.columns?.length ? view.columns : first?.columns
  return {
    columns: request.fields ?? viewColumns ?? null,
    lenientColumns: !request.fields,
    filter: request.filter !== undefined ? request.filter : (view?.filter as Filter | undefined),
    sort: request.sort ?? (view?.sort?.length ? view.sort : form.def.views?.[0]?.sort),
  }
}
