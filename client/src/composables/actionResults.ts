import { h, type VNode } from 'vue'
import { ElMessage, ElMessageBox } from 'element-plus'
import type { RouteLocationRaw } from 'vue-router'
import { localize } from '@schema/lib/localized'
import type { ActionInfo, BulkActionResult, FormInfo, RecordData } from '@/api/types'
import { currentLocale, i18n } from '@/i18n'
import { useFormsStore } from '@/stores/forms'
import { actionLabel } from './actions'
import { apiErrorText, problemText, type WordableProblem } from './errorText'
import { recordPath, type RecordLink } from './recordLinks'

/*
 * What an action's `result` says, read the same way for every form:
 * - a top-level `false` (`{audited: false, reason}`) means the action ran but was refused: the
 *   record stays where it was, and `reason` (or `exception`) says why — a warning, not a success;
 * - a number under a key that names a form or a link field (`pick_list`, `stock_in`, `order`,
 *   `new_order`), with its number beside it (`pick_list_no`), is a record the action made: a link.
 */

export interface ResultSummary {
  refused: string | null
  links: RecordLink[]
}

function targetForm(form: FormInfo, key: string): FormInfo | undefined {
  const forms = useFormsStore()
  const field = form.definition.fields.find((f) => f.key === key && f.type === 'link')
  const linked = typeof field?.form === 'string' && !field.form.includes('.') ? forms.get(field.form) : undefined
  return linked ?? forms.get(key) ?? forms.get(`${key}s`) ?? (key.startsWith('new_') ? targetForm(form, key.slice(4)) : undefined)
}

export function summarizeResult(form: FormInfo, result: unknown): ResultSummary {
  const summary: ResultSummary = { refused: null, links: [] }
  if (!result || typeof result !== 'object' || Array.isArray(result)) return summary
  const values = result as Record<string, unknown>
  if (Object.values(values).some((v) => v === false)) {
    const why = Array.isArray(values.problems) && values.problems.length
      ? (values.problems as WordableProblem[]).map(problemText).join('；')
      : (values.reason ?? values.exception ?? values.message)
    summary.refused = typeof why === 'string' && why ? why : i18n.global.t('actions.refused')
  }
  const forms = useFormsStore()
  for (const [key, value] of Object.entries(values)) {
    if (typeof value !== 'number' || !Number.isInteger(value) || key.endsWith('_no')) continue
    const number = values[`${key}_no`]
    const target = targetForm(form, key)
    // without its number, only a key that is itself a form (stock_out) is surely a record made here
    if (!target || (number === undefined && !forms.get(key))) continue
    const label = `${localize(target.label, currentLocale.value)} ${typeof number === 'string' && number ? number : `#${value}`}`
    summary.links.push({ key: `${target.key}-${value}`, label, to: recordPath(target.key, value) })
  }
  return summary
}

type Navigate = (to: RouteLocationRaw) => void

function linkNodes(links: RecordLink[], navigate: Navigate, close?: () => void): VNode[] {
  return links.map((link) =>
    h(
      'a',
      {
        href: typeof link.to === 'string' ? link.to : undefined,
        class: 'zg-result-link',
        'data-test': 'result-link',
        onClick: (event: MouseEvent) => {
          event.preventDefault()
          close?.()
          navigate(link.to)
        },
      },
      link.label,
    ),
  )
}

function notify(type: 'success' | 'warning', text: string, links: RecordLink[], navigate: Navigate) {
  const handle = ElMessage({
    type,
    showClose: true,
    duration: links.length || type === 'warning' ? 8000 : 3000,
    message: h('span', { class: 'zg-result', 'data-test': 'result-message', 'data-outcome': type }, [h('span', text), ...linkNodes(links, navigate, () => handle.close())]),
  })
}

/** After an action on one record: done (with links to what it made), or refused with the reason. */
export function reportResult(form: FormInfo, action: ActionInfo, result: unknown, navigate: Navigate): ResultSummary {
  const t = i18n.global.t
  const summary = summarizeResult(form, result)
  if (summary.refused) notify('warning', t('actions.refusedWith', { action: actionLabel(action), reason: summary.refused }), summary.links, navigate)
  else notify('success', t('doc.done', { action: actionLabel(action) }), summary.links, navigate)
  return summary
}

/**
 * After a bulk action: one collective result (a merge, a pick list), or a line per record that
 * failed or was refused, named by its title ("3 条成功，2 条失败：…").
 */
export function reportBulk(form: FormInfo, action: ActionInfo, outcome: BulkActionResult, rowOf: (id: number) => RecordData | undefined, navigate: Navigate) {
  const t = i18n.global.t
  const label = actionLabel(action)
  if (outcome.collective) {
    const summary = summarizeResult(form, outcome.result)
    notify('success', t('actions.collectiveDone', { action: label }), summary.links, navigate)
    return
  }
  const name = (id: number) => {
    const title = rowOf(id)?.[form.title_field]
    return title == null || title === '' ? `#${id}` : String(typeof title === 'object' && 'display' in title ? (title as { display: unknown }).display : title)
  }
  const problems: { id: number; message: string }[] = []
  const links: RecordLink[] = []
  for (const entry of outcome.results) {
    if (!entry.ok) {
      problems.push({ id: entry.id, message: entry.error ? apiErrorText(entry.error) : t('actions.failed') })
      continue
    }
    const summary = summarizeResult(form, entry.result)
    if (summary.refused) problems.push({ id: entry.id, message: summary.refused })
    links.push(...summary.links)
  }
  const ok = outcome.results.length - problems.length
  if (!problems.length) {
    notify('success', t('actions.bulkDone', { action: label, ok }), links.length <= 5 ? links : [], navigate)
    return
  }
  const body = h(
    'ul',
    { class: 'zg-bulk-result', 'data-test': 'bulk-result' },
    problems.map((p) => h('li', { 'data-test': 'bulk-problem' }, [h('b', name(p.id)), `：${p.message}`])),
  )
  void ElMessageBox.alert(body, t('actions.bulkFailed', { action: label, ok, failed: problems.length }), { type: 'warning', confirmButtonText: t('common.confirm') })
}
