// Pure helpers import schema/ by relative path so unit tests (no Vite aliases) can load them.
import type { LocalizedText } from '../../../schema/lib/localized'
import type { FormDefinition } from '../../../schema/template/form'

type Option = { value: string; label: LocalizedText }

/**
 * What a save changes in how the form works rather than in its data — choices and actions — so
 * the impact dialog can name them (the server's dry run only reports what happens to stored rows).
 */
export interface WorkflowChanges {
  options: { field: LocalizedText; added: LocalizedText[]; removed: LocalizedText[] }[]
  actions: { added: LocalizedText[]; changed: LocalizedText[]; removed: LocalizedText[] }
}

export function workflowChanges(before: FormDefinition | null, after: FormDefinition): WorkflowChanges {
  const options: WorkflowChanges['options'] = []
  for (const field of after.fields) {
    const now = field.options as Option[] | undefined
    const was = before?.fields.find((f) => f.key === field.key)?.options as Option[] | undefined
    if (!Array.isArray(now) || !Array.isArray(was)) continue
    const added = now.filter((o) => !was.some((w) => w.value === o.value)).map((o) => o.label)
    const removed = was.filter((w) => !now.some((o) => o.value === w.value)).map((w) => w.label)
    if (added.length || removed.length) options.push({ field: field.label, added, removed })
  }
  const wasActions = before?.actions ?? []
  const nowActions = after.actions ?? []
  const byKey = new Map(wasActions.map((a) => [a.key, a]))
  return {
    options,
    actions: {
      added: before ? nowActions.filter((a) => !byKey.has(a.key)).map((a) => a.label) : [],
      changed: nowActions.filter((a) => byKey.has(a.key) && JSON.stringify(a) !== JSON.stringify(byKey.get(a.key))).map((a) => a.label),
      removed: wasActions.filter((w) => !nowActions.some((a) => a.key === w.key)).map((w) => w.label),
    },
  }
}
