/**
 * Errors that reach API clients. Each has a stable code, an HTTP status, a message a merchant can
 * act on, and details (for validation: one entry per field, with its path).
 */
export interface FieldProblem {
  /** path of the field in the record: 'qty', 'lines[1].qty' */
  field: string
  code: string
  message: string
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = 'AppError'
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

export const badRequest = (message: string, details?: unknown) => new AppError(400, 'bad_request', message, details)
export const notFound = (message: string) => new AppError(404, 'not_found', message)
export const conflict = (message: string, details?: unknown) => new AppError(409, 'conflict', message, details)
export const forbidden = (message = 'you do not have permission to do this') => new AppError(403, 'forbidden', message)
export const unauthenticated = (message = 'please log in') => new AppError(401, 'unauthenticated', message)
