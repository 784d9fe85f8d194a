/**
 * The one way the client talks to the server: JSON in and out, errors as ApiError carrying the
 * server's {code, message, details}. A 401 outside the login flow sends the user to the login page.
 */
export interface FieldProblem {
  field: string
  /** a code of schema/messages/catalog.ts, worded by composables/errorText.ts */
  code: string
  params?: Record<string, unknown>
  message: string
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
    /** the exact problem (a catalog code) and its params; the category `code` when there is none */
    readonly reason: string = code,
    readonly params: Record<string, unknown> = {},
  ) {
    super(message)
    this.name = 'ApiError'
  }

  /** Validation problems (422), one per field path such as `lines[1].qty` or `(record)`. */
  get problems(): FieldProblem[] {
    return this.status === 422 && Array.isArray(this.details) ? (this.details as FieldProblem[]) : []
  }
}

let unauthorizedHandler: (() => void) | null = null

export function onUnauthorized(handler: () => void): void {
  unauthorizedHandler = handler
}

export interface RequestOptions {
  /** let the caller handle a 401 itself (session probing, login) */
  allowUnauthorized?: boolean
  signal?: AbortSignal
}

export async function request<T>(method: string, url: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', signal: options.signal, headers: { Accept: 'application/json' } }
  if (body instanceof FormData) init.body = body
  else if (body !== undefined) {
    init.body = JSON.stringify(body)
    ;(init.headers as Record<string, string>)['Content-Type'] = 'application/json'
  }
  let response: Response
  try {
    response = await fetch(url, init)
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error
    throw new ApiError(0, 'network', 'network error')
  }
  if (response.status === 204) return undefined as T
  const payload = await response.json().catch(() => null)
  if (!response.ok) {
    const error = (payload as { error?: { code?: string; reason?: string; params?: Record<string, unknown>; message?: string; details?: unknown } } | null)?.error
    const code = error?.code ?? 'http_error'
    const apiError = new ApiError(response.status, code, error?.message ?? response.statusText, error?.details ?? null, error?.reason ?? code, error?.params ?? {})
    if (response.status === 401 && !options.allowUnauthorized) unauthorizedHandler?.()
    throw apiError
  }
  return payload as T
}

export const api = {
  get: <T>(url: string, options?: RequestOptions) => request<T>('GET', url, undefined, options),
  post: <T>(url: string, body?: unknown, options?: RequestOptions) => request<T>('POST', url, body ?? {}, options),
  patch: <T>(url: string, body: unknown, options?: RequestOptions) => request<T>('PATCH', url, body, options),
  put: <T>(url: string, body: unknown, options?: RequestOptions) => request<T>('PUT', url, body, options),
  delete: <T = void>(url: string, options?: RequestOptions) => request<T>('DELETE', url, undefined, options),
}
