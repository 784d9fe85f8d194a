import type { LocalizedText } from '@schema/lib/localized'
import { api } from './client'

export interface Person {
  id: number
  display: string
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn'

export interface ApprovalEvent {
  decision: 'request' | 'approve' | 'reject' | 'transfer' | 'withdraw'
  step: number
  user: Person
  to_user: Person | null
  reason: string | null
  at: string
}

/** An approval request as /api/approvals shows it. */
export interface Approval {
  id: number
  form: string
  form_label: LocalizedText
  record_id: number
  title: string | null
  action: string
  action_label: LocalizedText
  status: ApprovalStatus
  step: number
  steps: { label: LocalizedText; approvers: Person[]; cc: Person[] }[]
  requested_by: Person
  requested_at: string
  decided_at: string | null
  result: unknown
  events: ApprovalEvent[]
  can_decide?: boolean
  can_withdraw?: boolean
  unread?: boolean
}

export interface ApprovalCounts {
  /** requests waiting for my decision */
  waiting: number
  /** outcomes and cc's I have not opened */
  unread: number
}

export interface Inbox {
  waiting: Approval[]
  cc: Approval[]
  mine: Approval[]
  counts: ApprovalCounts
}

export type Decision = 'approve' | 'reject' | 'transfer' | 'withdraw'

export const approvalsApi = {
  inbox: () => api.get<{ data: Inbox }>('/api/approvals/inbox').then((r) => r.data),
  counts: () => api.get<{ data: ApprovalCounts }>('/api/approvals/counts').then((r) => r.data),
  ofRecord: (form: string, record: number) => api.get<{ data: Approval[] }>(`/api/approvals?form=${encodeURIComponent(form)}&record=${record}`).then((r) => r.data),
  get: (id: number) => api.get<{ data: Approval }>(`/api/approvals/${id}`).then((r) => r.data),
  people: () => api.get<{ data: (Person & { username: string })[] }>('/api/approvals/people').then((r) => r.data),
  decide: (id: number, decision: Decision, body: { reason?: string; to?: number } = {}) =>
    api.post<{ data: Approval; result: unknown }>(`/api/approvals/${id}/${decision}`, body),
}
