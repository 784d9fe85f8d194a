import type { ErrorRequestHandler } from 'express'
import { AppError } from '../lib/errors'
import { TemplateError } from '../forms/installer'

/** Every error leaves as JSON {error: {code, message, details}} with the right status; never a stack. */
export const errorHandler: ErrorRequestHandler = (error, _req, res, _next) => {
  void _next
  if (error instanceof AppError || error instanceof TemplateError) {
    res.status(error.status).json({ error: { code: error.code, message: error.message, details: error.details ?? null } })
    return
  }
  const e = error as { type?: string; status?: number; code?: string; message?: string }
  if (e?.type === 'entity.parse.failed') {
    res.status(400).json({ error: { code: 'bad_request', message: 'the request body is not valid JSON', details: null } })
    return
  }
  if (e?.type === 'entity.too.large' || e?.code === 'LIMIT_FILE_SIZE') {
    res.status(413).json({ error: { code: 'too_large', message: 'the request is too large', details: null } })
    return
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    res.status(e.status).json({ error: { code: 'bad_request', message: e.message ?? 'bad request', details: null } })
    return
  }
  console.error('[zhanggui] unexpected error:', error)
  res.status(500).json({ error: { code: 'internal', message: 'something went wrong on the server; it has been logged', details: null } })
}
