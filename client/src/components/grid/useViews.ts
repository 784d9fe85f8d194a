import { computed, ref, watch, type Ref } from 'vue'
import type { FormInfo, ViewDefinition } from '@/api/types'
import { viewsApi, type SavedView, type ViewScope } from '@/api/views'
import { restrictView } from '@/access/permissions'
import { useSessionStore } from '@/stores/session'
import { definitionOf, sameLayout } from './viewState'

/**
 * A form's views for the grid page: the list (template, shared, personal), the one shown, and the
 * draft — the shown view with the user's unsaved changes — with save, save as, rename, delete.
 */
export function useViews(form: Ref<FormInfo | undefined>, wanted: () => string | undefined) {
  // the form's own views until the list arrives, so tabs show at once
  const list = ref<SavedView[]>((form.value?.definition.views ?? []).map((v) => ({ ...v, scope: 'shared', from_pack: false, editable: false })))
  const key = ref<string | undefined>()
  const draft = ref<ViewDefinition | undefined>()
  /** bumped to rebuild the grid from the saved view (reset, switching views) */
  const generation = ref(0)

  const saved = computed(() => list.value.find((v) => v.key === key.value))
  const dirty = computed(() => Boolean(draft.value && !sameLayout(draft.value, saved.value)))

  function select(next: string | undefined, force = false) {
    const target = list.value.find((v) => v.key === next) ?? list.value[0]
    if (!force && target?.key === key.value && draft.value) return
    key.value = target?.key
    // a form without views still gets a draft, to be saved as its first view
    draft.value = target ? definitionOf(target) : { key: '', label: '' }
    generation.value++
  }
  const reset = () => select(key.value, true)

  async function load() {
    if (!form.value) return
    // without the fields the user's roles hide, as the form's own views (else the grid's layout differs: "unsaved")
    const hidden = useSessionStore().hidden(form.value.key, form.value.pack !== null)
    list.value = (await viewsApi.list(form.value.key)).map((v) => restrictView(v, hidden))
    select(wanted(), !list.value.some((v) => v.key === key.value))
  }
  select(wanted())
  watch(wanted, (next) => select(next))

  function replace(view: SavedView) {
    const i = list.value.findIndex((v) => v.key === view.key && v.scope === view.scope)
    if (i >= 0) list.value.splice(i, 1, view)
    else list.value.push(view)
  }

  /** Saves the draft over the shown view. */
  async function save(extra: Partial<ViewDefinition> = {}) {
    if (!form.value || !saved.value || !draft.value) return
    const view = await viewsApi.update(form.value.key, saved.value.key, { ...definitionOf(draft.value), ...extra, scope: saved.value.scope })
    replace(view)
    draft.value = definitionOf(view)
  }

  /** Saves the draft as a new view and shows it. */
  async function saveAs(label: string, scope: ViewScope): Promise<SavedView | undefined> {
    if (!form.value || !draft.value) return
    const { key: _key, label: _label, ...rest } = definitionOf(draft.value)
    const view = await viewsApi.create(form.value.key, { ...rest, label, scope })
    list.value = scope === 'shared' ? [...list.value.filter((v) => v.scope === 'shared'), view, ...list.value.filter((v) => v.scope === 'personal')] : [...list.value, view]
    return view
  }

  async function rename(label: string) {
    if (!form.value || !saved.value) return
    const view = await viewsApi.update(form.value.key, saved.value.key, { ...definitionOf(saved.value), label, scope: saved.value.scope })
    replace(view)
    if (draft.value) draft.value.label = label
  }

  async function remove() {
    if (!form.value || !saved.value) return
    await viewsApi.remove(form.value.key, saved.value.key, saved.value.scope)
    list.value = list.value.filter((v) => v !== saved.value)
  }

  return { list, key, saved, draft, dirty, generation, select, reset, load, save, saveAs, rename, remove }
}
