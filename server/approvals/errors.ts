import { AppError } from '../lib/errors'

/**
 * Approval errors carry a stable code and the values the client puts into its own message
 * (client/src/i18n/approvals.*.ts); the English message is for API users and logs.
 */
export function approvalError(status: number, code: string, message: string, params: Record<string, unknown> = {}): AppError {
  return new AppError(status, code, message, { params })
}
