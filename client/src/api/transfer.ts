import type { LocalizedText } from '@schema/lib/localized'
import { api, ApiError } from './client'
import type { Filter } from './types'

/** What an export sends: the grid's current state (see docs/import-export.md#export). */
export interface ExportRequest {
  format: 'xlsx' | 'csv'
  encoding?: 'utf-8' | 'gbk'
  locale?: string
  view?: string
  fields?: string[]
  filter?: Filter
  sort?: string
}

/** The file name from `Content-Disposition`: the UTF-8 one (RFC 5987) when given. */
export function fileNameOf(disposition: string | null, fallback: string): string {
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(disposition ?? '')
  if (utf8) return decodeURIComponent(utf8[1])
  return /filename="([^"]+)"/i.exec(disposition ?? '')?.[1] ?? fallback
}

/** Hands a downloaded file to the browser under its name. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** A file from the API (POST with a JSON body, or GET), refused requests as ApiError like every other call. */
export async function downloadFile(url: string, body: unknown | undefined, fallbackName: string): Promise<string> {
  let response: Response
  try {
    response = await fetch(url, {
      method: body === undefined ? 'GET' : 'POST',
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new ApiError(0, 'network', 'network error')
  }
  if (!response.ok) {
    const error = ((await response.json().catch(() => null)) as { error?: { code?: string; reason?: string; params?: Record<string, unknown>; message?: string; details?: unknown } } | null)?.error
    const code = error?.code ?? 'http_error'
    throw new ApiError(response.status, code, error?.message ?? response.statusText, error?.details ?? null, error?.reason ?? code, error?.params ?? {})
  }
  const name = fileNameOf(response.headers.get('Content-Disposition'), fallbackName)
  saveBlob(await response.blob(), name)
  return name
}

export const exportApi = {
  /** POST: a long filter does not fit a URL */
  download: (form: string, request: ExportRequest) => downloadFile(`/api/forms/${encodeURIComponent(form)}/export`, request, `${form}.${request.format}`),
}

/** A spreadsheet read by the server, nothing written yet: its headers, a sample, and the proposed mapping. */
export interface ImportPreview {
  upload: string
  file_name: string
  encoding: string
  headers: string[]
  sample: string[][]
  rows: number
  /** header → field path (`amount`, `lines.qty`), or null when nothing matched */
  mapping: Record<string, string | null>
  fields: { path: string; label: string | LocalizedText; type: string; required: boolean }[]
  /** fields that identify a record (unique), to update existing records by */
  key_candidates: string[]
}

export type ImportState = 'validating' | 'writing' | 'done' | 'refused' | 'failed'

export interface ImportRowError {
  row: number
  column: string | null
  field: string | null
  value: unknown
  code: string
  params?: Record<string, unknown>
  message: string
}

export interface ImportJob {
  job: string
  form: string
  state: ImportState
  progress: { done: number; total: number }
  created: number
  updated: number
  skipped: number
  error_count: number
  errors: ImportRowError[]
}

export interface ImportStart {
  upload: string
  mapping: Record<string, string | null>
  key?: string
  skip_bad?: boolean
}

const importBase = (form: string) => `/api/forms/${encodeURIComponent(form)}/import`
/** The answers may come bare or in the API's usual `{data}` envelope. */
const unwrap = <T>(answer: T | { data: T }): T => (answer && typeof answer === 'object' && 'data' in answer ? (answer as { data: T }).data : (answer as T))

export const importApi = {
  preview(form: string, file: File): Promise<ImportPreview> {
    const body = new FormData()
    body.append('file', file, file.name)
    return api.post<ImportPreview | { data: ImportPreview }>(`${importBase(form)}/preview`, body).then(unwrap)
  },
  start: (form: string, request: ImportStart) => api.post<{ job: string } | { data: { job: string } }>(importBase(form), request).then(unwrap),
  status: (form: string, job: string) => api.get<ImportJob | { data: ImportJob }>(`${importBase(form)}/${encodeURIComponent(job)}`).then(unwrap),
  report: (form: string, job: string, format: 'xlsx' | 'csv', locale: string) =>
    downloadFile(`${importBase(form)}/${encodeURIComponent(job)}/report?format=${format}&locale=${encodeURIComponent(locale)}`, undefined, `import-report.${format}`),
}
