import type { ErrorRequestHandler } from 'express'
import multer from 'multer'
import type { MessageCode } from '../../schema/messages/catalog'
import type { MessageParams } from '../../schema/messages/problem'
import { AppError, badRequest } from '../lib/errors'

/**
 * Every error leaves as JSON {error: {code, reason, params, message, details}} with the right
 * status; never a stack. `code` is the category (one per status), `reason` + `params` name the
 * exact problem for the client to word in the user's language, `message` says it in English.
 */
export const errorHandler: ErrorRequestHandler = (error, _req, res, _next) => {
  void _next
  if (error instanceof AppError) {
    if (error.retryAfter !== undefined) res.setHeader('Retry-After', String(error.retryAfter))
    send(res, error.status, error.code, error.message, error.details ?? null, error.reason, error.params)
    return
  }
  const e = error as { type?: string; status?: number; code?: string; message?: string }
  if (e?.type === 'entity.parse.failed') {
    send(res, 400, 'bad_request', 'the request body is not valid JSON', null, 'body_not_json')
    return
  }
  if (e?.type === 'entity.too.large' || e?.code === 'LIMIT_FILE_SIZE') {
    send(res, 413, 'too_large', 'the request is too large', null)
    return
  }
  if (error instanceof multer.MulterError) {
    // Too many files, a file under an unexpected field name, too many or too long fields.
    const field = error.field ?? ''
    const refused = badRequest(`the upload was refused: ${error.message}${field ? ` (field "${field}")` : ''}`).because('upload_refused', { field, limit: error.code })
    send(res, refused.status, refused.code, refused.message, null, refused.reason, refused.params)
    return
  }
  if (e?.status === undefined && typeof e?.message === 'string' && BUSBOY_ERRORS.test(e.message)) {
    send(res, 400, 'bad_request', `the multipart body is malformed: ${e.message}`, null, 'upload_malformed')
    return
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    send(res, e.status, 'bad_request', e.message ?? 'bad request', null)
    return
  }
  console.error('[zhanggui] unexpected error:', error)
  send(res, 500, 'internal', 'something went wrong on the server; it has been logged', null)
}

/** What busboy (under multer) throws for a broken multipart body. */
const BUSBOY_ERRORS = /^(Unexpected end of (form|file)|Malformed part header|Multipart: Boundary not found|Malformed urlencoded form|Unexpected end of part)/

function send(
  res: Parameters<ErrorRequestHandler>[2],
  status: number,
  code: MessageCode,
  message: string,
  details: unknown,
  reason: MessageCode = code,
  params: MessageParams = {},
): void {
  res.status(status).json({ error: { code, reason, params, message, details } })
}
