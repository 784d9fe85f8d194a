import type { ModelProblem } from '@schema/model/types'
import { api } from './client'
import type { FormDefinition, FormInfo } from './types'

/** A form as the designer reads it: the effective definition and where it came from. */
export interface FormDetail extends FormInfo {
  /** the pack it comes from, whether the merchant changed it, or the merchant's own form */
  origin?: { pack: string | null; customized: boolean; own: boolean }
  /** removed fields whose data is kept (`backup_of`: the old values of a converted field) */
  retired_fields?: { table: string; key: string; type: string; label: FormDefinition['label']; backup_of: string | null }[]
}

export interface ImpactField {
  table: string
  field: string
}

export interface ImpactConversion extends ImpactField {
  from: string
  to: string
  rows: number
  convertible: number
  unconvertible: { count: number; sample: unknown[] }
  /** once applied: the hidden field keeping every old value */
  backup?: string
}

/** What saving a changed definition does to the data already stored (PUT …?dry_run=true). */
export interface FormImpact {
  add_columns: ImpactField[]
  retire_fields: ImpactField[]
  restore_fields: ImpactField[]
  conversions: ImpactConversion[]
  recompute: ImpactField[]
  /** new fields with a default: existing records get it */
  fill_defaults?: (ImpactField & { value: unknown })[]
  conflicts?: { code: string; path: string; message: string; params?: Record<string, unknown> }[]
}

/** Problems the server found in a definition (422 invalid_template). */
export interface TemplateProblem {
  path: string
  message: string
  /** a value's problem keeps its code (see schema/messages/catalog.ts); others are `template_problem` */
  code?: ModelProblem['code']
  params?: ModelProblem['params']
}

const url = (form: string) => `/api/forms/${encodeURIComponent(form)}`

/** Administrators only: read, check and change form definitions. */
export const designerApi = {
  get: (form: string) => api.get<{ data: FormDetail }>(url(form)).then((r) => r.data),
  dryRun: (form: string, definition: FormDefinition) => api.put<{ data: { impact: FormImpact } }>(`${url(form)}?dry_run=true`, definition).then((r) => r.data.impact),
  apply: (form: string, definition: FormDefinition) => api.put<{ data: { impact: FormImpact; form: FormInfo } }>(url(form), definition).then((r) => r.data),
  create: (definition: FormDefinition) => api.post<{ data: FormInfo }>('/api/forms', definition).then((r) => r.data),
}
