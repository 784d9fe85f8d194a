import { ApiError } from './client'
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
