import type { ColDef } from 'ag-grid-community'
import type { RouteLocationRaw } from 'vue-router'
import { localize, type Locale } from '@schema/lib/localized'
import type { FormInfo, RecordData, ViewDefinition } from '@/api/types'
import { recordPath, type RecordLink } from '@/composables/recordLinks'
import { fieldUi } from '@/fields/registry'
import type { FieldContext, FormatOptions } from '@/fields/types'
import { columnContext } from './columnContexts'
import LinksCell from './LinksCell.vue'
import OpenCell from './OpenCell.vue'
import { identifierFields } from './quickSearch'

const SORTABLE_KINDS = new Set(['text', 'decimal', 'boolean', 'date', 'datetime', 'link', 'user'])

/**
 * The view's columns; a view without its own (a tab such as 待审核) shows the first view's, so
 * tabs of one list look alike; without any, every visible field except sub-forms.
 */
export function columnIds(form: FormInfo, view: ViewDefinition | undefined): string[] {
  if (view?.columns?.length) return view.columns
  const first = form.definition.views?.find((v) => v.columns?.length)
  if (first?.columns) return first.columns
  return form.definition.fields.filter((f) => !f.hidden && f.type !== 'sub_form').map((f) => f.key)
}

/** The view's sort, else the first view's (the server sorts newest first without one). */
export function viewSort(form: FormInfo, view: ViewDefinition | undefined): string | undefined {
  const sort = view?.sort ?? form.definition.views?.[0]?.sort
  return sort?.length ? sort.join(',') : undefined
}

// Formulas that read the clock are computed when read: the server cannot sort or filter on them.
const computedWhenRead = (ctx: FieldContext) => ctx.info.computed === 'formula' && !ctx.info.stored

export interface ColumnOptions {
  format: FormatOptions
  open: (id: number) => void
  sourceField: Parameters<typeof columnContext>[2]
  /** links out of each row (a balance to its ledgers); a column when there are any */
  rowLinks?: { header: string; links: (row: RecordData) => RecordLink[] }
  href: (to: RouteLocationRaw) => string
  navigate: (to: RouteLocationRaw) => void
}

export function buildColumns(form: FormInfo, view: ViewDefinition | undefined, options: ColumnOptions): ColDef<RecordData>[] {
  const { locale } = options.format
  const fields: ColDef<RecordData>[] = []
  const identifiers = new Set(identifierFields(form))
  const ids = columnIds(form, view)
  // the view's sort shows on the headers when every key of it is a column (else the server's order stays)
  const sort = view?.sort ?? []
  const headerSort = sort.length > 0 && sort.every((s) => ids.includes(s.replace(/^-/, '')))
  for (const id of ids) {
    const ctx = columnContext(form, id, options.sourceField)
    if (!ctx) continue
    const column = withDocumentLink(form, fieldColumn(ctx, options.format, locale, identifiers.has(id), view?.widths?.[id]), options)
    const at = headerSort ? sort.findIndex((s) => s.replace(/^-/, '') === id) : -1
    fields.push(at < 0 ? column : { ...column, initialSort: sort[at].startsWith('-') ? 'desc' : 'asc', initialSortIndex: at })
  }
  const links: ColDef<RecordData>[] = options.rowLinks
    ? [
        {
          colId: '__links',
          headerName: options.rowLinks.header,
          width: 150,
          sortable: false,
          suppressMovable: true,
          suppressSizeToFit: true,
          pinned: 'right',
          cellRenderer: LinksCell,
          cellRendererParams: { links: options.rowLinks.links, href: options.href, navigate: options.navigate },
        },
      ]
    : []
  return [
    {
      colId: '__open',
      headerName: '',
      width: 76,
      sortable: false,
      resizable: false,
      suppressMovable: true,
      suppressSizeToFit: true,
      cellRenderer: OpenCell,
      cellRendererParams: { open: options.open },
    },
    ...fields,
    ...links,
  ]
}

/** A ledger line's document number opens the document that posted it (doc_form + doc_id). */
function withDocumentLink(form: FormInfo, column: ColDef<RecordData>, options: ColumnOptions): ColDef<RecordData> {
  if (!form.definition.ledger || column.colId !== 'doc_no') return column
  const links = (row: RecordData): RecordLink[] =>
    typeof row.doc_form === 'string' && row.doc_id != null ? [{ key: 'document', label: String(row.doc_no ?? ''), to: recordPath(row.doc_form, Number(row.doc_id)) }] : []
  return { ...column, cellRenderer: LinksCell, cellRendererParams: { links, href: options.href, navigate: options.navigate, asValue: true } }
}

/**
 * How narrow a column may get when the columns are fitted to the grid's width: numbers and names
 * (a record's number, a platform trade id, a SKU code) and times stay readable; descriptions
 * (product names, specs, reasons) give way first.
 */
export function fitMinWidth(ctx: FieldContext, width: number, identifier: boolean, header: string): number {
  return Math.min(width, Math.max(headerWidth(header), contentMinWidth(ctx, width, identifier)))
}

/** About what a header needs to show its label beside the sort and filter icons. */
function headerWidth(label: string): number {
  let text = 0
  for (const char of label) text += /[\u2E80-\uFFFF]/.test(char) ? 14 : 7.5
  return Math.ceil(text) + 48
}

function contentMinWidth(ctx: FieldContext, width: number, identifier: boolean): number {
  const kind = ctx.info.kind
  if (identifier) return kind === 'link' ? Math.min(width, 120) : width
  if (kind === 'date' || kind === 'datetime') return width
  if (kind === 'decimal') return Math.max(80, Math.round(width * 0.75))
  if (kind === 'text') return Math.max(96, Math.round(width * 0.75))
  return Math.max(96, Math.round(width * 0.8))
}

function fieldColumn(ctx: FieldContext, format: FormatOptions, locale: Locale, identifier: boolean, viewWidth?: number): ColDef<RecordData> {
  const ui = fieldUi(ctx)
  const readOnServer = !computedWhenRead(ctx)
  const width = viewWidth ?? (typeof ctx.def.width === 'number' ? ctx.def.width : (ui.width ?? 140))
  const headerName = localize(ctx.label, locale)
  const alignClass = ui.align === 'right' ? 'zg-cell-right' : ui.align === 'center' ? 'zg-cell-center' : undefined
  return {
    colId: ctx.key,
    field: ctx.key,
    headerName,
    width,
    minWidth: 60,
    sortable: readOnServer && SORTABLE_KINDS.has(ctx.info.kind),
    filter: readOnServer && ui.filter && ctx.info.filter_operators.length ? ui.filter : false,
    filterParams: { ctx },
    cellRenderer: ui.cell,
    cellRendererParams: { ctx },
    valueFormatter: ui.cell ? undefined : (p) => ui.format(p.value, ctx, format),
    cellClass: alignClass,
    headerClass: ui.align === 'right' ? 'zg-header-right' : undefined,
    context: { fitMin: fitMinWidth(ctx, width, identifier, headerName) },
  }
}
