import type { Component } from 'vue'
import type { Locale, LocalizedText } from '@schema/lib/localized'
import type { FieldDefinition, FieldInfo, FormInfo } from '@/api/types'

/** Everything a widget, grid cell or grid filter knows about the field it shows. */
export interface FieldContext {
  /** the field key, or the column id for address parts and system columns (`address.province`) */
  key: string
  def: FieldDefinition
  info: FieldInfo
  /** the form the field belongs to (uploads are filed under it) */
  form: FormInfo
  label: LocalizedText
  /** lookups and copies: the field they read through their link, so they can look like it */
  source?: FieldDefinition
}

export interface FormatOptions {
  locale: Locale
  t: (key: string, params?: Record<string, unknown>) => string
}

/** Props every form widget takes; widgets emit `update:modelValue` with the API (read) shape. */
export interface WidgetProps {
  ctx: FieldContext
  modelValue: unknown
  disabled?: boolean
  /** inside a line table: no extra chrome */
  compact?: boolean
  /** the field's resolved UI (read-only widgets show values with its format) */
  ui?: FieldUi
}

/**
 * One field type's user interface. Each folder under fields/ exports one; registry.ts maps field
 * types to them. Nothing outside fields/ switches on a field's type.
 */
export interface FieldUi {
  /** the form widget (see WidgetProps) */
  widget: Component
  /** the value as text: grid cells without a renderer, read-only displays, line tables */
  format(value: unknown, ctx: FieldContext, options: FormatOptions): string
  /** a grid cell renderer (receives ag-grid's params, with `ctx` in cellRendererParams) */
  cell?: Component
  /** a grid column filter whose model is a filter-language condition; none: not filterable */
  filter?: Component
  align?: 'left' | 'right' | 'center'
  /** default grid column width */
  width?: number
  /** takes a whole row of its form section (line tables, long text, addresses, files) */
  wide?: boolean
  /** the value as read (`{id, display}`) → the value to write (`id`); identity when absent */
  toInput?(value: unknown): unknown
}

/** Computed types (lookup, formula, rollup, copy, auto-number) look like the value they hold. */
export interface DerivedFieldUi {
  derive(base: FieldUi): FieldUi
}

export type FieldTypeUi = FieldUi | DerivedFieldUi
