import type { Component } from 'vue'
import type { RecordData } from '@/api/types'
import { i18n } from '@/i18n'
import LineQuantities from './LineQuantities.vue'

/**
 * A custom editor for one action parameter, where a plain field widget will not do (a `json`
 * parameter such as the lines and quantities an order split moves). The component takes
 * `record` (the record the action runs on), `modelValue` and the spec's `props`, and emits
 * `update:modelValue` with the parameter's value as sent.
 */
export interface ParamEditor {
  component: Component
  props?: Record<string, unknown>
  /** a problem with the value before it is sent, or null */
  validate?(value: unknown, record: RecordData): string | null
}

export interface LineQuantity {
  line: number
  qty: number
}

/**
 * Quantities per line of a sub-form (`[{line: <line id>, qty}]`, lines left at 0 are not sent):
 * what an order split moves to a new order. `keepSome`: at least one unit must stay behind.
 */
export function lineQuantities(options: { lines: string; qty: string; keepSome?: boolean }): ParamEditor {
  return {
    component: LineQuantities,
    props: { linesKey: options.lines, qtyKey: options.qty },
    validate(value, record) {
      const t = i18n.global.t
      const chosen = (Array.isArray(value) ? value : []) as LineQuantity[]
      if (!chosen.some((c) => c.qty > 0)) return t('params.pickQuantity')
      if (options.keepSome) {
        const lines = (record[options.lines] as RecordData[] | undefined) ?? []
        const left = lines.reduce((n, line) => n + Number(line[options.qty] ?? 0) - (chosen.find((c) => c.line === line.id)?.qty ?? 0), 0)
        if (left <= 0) return t('params.keepSome')
      }
      return null
    },
  }
}
