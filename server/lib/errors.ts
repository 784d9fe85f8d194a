import type { MessageCode } from '../../schema/messages/catalog'
import type { MessageParams, Problem } from '../../schema/messages/problem'

/**
 * Errors that reach API clients. Each has an HTTP status, a category `code` (bad_request,
 * not_found…, one per status), a `reason` naming the exact problem with its `params` (the client
 * words it in the user's language, see schema/messages/catalog.ts), an English message, and
 * details (for validation: one entry per field, with its path).
 */
export interface FieldProblem extends Problem {
  /** path of the field in the record: 'qty', 'lines[1].qty' */
  field: string
}

export class AppError extends Error {
  reason: MessageCode
  params: MessageParams = {}
  /** seconds, sent as Retry-After (429: when to try again) */
  retryAfter?: number

  constructor(
    readonly status: number,
    readonly code: MessageCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = 'AppError'
    this.reason = code
  }

  /** Names the exact problem: `throw notFound('no form "x"').because('unknown_form', {form: 'x'})`. */
  because(reason: MessageCode, params: MessageParams = {}): this {
    this.reason = reason
    this.params = params
    return this
  }
}

export class ValidationError extends AppError {
  constructor(readonly problems: FieldProblem[], message?: string) {
    super(422, 'validation_failed', message ?? summarize(problems), problems)
  }
}

function summarize(problems: FieldProblem[]): string {
  const first = problems[0]
  if (!first) return 'invalid input'
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''
  return `${first.field}: ${first.message}${more}`
}

/** One field's problem, for ValidationError. */
export const fieldProblem = (field: string, code: MessageCode, message: string, params: MessageParams = {}): FieldProblem => ({
  field,
  code,
  params,
  message,
})

export const badRequest = (message: string, details?: unknown) => new AppError(400, 'bad_request', message, details)
export const notFound = (message: string) => new AppError(404, 'not_found', message)
export const conflict = (message: string, details?: unknown) => new AppError(409, 'conflict', message, details)
export const forbidden = (message = 'you do not have permission to do this') => new AppError(403, 'forbidden', message)
export const unauthenticated = (message = 'please log in') => new AppError(401, 'unauthenticated', message).because('login_required')
