import type { ColDef } from 'ag-grid-community'
import { localize, type Locale } from '@schema/lib/localized'
import type { FormInfo, RecordData, ViewDefinition } from '@/api/types'
import { fieldUi } from '@/fields/registry'
import type { FieldContext, FormatOptions } from '@/fields/types'
import { columnContext } from './columnContexts'
import OpenCell from './OpenCell.vue'

const SORTABLE_KINDS = new Set(['text', 'decimal', 'boolean', 'date', 'datetime', 'link', 'user'])

/** The view's columns, or every visible field except sub-forms. */
export function columnIds(form: FormInfo, view: ViewDefinition | undefined): string[] {
  if (view?.columns?.length) return view.columns
  return form.definition.fields.filter((f) => !f.hidden && f.type !== 'sub_form').map((f) => f.key)
}

// Formulas that read the clock are computed when read: the server cannot sort or filter on them.
const computedWhenRead = (ctx: FieldContext) => ctx.info.computed === 'formula' && !ctx.info.stored

export interface ColumnOptions {
  format: FormatOptions
  open: (id: number) => void
  sourceField: Parameters<typeof columnContext>[2]
}

export function buildColumns(form: FormInfo, view: ViewDefinition | undefined, options: ColumnOptions): ColDef<RecordData>[] {
  const { locale } = options.format
  const fields: ColDef<RecordData>[] = []
  for (const id of columnIds(form, view)) {
    const ctx = columnContext(form, id, options.sourceField)
    if (ctx) fields.push(fieldColumn(ctx, options.format, locale))
  }
  return [
    {
      colId: '__open',
      headerName: '',
      width: 76,
      sortable: false,
      resizable: false,
      suppressMovable: true,
      cellRenderer: OpenCell,
      cellRendererParams: { open: options.open },
    },
    ...fields,
  ]
}

function fieldColumn(ctx: FieldContext, format: FormatOptions, locale: Locale): ColDef<RecordData> {
  const ui = fieldUi(ctx)
  const readOnServer = !computedWhenRead(ctx)
  const width = typeof ctx.def.width === 'number' ? ctx.def.width : (ui.width ?? 140)
  const alignClass = ui.align === 'right' ? 'zg-cell-right' : ui.align === 'center' ? 'zg-cell-center' : undefined
  return {
    colId: ctx.key,
    field: ctx.key,
    headerName: localize(ctx.label, locale),
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
  }
}
