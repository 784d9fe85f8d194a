import { ElMessage } from 'element-plus'
import { ApiError } from '@/api/client'
import { i18n } from '@/i18n'
import { apiErrorText } from './errorText'

/** The message to show for a failed request, in the user's language (see errorText.ts). */
export function errorMessage(error: unknown): string {
  const t = i18n.global.t
  if (error instanceof ApiError) {
    if (error.code === 'network') return t('error.network')
    if (error.status === 403 && !error.message) return t('error.forbidden')
    return apiErrorText(error)
  }
  return t('error.generic', { message: error instanceof Error ? error.message : String(error) })
}

export function showError(error: unknown): void {
  if (error instanceof ApiError && error.status === 401) return // the login redirect handles it
  ElMessage({ type: 'error', message: errorMessage(error), showClose: true, duration: 6000, grouping: true })
}
