import { ElMessage, ElMessageBox } from 'element-plus'
import { localize, type LocalizedText } from '@schema/lib/localized'
import { approvalsApi, type Approval } from '@/api/approvals'
import { currentLocale, i18n } from '@/i18n'
import { useApprovalsStore } from '@/stores/approvals'

const text = (value: unknown) => (value && typeof value === 'object' ? localize(value as LocalizedText, currentLocale.value) : value == null ? '' : String(value))

/** The current step of a pending approval and who it waits for. */
export function pendingText(approval: Approval): string {
  const step = approval.steps[approval.step]
  return i18n.global.t('approvals.record.pending', { step: text(step?.label), approvers: (step?.approvers ?? []).map((p) => p.display).join('、') })
}

/**
 * An action's answer that is an approval request (`{approval: {status: 'pending', step, approvers}}`)
 * is shown as 已提交审批; true when it was one.
 */
export function reportApprovalRequested(result: unknown): boolean {
  const approval = (result as { approval?: { status?: string; step?: LocalizedText; approvers?: string[] } } | null)?.approval
  if (!approval || typeof approval !== 'object' || approval.status !== 'pending') return false
  ElMessage({
    type: 'success',
    showClose: true,
    duration: 6000,
    message: i18n.global.t('approvals.requested', { step: text(approval.step), approvers: (approval.approvers ?? []).join('、') }),
    customClass: 'zg-approval-requested',
  })
  void useApprovalsStore().refresh()
  return true
}

/** The requester withdraws a pending request, after a confirmation; true when withdrawn. */
export async function withdrawApproval(approval: Approval): Promise<boolean> {
  const t = i18n.global.t
  try {
    await ElMessageBox.confirm(t('approvals.withdrawConfirm'), t('approvals.withdraw'), { type: 'warning', confirmButtonText: t('common.confirm'), cancelButtonText: t('common.cancel') })
  } catch {
    return false
  }
  await approvalsApi.decide(approval.id, 'withdraw')
  ElMessage.success(t('approvals.done.withdraw'))
  void useApprovalsStore().refresh()
  return true
}
