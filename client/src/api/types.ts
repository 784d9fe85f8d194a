import type { FieldDefinition, ValueKind, ComputedBy } from '@schema/fields/types'
import type { Filter } from '@schema/filter/types'
import type { LocalizedText } from '@schema/lib/localized'
import type { FormDefinition, ViewDefinition } from '@schema/template/form'
import type { FilterOperator } from '@schema/values/types'
import type { Permissions } from '@/access/permissions'

export type { FieldDefinition, Filter, FilterOperator, FormDefinition, LocalizedText, ValueKind, ViewDefinition }

export interface User {
  id: number
  username: string
  display_name: string
  /** 'admin' when a held role may do everything */
  role: 'admin' | 'member'
  /** what the user may do, the union over their roles (GET /api/auth/me) */
  permissions?: Permissions
  roles?: { key: string; label: LocalizedText }[]
}

/** What the server resolved about a field (GET /api/forms). */
export interface FieldInfo {
  kind: ValueKind
  scale?: number
  money?: boolean
  target?: string
  computed: ComputedBy | null
  stored: boolean
  filter_operators: FilterOperator[]
  lines?: Record<string, FieldInfo>
}

/** A button the form offers (documents: submit and void, plus the template's own). */
export interface ActionInfo {
  key: string
  label: LocalizedText
  handler?: string
  /** formula over the record: the action is offered only when it is TRUE */
  when?: string
  set?: Record<string, unknown>
  /** ask before running; text is the question */
  confirm?: boolean | LocalizedText
  bulk?: boolean
  style?: 'primary' | 'danger' | 'default'
  /** runs in the browser instead of on the server (e.g. "print") */
  client?: string
  /** asked for before the action runs: field definitions, like a small form */
  params?: FieldDefinition[]
}

/** POST …/records/actions/:action: one collective result, or one result per record. */
export type BulkActionResult =
  | { collective: true; result: unknown; records: RecordData[] }
  | { collective: false; results: { id: number; ok: boolean; result?: unknown; error?: BulkFailure }[] }

/** One record's failure in a bulk action: the fields of an error response. */
export interface BulkFailure {
  code: string
  reason?: string
  params?: Record<string, unknown>
  message: string
  details?: unknown
}

export interface FormInfo {
  key: string
  label: LocalizedText
  group: LocalizedText | null
  icon: string | null
  document: boolean
  pack: string | null
  title_field: string
  actions: ActionInfo[]
  definition: FormDefinition
  fields: Record<string, FieldInfo>
}

export interface Reference {
  id: number
  display: string | null
}

export interface StoredFile {
  id: number
  name: string
  size: number
  mime: string
  url: string
}

export type DocStatus = 'draft' | 'submitted' | 'void'

/** A record as read: system columns plus field values (lines inline when fetched one by one). */
export interface RecordData {
  id: number
  version: number
  created_at: string
  updated_at: string
  created_by: Reference | null
  updated_by: Reference | null
  doc_status?: DocStatus
  [field: string]: unknown
}

export interface ListResult {
  data: RecordData[]
  next_cursor: string | null
  total: number
  total_is_estimate: boolean
}

export interface ListQuery {
  filter?: Filter
  sort?: string
  limit?: number
  offset?: number
}
