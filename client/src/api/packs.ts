import { request } from './client'
import type { LocalizedText } from '@schema/lib/localized'

export interface PackConflict {
  id: string
  form: string
  path: string
  code: 'key_taken' | 'both_changed' | 'removed_by_pack' | 'hidden_now_required' | 'overlay_invalid' | 'form_key_taken'
  params: { mine?: unknown; pack?: unknown; key?: string; message?: string }
  message: string
}

export interface PackEntry {
  key: string
  version: string
  name: LocalizedText
  forms: string[]
  installed_at: number
  pending_upgrade: { version: string; conflicts: PackConflict[] } | null
}

export interface FormPlan {
  key: string
  change: 'added' | 'changed' | 'unchanged'
  customized: boolean
  fields: { added: string[]; changed: string[]; removed: string[] }
}

export interface PackPlan {
  pack: string
  version: string
  from: string | null
  status: string
  forms: FormPlan[]
  conflicts: PackConflict[]
}

export type Resolution = 'mine' | 'pack'

export const packsApi = {
  list: () => request<{ data: PackEntry[] }>('GET', '/api/packs').then((r) => r.data),
  upgrade: (key: string, resolutions: Record<string, Resolution>, dryRun = false) =>
    request<{ data: PackPlan }>('POST', `/api/packs/${encodeURIComponent(key)}/upgrade`, { resolutions, dry_run: dryRun }).then((r) => r.data),
}
