import { localize, type LocalizedText } from '@schema/lib/localized'
import { currentLocale, i18n } from '@/i18n'

/**
 * Server problems in the user's language. The server sends a stable code with its params beside
 * English words (schema/messages/catalog.ts); the words for each code live in
 * i18n/messages.{zh-CN,en}.ts under `errors.*`. An unknown code (a newer server) shows the
 * server's own message.
 */
export interface WordableProblem {
  code?: string
  params?: Record<string, unknown>
  message?: string
}

function isLocalizedText(value: unknown): value is LocalizedText {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)['zh-CN'] === 'string'
}

/** A param as the reader sees it: a template's LocalizedText in their language, a document status in words. */
function wordParam(name: string, value: unknown): string {
  if (isLocalizedText(value)) return localize(value, currentLocale.value)
  if (name === 'status' && typeof value === 'string' && i18n.global.te(`doc.status.${value}`)) return i18n.global.t(`doc.status.${value}`)
  return value === null || value === undefined ? '' : String(value)
}

export function problemText(problem: WordableProblem): string {
  const key = `errors.${problem.code}`
  if (!problem.code || !i18n.global.te(key)) return problem.message ?? ''
  const params: Record<string, string> = { message: problem.message ?? '' }
  for (const [name, value] of Object.entries(problem.params ?? {})) params[name] = wordParam(name, value)
  return i18n.global.t(key, params)
}

/** An error response (or a bulk failure) as one line: a validation error by its first problem. */
export function apiErrorText(error: { code: string; reason?: string; params?: Record<string, unknown>; message: string; details?: unknown }): string {
  const t = i18n.global.t
  const problems = Array.isArray(error.details) ? (error.details as (WordableProblem & { field?: string; path?: string })[]) : []
  if ((error.code === 'validation_failed' || error.code === 'invalid_template') && problems.length && problems[0].code) {
    const first = problems[0]
    const where = first.field ?? first.path
    const text = where && where !== '(record)' && first.code !== 'template_problem' ? `${where}: ${problemText(first)}` : problemText(first)
    return problems.length > 1 ? t('error.andMore', { text, count: problems.length - 1 }) : text
  }
  return problemText({ code: error.reason ?? error.code, params: error.params, message: error.message })
}
