import { ApiError, request } from './client'
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

/** A pack shipped with Zhanggui, as the template centre shows it. */
export interface BundledPack {
  key: string
  name: LocalizedText
  version: string
  description?: LocalizedText
  author?: string
  screenshots: string[]
  forms: { key: string; label: LocalizedText; group?: LocalizedText }[]
  has_sample_data: boolean
  installed: string | null
  upgradable: boolean
}

export interface FilePreview {
  pack: { key: string; name: LocalizedText; version: string; author?: string; description?: LocalizedText; screenshots?: string[] }
  status: 'planned' | 'installed'
  forms: {
    key: string
    label: LocalizedText
    action: 'create' | 'customize' | 'update' | 'conflict'
    pack: string | null
    fields: { added: string[]; changed: string[]; removed: string[] }
    labels?: Record<string, LocalizedText>
  }[]
  upgrades: { pack: string; from: string; to: string }[]
  dashboards: { created: string[]; customized: string[]; skipped: string[] }
  records: Record<string, number>
  files: number
  conflicts: { form: string; code: 'own_form' | 'other_pack' | 'retired_form' | 'upgrade'; pack?: string; detail?: string }[]
}

export interface ExportRequest {
  forms: string[]
  with_data?: boolean
  include_linked?: boolean
  key?: string
  name?: string
  version?: string
  author?: string
  description?: string
}

function fileBody(file: File): FormData {
  const body = new FormData()
  body.append('file', file, file.name)
  return body
}

export const templateCentreApi = {
  bundled: () => request<{ data: BundledPack[] }>('GET', '/api/packs/bundled').then((r) => r.data),
  installBundled: (key: string, withData: boolean) =>
    request<{ data: PackPlan }>('POST', `/api/packs/bundled/${encodeURIComponent(key)}/install`, { with_data: withData }).then((r) => r.data),
  preview: (file: File) => request<{ data: FilePreview }>('POST', '/api/packs/file?dry_run=true', fileBody(file)).then((r) => r.data),
  install: (file: File, withData: boolean) => request<{ data: FilePreview }>('POST', `/api/packs/file?with_data=${withData}`, fileBody(file)).then((r) => r.data),
  planExport: (body: ExportRequest) => request<{ data: { forms: string[]; missing: string[] } }>('POST', '/api/packs/export', { ...body, dry_run: true }).then((r) => r.data),
  /** The pack file as a download: JSON, or a zip when it carries files. */
  async exportFile(body: ExportRequest): Promise<{ blob: Blob; name: string }> {
    const response = await fetch('/api/packs/export', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
    if (!response.ok) {
      const error = ((await response.json().catch(() => null)) as { error?: { code?: string; reason?: string; params?: Record<string, unknown>; message?: string; details?: unknown } } | null)?.error
      throw new ApiError(response.status, error?.code ?? 'http_error', error?.message ?? response.statusText, error?.details ?? null, error?.reason ?? error?.code ?? 'http_error', error?.params ?? {})
    }
    const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'pack.zgpack.json'
    return { blob: await response.blob(), name }
  },
}
