import { ElMessageBox } from 'element-plus'
import { localize } from '@schema/lib/localized'
import type { ActionInfo } from '@/api/types'
import { currentLocale, i18n } from '@/i18n'

export const actionLabel = (action: ActionInfo) => localize(action.label, currentLocale.value)

/** Asks the action's own question (or a generic one); false when the user backs out. */
export async function confirmAction(action: ActionInfo, count?: number): Promise<boolean> {
  if (!action.confirm && count === undefined) return true
  const t = i18n.global.t
  const label = actionLabel(action)
  const question =
    typeof action.confirm === 'object' || typeof action.confirm === 'string'
      ? localize(action.confirm, currentLocale.value)
      : count !== undefined
        ? t('actions.confirmBulk', { action: label, n: count })
        : t('doc.confirmAction', { action: label })
  const message = count !== undefined && action.confirm && typeof action.confirm !== 'boolean' ? `${question}（${t('grid.selected', { n: count })}）` : question
  try {
    await ElMessageBox.confirm(message, label, {
      type: 'warning',
      confirmButtonText: t('common.confirm'),
      cancelButtonText: t('common.cancel'),
      confirmButtonClass: action.style === 'danger' ? 'el-button--danger' : undefined,
    })
    return true
  } catch {
    return false
  }
}
